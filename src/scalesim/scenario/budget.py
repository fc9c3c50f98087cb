"""What a scenario will cost before anything is built: educators, ties, weeks and memory.

A scenario that asks for a billion schools would allocate memory until the machine kills the
process; :func:`check_budget` refuses it at once, with the estimate and the limit in one clear
message. The limits are generous for real districts (New York City has about 73,000 teachers in
1,800 schools, DESIGN §8) and can be lifted (``scalesim run --allow-large``, or
``limits=None`` in Python).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scalesim.common.errors import ScenarioError

if TYPE_CHECKING:
    from scalesim.scenario.schema import Scenario

# Bytes a model holds per educator slot (state columns, factors, weekly draws and effects)
# and per stored tie (CSR index and value, both directions), from benchmarks/RESULTS.md:
# 75,000 educators took about 50 MiB above the interpreter and libraries.
BYTES_PER_EDUCATOR = 700
BYTES_PER_TIE = 16
# networkx builds the standard families as Python objects before they become a sparse matrix.
BYTES_PER_NETWORKX_TIE = 250


@dataclass(frozen=True)
class Limits:
    """The largest scenario a run accepts without ``--allow-large``."""

    educators: int = 2_000_000
    schools: int = 100_000
    ties: int = 100_000_000
    memory_bytes: int = 8 * 2**30


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Estimate:
    """What a scenario will build."""

    educators: int
    schools: int
    ties: int
    weeks: int
    memory_bytes: int


def estimate(sc: Scenario) -> Estimate:
    """Educators, schools, ties, weeks and memory of a scenario (without building it)."""
    d = sc.district
    if d.source == "csv":
        from scalesim.scenario.school_csv import load_school_csv

        assert d.csv is not None
        rows = load_school_csv(Path(d.csv.path))
        schools, educators = len(rows), sum(int(r["n_educators"]) for r in rows)
    elif d.source == "roster":
        from scalesim.scenario.observed import load_roster

        assert d.roster is not None
        roster = load_roster(d.roster)
        schools, educators = len(roster.school_names), roster.n
    else:
        g = d.generated
        schools = g.n_schools
        per = max(g.educators_per_school.mean, g.educators_per_school.min)
        educators = int(schools * per)
    net = sc.network
    if net.kind == "complete":
        ties, per_tie = 0, 0  # computed in O(n), never stored
    elif net.kind == "observed":
        assert net.ties is not None
        with open(net.ties.path, "rb") as fh:  # one tie a line after the header
            ties, per_tie = max(sum(1 for _ in fh) - 1, 0), BYTES_PER_TIE
    elif net.kind == "district":
        degree = net.within_school_degree + net.cross_school_degree
        ties, per_tie = int(educators * degree), BYTES_PER_TIE
    else:
        mean_degree = {
            "erdos_renyi": net.er_p * max(educators - 1, 0),
            "watts_strogatz": float(net.ws_k),
            "barabasi_albert": 2.0 * net.ba_m,
        }[net.kind]
        ties, per_tie = int(educators * mean_degree / 2), BYTES_PER_NETWORKX_TIE
    memory = educators * BYTES_PER_EDUCATOR + ties * per_tie
    return Estimate(educators, schools, ties, sc.n_weeks, memory)


def check_budget(sc: Scenario, source: str, limits: Limits = DEFAULT_LIMITS) -> Estimate:
    """Refuse a scenario over ``limits``, naming what is too large.

    Raises:
        ScenarioError: With the estimate, the limit and how to lift it.
    """
    est = estimate(sc)
    hint = "; pass --allow-large (or limits=None in Python) to run it anyway"
    checks = (
        ("district", est.educators, limits.educators, "educators"),
        ("district", est.schools, limits.schools, "schools"),
        ("network", est.ties, limits.ties, "ties"),
    )
    for field, value, limit, unit in checks:
        if value > limit:
            raise ScenarioError(
                source, field, f"about {value:,} {unit}; the limit is {limit:,}{hint}"
            )
    if est.memory_bytes > limits.memory_bytes:
        raise ScenarioError(
            source,
            "district",
            f"the model would need about {est.memory_bytes / 2**30:.1f} GiB; the limit is "
            f"{limits.memory_bytes / 2**30:.0f} GiB{hint}",
        )
    return est
