"""Compare and rehearse from Python: objects with tidy tables, ``.plot()`` and ``.report()``.

``scalesim compare`` and ``scalesim rehearse`` on the command line and
:func:`compare` / :func:`rehearse` here run the same code (:mod:`scalesim.workbench.compare`,
:mod:`scalesim.workbench.rehearse`) with the same default seed
(:data:`~scalesim.common.seeds.DEFAULT_SEED`) and replicate count, so a notebook's numbers
are the CLI's and the report's. Each call writes its results folder (``out``, or a
temporary folder that lives as long as the object), so :meth:`Results.report` renders the
same HTML report ``scalesim report`` does and :func:`scalesim.load_results` can read it
back later.

Tables are pandas DataFrames in the layouts of docs/results-format.md. Units: the tidy
``comparison`` table has a ``unit`` column, and every table's ``attrs["units"]`` maps each
metric column (or, for the tidy tables, each metric name) to its unit.

Examples:
    >>> import scalesim                                                   # doctest: +SKIP
    >>> cmp = scalesim.compare(["scenarios/baseline.yaml", "scenarios/dlplusd_full.yaml"],
    ...                        reps=10)                                   # doctest: +SKIP
    >>> cmp.means()                                                       # doctest: +SKIP
    >>> fig = cmp.plot()                                                  # doctest: +SKIP
    >>> cmp.report("compare.html")                                        # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalesim.common.seeds import DEFAULT_SEED

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from scalesim.scenario import Scenario

# ``scalesim compare`` and ``scalesim rehearse`` default to 20 replicates: so does Python.
DEFAULT_REPS = 20
# Tables that describe the options as a whole (the others have one row per run or week).
SUMMARY_TABLES = ("comparison", "trip_ticket", "bands", "equity_by_need")


def with_units(df: pd.DataFrame, measure: str = "educators") -> pd.DataFrame:
    """``df`` with ``attrs["units"]``: the unit of every metric it holds (by column or name).

    ``measure``: what the destination counts (the trip ticket's shares are of students when
    it counts students).
    """
    from scalesim.metrics import METRICS
    from scalesim.metrics.units import metric_unit

    units = {c: metric_unit(c, measure) for c in df.columns if c in METRICS}
    if "metric" in df.columns:
        units.update({m: metric_unit(m, measure) for m in df["metric"].unique() if m in METRICS})
    df.attrs["units"] = units
    return df


@dataclass
class Results:
    """The tables of a comparison or rehearsal, with its results folder.

    Attributes:
        kind: ``compare`` or ``rehearse``.
        folder: The results folder (docs/results-format.md).
        options: Option names; the first is the baseline of every paired difference.
        seeds: The replicate seeds, shared by every option (common random numbers).
        tables: Every table by name: per-run (``runs``, ``timeseries``, ``schools``,
            ``channels``, ``log``, ``pit_stops``, ``strategies``, ``shortfalls``) and summary
            (``comparison``, ``trip_ticket``, ``bands``, ``equity_by_need``).
    """

    kind: str
    folder: Path
    options: list[str]
    seeds: list[int]
    tables: dict[str, pd.DataFrame] = field(repr=False)
    branch_month: float | None = None

    def __post_init__(self) -> None:
        for df in self.tables.values():
            with_units(df, self.measure)

    @property
    def measure(self) -> str:
        """What the destination counts (``educators`` or ``students``), as compared."""
        c = self.tables.get("comparison")
        if c is not None and len(c):
            units = set(c.loc[c["metric"] == "destination_share", "unit"])
            if units == {"share of students"}:
                return "students"
        return "educators"

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by name (``res["timeseries"]``)."""
        if name not in self.tables:
            from scalesim.common.errors import ScalesimInputError
            from scalesim.common.validation import did_you_mean

            raise ScalesimInputError(
                self.kind,
                name,
                f"no such table{did_you_mean(name, self.tables)}; tables: "
                f"{', '.join(sorted(self.tables))}",
            )
        return self.tables[name]

    @property
    def comparison(self) -> pd.DataFrame:
        """One row per option and metric: mean, 95% interval, paired difference, verdict."""
        return self["comparison"]

    @property
    def trip_ticket(self) -> pd.DataFrame:
        """One row per option: probability of reaching the trip ticket, with its interval."""
        return self["trip_ticket"]

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: end values of every metric and the trip-ticket verdict."""
        return self["runs"]

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per run and week: every metric."""
        return self["timeseries"]

    def means(self) -> pd.DataFrame:
        """Mean per metric (rows, labelled with their unit) and option (columns)."""
        c = self.comparison
        c = c.assign(what=c["label"] + " (" + c["unit"] + ")")
        wide = c.pivot(index="what", columns="option", values="mean")
        order = list(dict.fromkeys(c["what"]))
        wide = wide.loc[order, self.options]
        wide.index.name = None
        wide.columns.name = None
        return wide

    def plot(self, metrics: Sequence[str] | None = None) -> Figure:
        """The trajectory panels of ``figures/trajectories.png``, as a ``Figure``.

        Args:
            metrics: Metric names, one panel each (default: the report's six).
        """
        from scalesim.workbench.compare import TRAJECTORY_METRICS, trajectories_plot

        return trajectories_plot(
            self["bands"],
            self.tables.get("trip_ticket"),
            tuple(metrics or TRAJECTORY_METRICS),
            branch_month=self.branch_month,
            measure=self.measure,
        )

    def report(self, path: str | Path) -> Path:
        """Write the HTML report (the one ``scalesim report`` writes) to ``path``.

        Returns:
            The path of the page.
        """
        from scalesim.report import build_report

        return build_report(self.folder, path)

    def _repr_html_(self) -> str:
        return (
            f"<p>{self.kind}: {', '.join(self.options)} on {len(self.seeds)} common seeds "
            f"(results in <code>{self.folder}</code>)</p>"
            + self.means().to_html(float_format=lambda x: f"{x:.3f}")
        )


