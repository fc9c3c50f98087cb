"""What the browser tests need, and what happens when it is missing (one rule for all of them).

The browser tests drive Debian's Chromium with Playwright (shared/reference/mesa-notes.md
§9). In CI (the ``CI`` environment variable set, as CI services do and ``.ci/run`` does) a
missing Chromium is a **failure**: a skipped browser test there would hide that the app or
the report was never opened in a browser. On a developer's machine without Chromium the
tests are skipped with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def in_ci() -> bool:
    """Whether the suite runs in CI (``CI`` set to anything but empty, ``0`` or ``false``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def need_chromium() -> None:
    """Return if Chromium is installed; otherwise fail in CI and skip elsewhere."""
    if CHROMIUM.exists():
        return
    if in_ci():
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
    pytest.skip(f"needs Debian's chromium at {CHROMIUM} (installed by .ci/run)")
