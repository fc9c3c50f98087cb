"""The ``scalesim`` command line.

Each sub-command lives in its own ``cmd_*.py`` module in this package and defines
``register(app)``; modules are discovered in name order, so adding a command never means
editing a shared file. User errors (:class:`~scalesim.common.errors.ScalesimInputError`) print one
clear line on stderr and exit with code 2, with nothing written.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from scalesim.common.errors import ScalesimInputError

app = typer.Typer(
    name="scalesim",
    help="Rehearse how an educational innovation scales across a school district, for equity.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Shell completion: --install-completion / --show-completion (typer and shellingham).
    add_completion=True,
)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(app)


def _version(value: bool) -> None:
    if value:
        from scalesim.cli.cmd_version import version_line

        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print scalesim's, Python's and Mesa's versions and exit.",
    ),
) -> None:
    """Rehearse how an educational innovation scales across a school district, for equity."""


_register_commands()


def fail(message: str, code: int = 2) -> None:
    """Print ``message`` on stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``scalesim`` console script."""
    try:
        # Standalone mode: Typer reports usage errors itself (exit code 2).
        app(args=argv)
    except ScalesimInputError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
