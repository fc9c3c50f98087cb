"""The source documents, and how users see them cited: by title, not by file name.

The code, tests and developer docs cite the documents by file name (``000_*.txt``), which
is stable and short; every face a user reads (the report, the app, ``scalesim list``) shows
the title instead, through :func:`cite_titles`.
"""

from __future__ import annotations

import html
import re

# Short citations of the documents in ../shared/domain/ (author, year, title).
TITLES: dict[str, str] = {
    "000": "Cohen-Vogel, Century & Sherer (2022), A Framework for Scaling for Equity",
    "001": "Carnegie Foundation, Scaling for Equity: the framework in brief",
    "002": "Cannata, Rutledge, Redding & Smith (2017), Using Continuous Improvement "
    "Approaches to Achieve Scale",
    "003": "Warner & Caspary (2023), Lessons for Equitably Scaling Deeper Learning",
    "004": "Gallagher (2024), Strategies for Successful Scaling in Districts",
}

_FILE = re.compile(r"(<code>)?`?(\d{3})_\*\.txt`?(</code>)?")


def title(number: str) -> str:
    """The citation of document ``number`` ("000" … "004"); the file name if unknown."""
    return TITLES.get(number, f"{number}_*.txt")


def cite_titles(text: str, fmt: str = "plain") -> str:
    """``text`` with every ``NNN_*.txt`` file reference replaced by the document's title.

    Args:
        text: Plain text, Markdown or HTML.
        fmt: ``"plain"`` (the title), ``"markdown"`` (in italics) or ``"html"`` (in
            ``<cite>``, dropping a surrounding ``<code>``).
    """
    wrap = {"plain": "{}", "markdown": "*{}*", "html": "<cite>{}</cite>"}[fmt]

    def sub(m: re.Match[str]) -> str:
        if m.group(2) not in TITLES:
            return m.group(0)
        cited = TITLES[m.group(2)]
        return wrap.format(html.escape(cited) if fmt == "html" else cited)

    return _FILE.sub(sub, text)
