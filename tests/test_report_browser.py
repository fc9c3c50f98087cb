"""The report in a real browser: it renders from the file alone and requests nothing outside it.

Chromium (Debian's, driven by Playwright; launch flags from shared/reference/mesa-notes.md
§9) opens the HTML file through a ``file://`` URL with the network switched off, and
every request the page makes is recorded: only the file itself and ``data:`` URIs (the
embedded figures) are allowed. Every figure must decode and lay out. In CI a missing
Chromium is a failure, as for the app's browser test (tests/browser_env.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from browser_env import CHROMIUM, CHROMIUM_ARGS, need_chromium
from scalesim.cli import main

SCENARIO = {
    "name": "browser-report",
    "horizon_months": 6,
    "district": {
        "generated": {"n_schools": 10, "educators_per_school": {"mean": 15, "sd": 4, "min": 4}}
    },
    "trip_ticket": {
        "destination": {"target": 0.2, "equity_target": 0.2, "by_month": 6},
        "pit_stops": [3],
    },
    "strategies": [{"type": "coaching", "select": {"rule": "highest_need", "share_schools": 0.5}}],
}


@pytest.mark.browser
def test_report_makes_no_request_outside_the_file(tmp_path: Path) -> None:
    """Open the report offline; record every request; all figures load; nothing leaves."""
    need_chromium()  # a failure in CI, a skip elsewhere (tests/browser_env.py)
    from playwright.sync_api import sync_playwright

    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    out = tmp_path / "run"
    for argv in (["run", str(scen), "--out", str(out), "--quiet"], ["report", str(out)]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code in (0, None)
    html = out / "report.html"
    url = html.resolve().as_uri()

    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_load_state("networkidle", timeout=30_000)
        images = page.eval_on_selector_all(
            "img",
            "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight, "
            "e.getBoundingClientRect().width])",
        )
        sections = page.eval_on_selector_all("section[data-section]", "els => els.map(e => e.id)")
        browser.close()

    assert url in requests
    outside = [u for u in requests if u != url and not u.startswith("data:")]
    assert outside == [], f"the page requested {outside}"
    assert failed == [] and errors == []
    assert len(images) >= 5
    for complete, w, h, shown in images:
        assert complete and w > 200 and h > 100 and shown > 100, (complete, w, h, shown)
    assert sections == [
        "trip-ticket",
        "where-we-have-been",
        "left-behind",
        "pit-stops",
        "strategies",
        "factors",
        "provenance",
    ]
