"""Play mode in a real browser at a classroom projector's 1024x768 (Playwright + Chromium).

``scalesim app`` serves a small flagship scenario (20 schools, six months, a pit stop every
month) and the browser opens ``/?play``. The test checks the layout from the elements'
bounding boxes (no overlaps, nothing outside the viewport's width, the monitors and the
first buttons inside the first screen), that the figure's smallest text is large enough
once shown, that slider values are shown, that the run pauses at a pit stop, that a choice
changes the strategy set and the travel log, and that the end comparison appears.
Screenshots go to ``test-artifacts/play/`` in the repository root (printed).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest
import yaml

from browser_env import CHROMIUM, CHROMIUM_ARGS, app_server, need_chromium

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "play"
W, H = 1024, 768
# The smallest text of a figure, in CSS pixels once shown, that reads from a classroom's
# back row on a 1024x768 projector (about 11 px; browsers default to 16 px body text).
MIN_FIGURE_TEXT_PX = 11.0
SEED = 3
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``scalesim app`` on a small flagship scenario, on a free local port."""
    need_chromium()
    from scalesim.scenario import load_scenario

    sc = load_scenario(
        REPO / "scenarios" / "dlplusd_full.yaml",
        {
            "district.generated.n_schools": 20,
            "horizon_months": 6,
            "trip_ticket.pit_stops": [1, 2, 3, 4, 5],
        },
    )
    path = tmp_path_factory.mktemp("play") / "small_flagship.yaml"
    path.write_text(yaml.safe_dump(sc.to_dict(), sort_keys=False))
    with app_server(path, SEED, REPO) as url:
        yield url


def _boxes(page: object, selector: str) -> list[dict[str, float]]:
    loc = page.locator(selector)  # type: ignore[attr-defined]
    return [b for b in (loc.nth(i).bounding_box() for i in range(loc.count())) if b]


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    # One pixel of tolerance: neighbours that touch do not overlap.
    return (
        a["x"] + a["width"] > b["x"] + 1
        and b["x"] + b["width"] > a["x"] + 1
        and a["y"] + a["height"] > b["y"] + 1
        and b["y"] + b["height"] > a["y"] + 1
    )


def _check_layout(page: object, named: dict[str, str]) -> None:
    """Every named element is inside the viewport's width and overlaps none of the others."""
    found: list[tuple[str, dict[str, float]]] = []
    for name, selector in named.items():
        boxes = _boxes(page, selector)
        assert boxes, f"no {name} ({selector}) on the page"
        found += [(f"{name}[{i}]", b) for i, b in enumerate(boxes)]
    for name, b in found:
        assert b["width"] > 0 and b["height"] > 0, name
        assert b["x"] >= 0 and b["x"] + b["width"] <= W + 0.5, f"{name} outside the width: {b}"
    for (na, a), (nb, b) in combinations(found, 2):
        assert not _overlap(a, b), f"{na} overlaps {nb}: {a} {b}"


