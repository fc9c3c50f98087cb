"""What the browser tests need, and what happens when it is missing (one rule for all of them).

The browser tests drive Debian's Chromium with Playwright (shared/reference/mesa-notes.md
§9). In CI (the ``CI`` environment variable set, as CI services do and ``.ci/run`` does) a
missing Chromium is a **failure**: a skipped browser test there would hide that the app or
the report was never opened in a browser. On a developer's machine without Chromium the
tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


# Chromium's flags on these machines: running as root, no network, no GPU
# (shared/reference/mesa-notes.md §9).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A local TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(scenario: str | Path, seed: int, cwd: Path) -> Iterator[str]:
    """``scalesim app SCENARIO --seed SEED`` on a free local port; yields its address.

    Fails the test with the command's output if it does not answer within 90 s; stops it
    at the end.
    """
    need_chromium()
    port = free_port()
    command = [sys.executable, "-m", "scalesim", "app", str(scenario), "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--seed", str(seed)],
        cwd=cwd,
        env={**os.environ, "MPLBACKEND": "agg"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"scalesim app did not start:\n{proc.communicate()[0]}")
            time.sleep(0.3)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
