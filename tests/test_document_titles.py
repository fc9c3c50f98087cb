"""Users see the source documents cited by title, never by file name.

The code and developer docs cite ``000_*.txt``; the report, the app's Markdown panels (lesson
pages) and ``scalesim list`` show the title (scalesim.common.sources).
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import SMALL
from scalesim.app.components import markdown_html
from scalesim.common.sources import TITLES, cite_titles
from scalesim.scenario.lessons import all_lessons

FILE_REF = re.compile(r"\d{3}_\*\.txt")


def test_cite_titles_replaces_every_known_reference() -> None:
    """Each known file name becomes its title, in each format; unknown ones stay.

    A surrounding code span goes with the file name (a title is prose, not code).
    """
    text = "see `000_*.txt` and <code>004_*.txt</code>, not 009_*.txt"
    assert cite_titles(text) == (f"see {TITLES['000']} and {TITLES['004']}, not 009_*.txt")
    cited = cite_titles("x <code>002_*.txt</code> y", fmt="html")
    assert (
        cited == "x <cite>Cannata, Rutledge, Redding &amp; Smith (2017), Using Continuous "
        "Improvement Approaches to Achieve Scale</cite> y"
    )
    assert cite_titles("(003_*.txt)", fmt="markdown") == f"(*{TITLES['003']}*)"


def test_report_cites_titles(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """A run's report names no document file, and cites the documents its sections use."""
    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                **SMALL,
                "trip_ticket": {"pit_stops": [6.0], "destination": {"by_month": 12}},
                "strategies": [{"type": "coaching"}, {"type": "pilot", "end_month": 4}],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "run"
    env = {"MPLBACKEND": "agg", "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [*scalesim_cmd, "run", str(scenario), "--out", str(out)],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run(
        [*scalesim_cmd, "report", str(out), "--out", str(out / "report.html")],
        check=True,
        capture_output=True,
        env=env,
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert not FILE_REF.findall(page)
    assert "<cite>" in page


@pytest.mark.parametrize("lesson", all_lessons(), ids=lambda les: les.name)
def test_lesson_pages_in_the_app_cite_titles(lesson) -> None:
    """The app renders each lesson page with titles where the page names files."""
    assert FILE_REF.search(lesson.page), "lesson pages cite their sources by file name"
    shown = markdown_html(lesson.page)
    assert not FILE_REF.findall(shown)
    assert any(html.escape(t) in shown for t in TITLES.values())


def test_scalesim_list_cites_titles(scalesim_cmd: list[str]) -> None:
    """``scalesim list strategies`` shows titles where a strategy's summary names a file."""
    out = subprocess.run(
        [*scalesim_cmd, "list", "strategies"], check=True, capture_output=True, text=True
    ).stdout
    assert not FILE_REF.findall(out)
