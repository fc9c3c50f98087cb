"""``scalesim --version`` (and ``scalesim version``): what a bug report needs to name."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import typer


def _dist_version(name: str) -> str:
    """An installed distribution's version, read from its metadata (nothing is imported)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def version_line() -> str:
    """``scalesim 0.1.0 (Python 3.12.x, Mesa 3.5.1)``.

    The versions come from the installed metadata, so printing them imports neither Mesa nor
    the model (the command answers in a fraction of a second).
    """
    import scalesim

    return (
        f"scalesim {scalesim.__version__} (Python {platform.python_version()}, "
        f"Mesa {_dist_version('mesa')})"
    )


def register(app: typer.Typer) -> None:
    """Add ``version`` to the CLI (the same line as ``--version``)."""

    @app.command()
    def version() -> None:
        """Print scalesim's, Python's and Mesa's versions."""
        typer.echo(version_line())
