"""``scalesim app`` tells the page what to open in its own process, not through the environment.

The command hands an :class:`~scalesim.app.page.AppConfig` to
:func:`scalesim.app.page.configure` and then starts the Solara server, which imports the
page module by name in the same process. Here the server is replaced by what it does first
(import the page by name) so the test needs no port or browser; ``tests/test_app_browser.py``
checks the real server end to end.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest
import solara
import yaml

from scalesim.app import page
from scalesim.cli import main

SCENARIO = {
    "name": "app-config",
    "horizon_months": 6,
    "district": {"generated": {"n_schools": 8, "educators_per_school": {"mean": 10, "min": 4}}},
    "trip_ticket": {"pit_stops": [], "destination": {"by_month": 6}},
}


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace the Solara server by its first step; restore the page's configuration after."""
    import solara.__main__ as solara_main

    seen: dict[str, Any] = {}

    def serve(args: list[str], standalone_mode: bool) -> None:
        module = importlib.import_module(args[0])
        seen.update(args=args, module=module, config=module.current_config())

    monkeypatch.setattr(solara_main.run, "main", serve)
    monkeypatch.setattr(page, "_config", page.current_config())
    # The command sets these two for Solara and Mesa in its own process; pre-set here so
    # the test process gets its environment back.
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "agg"))
    return seen


def _app(*args: str) -> None:
    try:
        main(["app", *args, "--port", "0"])
    except SystemExit as exc:
        assert exc.code in (0, None)


def test_the_command_configures_the_page_the_server_imports(
    served: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    before = dict(os.environ)
    _app(str(path), "--seed", "7")
    assert served["args"][0] == "scalesim.app.page" and served["module"] is page
    assert served["config"] == page.AppConfig(str(path.resolve()), None, "7")
    assert dict(os.environ) == before, "the command passed its settings through os.environ"

    # A new browser session opens exactly that.
    _, rc = solara.render(page.Page(), handle_error=False)
    try:
        status = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
        assert "scenario <strong>app-config</strong>" in status
        assert "seed <strong>7</strong>" in status
    finally:
        rc.close()


def test_a_lesson_is_configured_with_its_first_arm(served: dict[str, Any]) -> None:
    from scalesim.scenario.lessons import get_lesson

    _app("--lesson", "volunteer_trap")
    lesson = get_lesson("volunteer_trap")
    assert served["config"] == page.AppConfig(
        str(lesson.arm_path(None).resolve()), "volunteer_trap", "1"
    )


def test_without_configure_the_page_opens_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "_config", page.AppConfig())
    assert page.current_config() == page.AppConfig()
    assert page.current_config().scenario_file.endswith("default.yaml")
