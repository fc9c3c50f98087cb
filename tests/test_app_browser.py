"""The app in a real browser: Debian's Chromium driven by Playwright (mesa-notes §9).

The real command serves the app (``scalesim app --port N --host 127.0.0.1``, a
subprocess); the browser may only talk to 127.0.0.1, and every other request is blocked
and recorded, so the test fails if the page needed the internet. In CI (``CI`` set) a
missing Chromium is a failure, not a skip (tests/browser_env.py): ``.ci/run`` installs it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_env import CHROMIUM, CHROMIUM_ARGS, app_server

REPO = Path(__file__).resolve().parents[1]
LOCAL = "http://127.0.0.1:"
# Not the page's default seed: the page shows it only if the command's configuration
# reached the server (which runs in the command's process).
SEED = 4

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``scalesim app`` on a free local port, for the default scenario and seed :data:`SEED`."""
    with app_server("scenarios/default.yaml", SEED, REPO) as url:
        yield url


def _time(page: object) -> float:
    text = page.get_by_text("Time:").first.inner_text()  # type: ignore[attr-defined]
    return float(text.split("Time:")[1])


def _wait_for(predicate: object, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def _plots(page: object) -> bytes:
    return page.locator("img.scalesim-plots").screenshot()  # type: ignore[attr-defined]


def test_app_offline_step_play_toggle_shock(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    blocked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})

            def route(r: object) -> None:
                url = r.request.url  # type: ignore[attr-defined]
                if url.startswith(LOCAL) or url.startswith("ws://127.0.0.1:"):
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    blocked.append(url)
                    r.abort()  # type: ignore[attr-defined]

            page.route("**/*", route)
            page.goto(server, timeout=90_000)
            expect(page.get_by_text("Time:").first).to_be_visible(timeout=90_000)
            expect(page.locator("img.scalesim-plots")).to_be_visible(timeout=60_000)
            expect(page.locator("img.scalesim-district")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("of 156 (month 0.0")).to_be_visible()
            expect(page.get_by_text(f"seed {SEED} · week 0").first).to_be_visible()

            # Step: one week per click.
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Time: 1.0")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Time: 2.0")).to_be_visible(timeout=30_000)

            # Play runs until paused.
            page.get_by_role("button", name="▶").click()
            _wait_for(lambda: _time(page) >= 5, what="Play to advance time")
            page.get_by_role("button", name="❚❚").click()
            expect(page.get_by_role("button", name="Step")).to_be_enabled(timeout=30_000)
            paused = _time(page)
            assert paused >= 5

            # A strategy toggle shows in the plots at once (the timeline), and steps run it.
            before = _plots(page)
            page.get_by_text("Local champions", exact=True).click()
            expect(page.get_by_text("Local champions on from month")).to_be_visible(timeout=30_000)
            _wait_for(lambda: _plots(page) != before, what="plots to show the strategy")

            # A shock fires now: the plots mark it, the travel log records it.
            before = _plots(page)
            page.get_by_role("button", name="Superintendent leaves").click()
            expect(page.get_by_text("superintendent turnover fired at month")).to_be_visible(
                timeout=30_000
            )
            _wait_for(lambda: _plots(page) != before, what="plots to show the shock")
            expect(page.get_by_text("fired now").first).to_be_visible(timeout=30_000)

            shot = tmp_path / "app.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert shot.stat().st_size > 50_000
        finally:
            browser.close()
    assert blocked == [], f"the page asked for the network: {blocked}"
