"""The ``scalesim`` command line.

Each sub-command lives in its own ``cmd_*.py`` module in this package and defines
``register(app)``; modules are discovered in name order, so adding a command never means
editing a shared file. User errors (:class:`~scalesim.common.errors.ScalesimInputError`) print one
clear line on stderr and exit with code 2, with nothing written; so do usage errors (an
unknown option, a bad value): ``error: scalesim run: No such option: --bogus``. Ctrl-C
prints ``interrupted`` and exits with code 130 (a sweep adds how to resume it).
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
        # Not standalone: usage errors and Ctrl-C come here, to be reported in one line.
        code = app(args=argv, standalone_mode=False, prog_name="scalesim")
    except ScalesimInputError as exc:
        fail(str(exc))
    except typer.TyperException as exc:  # click's usage errors, as Typer vendors them
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()  # type: ignore[attr-defined]  # the help page, as click shows it
            raise SystemExit(exc.exit_code) from None  # type: ignore[attr-defined]
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "scalesim"
        message = exc.format_message()  # type: ignore[attr-defined]
        fail(f"{where}: {message} (see {where} --help)", getattr(exc, "exit_code", 2))
    except OSError as exc:  # the disk is full, a folder vanished: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or exc}", 1)
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
    if code == 130:  # Typer turns a KeyboardInterrupt into this exit code
        typer.echo("interrupted", err=True)
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