def _folder(out: str | Path | None, owner: list[Any]) -> Path:
    """``out``, or a temporary folder removed when the results object is collected."""
    if out is not None:
        return Path(out)
    tmp = Path(tempfile.mkdtemp(prefix="scalesim-"))
    owner.append(tmp)
    return tmp / "results"


def _seeds(reps: int, seed: int, seeds: Sequence[int] | None) -> list[int]:
    from scalesim.common.errors import ScalesimInputError
    from scalesim.workbench.experiment_schema import SEED_LIMIT, derive_seeds

    if seeds is not None:
        out = [int(s) for s in seeds]
        if not out or len(set(out)) != len(out) or min(out) < 0 or max(out) >= SEED_LIMIT:
            raise ScalesimInputError(
                "seeds", "", f"expected distinct integers in [0, {SEED_LIMIT}), got {seeds!r}"
            )
        return out
    if reps < 1:
        raise ScalesimInputError("reps", "", f"expected at least 1 (got {reps})")
    return derive_seeds(seed, reps)


def _own(res: Results, temps: list[Path]) -> Results:
    for t in temps:
        weakref.finalize(res, shutil.rmtree, t, True)
    return res


def compare(
    scenarios: Sequence[Scenario | str | Path | Mapping[str, Any]],
    reps: int = DEFAULT_REPS,
    *,
    seed: int = DEFAULT_SEED,
    seeds: Sequence[int] | None = None,
    names: Sequence[str] | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
) -> Results:
    """Run strategy sets on the same seeds and compare them (``scalesim compare``).

    Args:
        scenarios: Scenario files, :class:`~scalesim.scenario.Scenario` objects or mappings;
            the first is the baseline.
        reps: Replicates per option (seeds derived from ``seed``, as the CLI derives them).
        seed: Root seed (the CLI's default).
        seeds: Explicit seeds instead of ``reps``/``seed``.
        names: Option names (default: the files' stems, or the scenarios' names).
        workers: Local worker processes (default: run serially).
        out: Results folder (default: a temporary one, kept as long as the object).

    Returns:
        A :class:`Results` of kind ``compare``.

    Raises:
        ScalesimInputError: A bad scenario, name or seed list (nothing runs).
    """
    from scalesim.common.errors import ScalesimInputError
    from scalesim.simulation.runner import as_scenario
    from scalesim.workbench.compare import Option, unique_names
    from scalesim.workbench.compare import compare as run_compare
    from scalesim.workbench.executors import make_executor

    if isinstance(scenarios, str | Path) or len(scenarios) < 2:
        raise ScalesimInputError("scenarios", "", "give a list of at least two scenarios")
    loaded = [as_scenario(s if not isinstance(s, Mapping) else dict(s)) for s in scenarios]
    if names is None:
        stems = [
            Path(s).stem if isinstance(s, str | Path) else sc.name
            for s, sc in zip(scenarios, loaded, strict=True)
        ]
        names = unique_names(stems)
    elif len(names) != len(loaded) or len(set(names)) != len(names):
        raise ScalesimInputError("names", "", f"give {len(loaded)} distinct names")
    sources = [str(s) if isinstance(s, str | Path) else "" for s in scenarios]
    options = [Option(n, sc, src) for n, sc, src in zip(names, loaded, sources, strict=True)]
    seed_list = _seeds(reps, seed, seeds)
    temps: list[Path] = []
    folder = _folder(out, temps)
    with make_executor(workers) as ex:
        tables = run_compare(
            options, seed_list, ex, folder, seed_root=None if seeds is not None else seed
        )
    return _own(Results("compare", folder, list(names), seed_list, tables), temps)


