"""``python -m scalesim`` and the ``scalesim`` console script."""

from __future__ import annotations

import sys


def entry() -> None:
    """Start the command line; a Ctrl-C while it is still loading exits quietly with 130."""
    try:
        from scalesim.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    entry()
