"""``scalesim app``: serve the browser app (a Mesa SolaraViz page) on this machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scalesim.common.seeds import DEFAULT_SEED, SEED_MAX

DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    import ipaddress

    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    """Add ``app`` to the CLI."""

    @app.command("app")
    def app_(
        scenario: Annotated[
            Path | None,
            typer.Argument(help="Scenario YAML file (default: scenarios/default.yaml)."),
        ] = None,
        port: Annotated[
            int, typer.Option(min=0, max=65535, help="Port to serve on (0: any free port).")
        ] = DEFAULT_PORT,
        host: Annotated[
            str, typer.Option(help="Interface to listen on; the default serves this machine only.")
        ] = "127.0.0.1",
        lesson: Annotated[
            str | None, typer.Option(help="Open a lesson (see `scalesim lessons`).")
        ] = None,
        seed: Annotated[
            int, typer.Option(min=0, max=SEED_MAX, help="Seed the page starts with.")
        ] = DEFAULT_SEED,
        allow_remote: Annotated[
            bool,
            typer.Option(
                help="Serve on a --host that is not loopback: other machines can then open "
                "the app, which has no login."
            ),
        ] = False,
    ) -> None:
        """Serve the app for SCENARIO (or a lesson) at http://HOST:PORT until Ctrl-C.

        The page shows the district, live plots with the trip-ticket targets, strategy
        toggles, shock buttons, the pit-stop checklist and the travel log (docs/app.md).
        Everything it needs is installed with the package: it works with no internet.
        """
        from scalesim.common.errors import ScalesimInputError
        from scalesim.scenario import load_scenario

        if not is_loopback(host):
            if not allow_remote:
                raise ScalesimInputError(
                    "--host",
                    "",
                    f"{host} is not a loopback address: anyone who can reach this machine "
                    "could use the app (it has no login); pass --allow-remote to serve it "
                    "anyway, or use 127.0.0.1",
                )
            typer.echo(
                f"warning: serving on {host}: other machines can open the app (no login)",
                err=True,
            )
        if lesson is not None and scenario is not None:
            raise ScalesimInputError(
                "scalesim app", "SCENARIO", "give a scenario file or --lesson, not both"
            )
        if lesson is not None:
            from scalesim.scenario.lessons import get_lesson

            les = get_lesson(lesson)
            for arm in les.arm_names:
                load_scenario(les.arm_path(arm))
            what = f"lesson {lesson} ({les.title})"
            path = les.arm_path(None)
        else:
            path = scenario or Path("scenarios/default.yaml")
            sc = load_scenario(path)
            what = f"scenario {sc.name} ({path})"
        # For the libraries of this server process, set before they are imported: Solara
        # reads its telemetry switch at import (offline and private: no usage telemetry;
        # --no-check-version below skips the version check against PyPI), and Mesa's
        # visualization imports pyplot, whose figures (if any) then stay off any display.
        os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
        os.environ.setdefault("MPLBACKEND", "agg")
        from scalesim.app.page import AppConfig, configure

        # The server imports scalesim.app.page by name in this process: it finds this.
        configure(AppConfig(scenario_file=str(Path(path).resolve()), lesson=lesson, seed=str(seed)))
        if port == 0:
            import socket

            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        typer.echo(f"scalesim app: {what} at http://{host}:{port}  (Ctrl-C to stop)")

        import click
        from solara.__main__ import run as solara_run

        try:
            solara_run.main(
                args=[
                    "scalesim.app.page",
                    "--host",
                    host,
                    "--port",
                    str(port),
                    "--no-open",
                    "--production",
                    "--no-check-version",
                ],
                standalone_mode=False,
            )
        except (KeyboardInterrupt, click.exceptions.Abort):
            pass  # Ctrl-C is how the server is stopped
        except OSError as exc:  # the port is taken, the address is not this machine's
            raise ScalesimInputError(
                "--port", "", f"cannot serve on {host}:{port}: {exc.strerror or exc}"
            ) from None
        typer.echo("scalesim app: stopped", err=True)