def rehearse(
    scenario: Scenario | str | Path | Mapping[str, Any],
    at: float,
    options: str | Path | Mapping[str, Any],
    reps: int = DEFAULT_REPS,
    *,
    seed: int = DEFAULT_SEED,
    seeds: Sequence[int] | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    ignore_orphan_rules: bool = False,
) -> Results:
    """Run to month ``at``, then branch into ``options`` from that exact state (``rehearse``).

    Args:
        scenario: The scenario whose history is shared (file, Scenario or mapping).
        at: The branch month (a pit stop), in ``[0, horizon)``.
        options: An options file, or its contents: ``{"continue": {}, "more": {"overrides":
            {...}}, ...}`` (with or without the top-level ``options:`` key).
        reps: Replicates (seeds derived from ``seed``, as the CLI derives them).
        seed: Root seed (the CLI's default).
        seeds: Explicit seeds instead of ``reps``/``seed``.
        workers: Local worker processes (default: run serially).
        out: Results folder (default: a temporary one, kept as long as the object).
        ignore_orphan_rules: As ``--ignore-orphan-rules``: accept options whose strategy
            set leaves out a strategy an adaptation rule names.

    Returns:
        A :class:`Results` of kind ``rehearse``.

    Raises:
        ScalesimInputError: A bad scenario, option, month or seed list (nothing runs).
    """
    from scalesim.simulation.runner import as_scenario
    from scalesim.workbench.executors import make_executor
    from scalesim.workbench.rehearse import load_options, options_from_dict
    from scalesim.workbench.rehearse import rehearse as run_rehearse

    sc = as_scenario(scenario if not isinstance(scenario, Mapping) else dict(scenario))
    if isinstance(options, Mapping):
        data = dict(options) if "options" in options else {"options": dict(options)}
        opts = options_from_dict(data, sc, "options", ignore_orphan_rules)
        options_source = ""
    else:
        opts = load_options(options, sc, ignore_orphan_rules)
        options_source = str(options)
    seed_list = _seeds(reps, seed, seeds)
    temps: list[Path] = []
    folder = _folder(out, temps)
    with make_executor(workers) as ex:
        tables = run_rehearse(
            sc,
            at,
            opts,
            seed_list,
            ex,
            folder,
            scenario_source=str(scenario) if isinstance(scenario, str | Path) else "",
            options_source=options_source,
            seed_root=None if seeds is not None else seed,
        )
    tables.pop("branch_week", None)
    res = Results("rehearse", folder, list(opts), seed_list, tables, branch_month=float(at))
    return _own(res, temps)


__all__ = ["DEFAULT_REPS", "Results", "compare", "rehearse", "with_units"]
