"""``scalesim lessons``: the classroom lessons in scenarios/teaching/."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table


def register(app: typer.Typer) -> None:
    """Add ``lessons`` to the CLI."""

    @app.command("lessons")
    def lessons(
        name: Annotated[str | None, typer.Argument(help="Show this lesson's page.")] = None,
    ) -> None:
        """List the lessons (open one with `scalesim app --lesson NAME`), or show one."""
        from scalesim.scenario.lessons import all_lessons, get_lesson, lessons_dir

        console = Console(width=120)
        if name is not None:
            les = get_lesson(name)
            console.print(Markdown(les.page))
            arms = ", ".join(f"{a.name} ({a.label})" for a in les.spec.arms)
            console.print(f"\narms: {arms}\nopen it: scalesim app --lesson {les.name}")
            return
        table = Table(title=f"Lessons in {lessons_dir()}", show_header=True, header_style="bold")
        for col in ("name", "title", "arms", "sources"):
            table.add_column(col)
        for les in all_lessons():
            table.add_row(
                les.name,
                f"{les.title}\n[dim]{les.spec.summary}[/dim]",
                "\n".join(les.arm_names),
                ", ".join(les.spec.sources),
            )
        console.print(table)
        console.print("Open one with: scalesim app --lesson NAME")
