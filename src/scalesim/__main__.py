"""``python -m scalesim`` and the ``scalesim`` console script."""

from __future__ import annotations

import signal
import sys


def entry() -> None:
    """Start the command line; a Ctrl-C while it is still loading exits quietly with 130.

    Once the command has finished (its results written and reported), a Ctrl-C is ignored:
    what is left is the interpreter's shutdown, during which Python restores the default
    action of SIGINT, so a Ctrl-C there killed the process with no message and no exit code
    of its own although the work was done (found by the random Ctrl-C points of
    tests/test_reliability_interrupt.py). An ignored SIGINT stays ignored through shutdown.
    """
    try:
        from scalesim.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    try:
        main()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    entry()
