"""``scalesim report``: one self-contained HTML page from a results folder.

:func:`build_report` reads a folder written by ``scalesim run``, ``compare``, ``rehearse``
or ``sweep`` (never re-running the model), draws the figures, and writes the page and the
figures atomically: everything is rendered in memory first, PNGs are written to
``figures/`` next to the page, and the page goes to a temporary file renamed into place,
so a failure never leaves a half-written report. See docs/report.md.
"""

from __future__ import annotations

import contextlib
import glob
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from scalesim.report.loading import Results, load

__all__ = ["Report", "build_report", "load", "render_report"]


@dataclass
class Report:
    """A rendered report, not yet written."""

    html: str
    figures: dict[str, bytes]
    results: Results
    sections: list[str]
    # Every figure's drawn words (titles, tick labels, legends), by file name.
    figure_texts: dict[str, list[str]] = field(default_factory=dict)


def _title(res: Results) -> tuple[str, str]:
    m = res.meta
    if res.kind == "run":
        return (
            f"Pit-stop report: {m.get('scenario')}",
            f"one run, seed {m.get('seed')}, {m.get('educators')} educators in "
            f"{m.get('schools')} schools, {m.get('months')} months",
        )
    if res.kind == "sweep":
        exp = m.get("experiment", {})
        c = m.get("counts", {})
        return (
            f"Sweep report: {exp.get('name')}",
            f"{m.get('n_tasks')} runs ({c.get('ok', 0)} ok, {c.get('error', 0)} failed), "
            f"{(m.get('design') or {}).get('points')} design points × "
            f"{(m.get('replicates') or {}).get('count')} replicates; options: "
            + ", ".join(res.options),
        )
    if res.kind == "optimize":
        return (
            f"Optimisation: {m.get('name')}",
            f"{(m.get('trials') or {}).get('asked')} candidates on "
            f"{(m.get('replicates') or {}).get('count')} common seeds; "
            f"{len(m.get('front', []))} on the front",
        )
    if res.kind == "calibration":
        s = m["summary"]
        return (
            f"Calibration: {m.get('scenario')}",
            f"{s.get('method')}, {s.get('simulations')} simulations, seed {m.get('seed')}",
        )
    what = "Rehearsal" if res.kind == "rehearse" else "Comparison"
    sub = f"{', '.join(res.options)} on {m.get('reps')} common seeds"
    if res.kind == "rehearse":
        sub += f", branching at month {m.get('at_month')}"
    return f"{what}: {' vs '.join(res.options)}", sub


def render_report(res: Results, figure_prefix: str = "report") -> Report:
    """Build the page and its figures in memory."""
    from scalesim.report.html import render
    from scalesim.report.sections import Ctx, build_sections, headline

    ctx = Ctx(res, figure_prefix)
    sections = build_sections(ctx)
    title, sub = _title(res)
    warning = None
    if res.kind == "sweep" and res.meta.get("status") != "complete":
        c = res.meta.get("counts", {})
        warning = (
            f"This sweep is {res.meta.get('status')}: {c.get('pending', '?')} runs are "
            "still pending; the report shows the runs stored so far."
        )
    html = render(res.kind, title, sub, headline(ctx), sections, warning)
    return Report(html, ctx.figures, res, [s.id for s in sections], ctx.figure_texts)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        # os.open with 0o666 honours the umask (mkstemp would leave the file 0600).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def build_report(results: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``results`` to ``out`` (default ``RESULTS/report.html``).

    The figures are written as PNG to ``figures/<stem>-<name>.png`` next to the page (the
    stem keeps them apart from a comparison's own figures in the same folder) and are also
    embedded in the page.

    Returns:
        The path of the HTML file.

    Raises:
        ScalesimInputError: The folder is not a readable results folder (nothing is written).
    """
    res = load(results)
    out = Path(out) if out is not None else res.root / "report.html"
    if out.suffix.lower() not in (".html", ".htm"):
        from scalesim.common.errors import ScalesimInputError

        raise ScalesimInputError("--out", "", f"expected a path ending in .html, got {out}")
    from scalesim.common.files import check_file_target

    check_file_target(out)  # before anything is drawn
    rep = render_report(res, figure_prefix=out.stem)
    out.parent.mkdir(parents=True, exist_ok=True)
    figdir = out.parent / "figures"
    figdir.mkdir(exist_ok=True)
    for name, png in sorted(rep.figures.items()):
        _atomic_write(figdir / name, png)
    # Figures an earlier report of the same name drew but this one does not.
    for old in figdir.glob(f"{glob.escape(out.stem)}-*.png"):
        if old.name not in rep.figures:
            old.unlink(missing_ok=True)
    _atomic_write(out, rep.html.encode("utf-8"))
    return out