def _clipped_buttons(page: object) -> list[str]:
    """Buttons whose text is wider than the button (cut off)."""
    return page.evaluate(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('.scalesim-play button')]
            .filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1)
            .map(b => b.innerText)"""
    )


def _min_figure_pt() -> dict[str, float]:
    """The smallest font size (points) in each figure the pages draw, by image class."""
    from matplotlib.text import Text

    from scalesim.app.components import DISTRICT_SIZE, PLOTS_SIZE
    from scalesim.app.play import PlaySession
    from scalesim.app.snapshots import district_data, plots_data
    from scalesim.plotting.live import PlotsRenderer, draw_district

    s = PlaySession(str(REPO / "scenarios" / "dlplusd_full.yaml"), seed=SEED, n_schools=20)
    s.drive()
    figs = {
        "scalesim-plots": PlotsRenderer(*PLOTS_SIZE).figure(plots_data(s.model)),
        "scalesim-district": draw_district(district_data(s.model), *DISTRICT_SIZE),
    }
    return {
        name: min(t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip())
        for name, fig in figs.items()
    }


def _check_figure_text(page: object, classes: list[str]) -> None:
    """The smallest text of each figure, as shown, is at least MIN_FIGURE_TEXT_PX."""
    from scalesim.plotting.live import DPI

    pts = _min_figure_pt()
    for css in classes:
        natural, shown = page.evaluate(  # type: ignore[attr-defined]
            """(c) => { const i = document.querySelector('img.' + c);
                        return [i.naturalWidth, i.getBoundingClientRect().width]; }""",
            css,
        )
        px = pts[css] * DPI / 72 * shown / natural
        assert px >= MIN_FIGURE_TEXT_PX, f"{css}: smallest text {px:.1f} px"


def test_play_mode_at_1024x768(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {ARTIFACTS}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": W, "height": H})
            page.goto(f"{server}/?play", timeout=90_000)
            start = page.get_by_role("button", name="Start: drive to the first pit stop")
            expect(start).to_be_visible(timeout=90_000)
            expect(page.locator("img.scalesim-plots")).to_be_visible(timeout=60_000)
            body = page.inner_text("body")
            for leftover in ("PAGE 0", "Page 0", "Use Threads"):
                assert leftover not in body
            expect(page.get_by_text("This website runs on")).to_be_hidden()
            page.screenshot(path=str(ARTIFACTS / "01-start.png"))

            # The monitors and the first button are on the first screen.
            for b in [*_boxes(page, ".scalesim-monitors .monitor"), start.bounding_box()]:
                assert b is not None and b["y"] + b["height"] <= H, b

            _check_figure_text(page, ["scalesim-plots"])

            # The run pauses at the first pit stop, and shows its checklist.
            start.click()
            expect(page.get_by_text("Pit stop 1: the class decides")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Are we still headed towards our destination?")).to_be_visible()
            week = page.inner_text(".scalesim-status")
            assert "week 4 of 26" in week, week  # month 1 is week 4
            expect(page.get_by_role("button", name="Apply this choice")).to_be_visible()
            layout = {
                "monitor": ".scalesim-monitors .monitor",
                "figure": "img.scalesim-plots",
                "pit stop": ".scalesim-stop",
                "status": ".scalesim-status",
            }
            _check_layout(page, layout)
            _check_layout(
                page, {"button": ".scalesim-stop button:visible", "status": ".scalesim-status"}
            )
            assert _clipped_buttons(page) == []

            # Slider values are shown.
            page.get_by_role("button", name="Rescale a strategy").click()
            expect(page.get_by_text("Intensity factor: ×1.5")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Recalibrate the destination").click()
            expect(page.get_by_text("Target: 80.0%", exact=True)).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Deadline: month 36")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "02-pit-stop.png"))
            assert _clipped_buttons(page) == []

            # A choice changes the strategy set and the travel log.
            page.get_by_role("button", name="Drop a strategy").click()
            expect(page.get_by_text("In the set: Co-design,")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Apply this choice").click()
            expect(page.get_by_text("The class chose: drop Co-design")).to_be_visible(
                timeout=30_000
            )
            expect(page.locator(".scalesim-set")).not_to_contain_text("Co-design", timeout=30_000)
            expect(page.locator(".scalesim-log")).to_contain_text(
                "The class decided: drop Co-design"
            )
            expect(page.locator(".scalesim-log")).to_contain_text(
                "Co-design stops (the class dropped it)"
            )

            # Drive on to the end, then compare.
            drive = page.get_by_role("button", name="Drive on to the next pit stop")
            for stop in range(2, 6):
                drive.click()
                expect(page.get_by_text(f"Pit stop {stop}: the class decides")).to_be_visible(
                    timeout=30_000
                )
            drive.click()
            expect(page.get_by_text("Journey's end").first).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Compare over 5 seeds").click()
            table = page.locator("table.scalesim-compare")
            expect(table).to_be_visible(timeout=120_000)
            for label in (
                "Your class's journey",
                "The scenario's rule-based team",
                "No strategies",
            ):
                expect(table).to_contain_text(label)
            expect(page.get_by_text("Save the class's choices as a scenario file")).to_be_visible()
            table.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "03-end.png"), full_page=True)
            _check_layout(
                page,
                {
                    "comparison": "table.scalesim-compare",
                    "figure": "img.scalesim-plots",
                    "log": ".scalesim-log",
                },
            )
            assert _clipped_buttons(page) == []
        finally:
            browser.close()


def _inner_scrollers(page: object) -> list[str]:
    """Elements of the page's content that scroll inside themselves (a projector hides it)."""
    return page.evaluate(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('.scalesim-explore *, .scalesim-play *')]
            .filter(e => { const s = getComputedStyle(e).overflowY;
                           return (s === 'auto' || s === 'scroll')
                                  && e.scrollHeight > e.clientHeight + 1; })
            .map(e => e.className || e.tagName)"""
    )


def test_explore_page_at_1024x768(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": W, "height": H})
            page.goto(server, timeout=90_000)
            expect(page.get_by_text("Time:").first).to_be_visible(timeout=90_000)
            expect(page.locator("img.scalesim-plots")).to_be_visible(timeout=60_000)
            expect(page.locator("img.scalesim-district")).to_be_visible(timeout=60_000)
            body = page.inner_text("body")
            for leftover in ("PAGE 0", "Page 0", "Use Threads"):
                assert leftover not in body
            expect(page.get_by_text("This website runs on")).to_be_hidden()
            _check_figure_text(page, ["scalesim-plots", "scalesim-district"])
            page.screenshot(path=str(ARTIFACTS / "10-explore.png"))
            # Slider values are in their labels, not only while dragging.
            page.get_by_text("Model parameters (they apply when you press Reset)").click()
            expect(page.get_by_text("Peer influence q (per year): 0.38")).to_be_visible()
            expect(page.get_by_text("Schools in the district (schools): 20")).to_be_visible()
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Time: 1.0")).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "11-explore-parameters.png"))
            _check_layout(
                page,
                {
                    "status": ".scalesim-explore .scalesim-md",
                    "monitor": ".scalesim-monitors .monitor",
                    "district": "img.scalesim-district",
                    "figure": "img.scalesim-plots",
                },
            )
            _check_layout(page, {"button": ".scalesim-explore button:visible"})
            clipped = page.evaluate(
                """() => [...document.querySelectorAll('.scalesim-explore button')]
                    .filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1)
                    .map(b => b.innerText)"""
            )
            assert clipped == []
            assert _inner_scrollers(page) == []
            # The page scrolls as a whole: screenshots of its parts.
            for i, css in enumerate(["img.scalesim-plots", ".scalesim-explore .v-input--switch"]):
                page.locator(css).first.scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / f"1{i + 2}-explore-part.png"))
            page.get_by_text("Travel log").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "14-explore-log.png"))
        finally:
            browser.close()
