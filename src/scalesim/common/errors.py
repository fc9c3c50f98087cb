"""User-facing errors: one clear message naming the file, the field and what was expected."""

from __future__ import annotations


class ScalesimInputError(Exception):
    """Bad user input (a scenario, an experiment, a CSV, an option).

    The CLI prints ``str(error)`` alone, without a traceback, and exits with code 2.

    Args:
        source: The file (or option) the bad value came from.
        field: Dotted path of the field inside that file, or ``""`` for the whole file.
        problem: What is wrong and what was expected.
    """

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = str(source)
        self.field = field
        self.problem = problem
        where = f"{self.source}: {field}: " if field else f"{self.source}: "
        super().__init__(where + problem)


class ScenarioError(ScalesimInputError):
    """A scenario file (or a district CSV it names) is invalid."""
