"""How the weekly mechanisms behave, as scenario sections.

Adoption, depth, ownership, abandonment, turnover, the calendar, the starting point and the
metrics' thresholds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from scalesim.scenario.fields import Dist, Share, Strict, dist_field, doc_field


class Adoption(Strict):
    """The adoption rule (DESIGN §2.3) and awareness."""

    rule: Literal["bass", "threshold"] = doc_field(
        "bass",
        "Bass-type hazard (p + q·share) or fractional threshold (Granovetter/Watts).",
    )
    p_external: Annotated[float, Field(ge=0, le=10)] = doc_field(
        0.03,
        "External influence rate (Bass p).",
        "per year",
        "Sultan, Farley & Lehmann (1990) meta-analysis: mean p ≈ 0.03",
    )
    q_peer: Annotated[float, Field(ge=0, le=20)] = doc_field(
        0.38,
        "Peer influence rate (Bass q) times the share of enacting neighbours.",
        "per year",
        "Sultan, Farley & Lehmann (1990): mean q ≈ 0.38",
    )
    threshold: Dist = dist_field(
        0.3,
        0.12,
        "Fractional thresholds (threshold rule): an educator adopts once the share of "
        "enacting neighbours reaches theirs.",
        "modelling assumption in the range of Granovetter (1978) and Watts (2002)",
    )
    credibility_weighted: bool = doc_field(
        True, "Weight neighbours by their credibility when computing the enacting share."
    )
    modulate: bool = doc_field(
        True,
        "Modulate hazards by educator, innovation, school and district factors. Off gives "
        "the textbook rule (used for closed-form checks).",
    )
    awareness_external: Annotated[float, Field(ge=0, le=52)] = doc_field(
        0.5, "Rate at which unaware educators hear of the innovation from the district.", "per year"
    )
    awareness_peer: Annotated[float, Field(ge=0, le=52)] = doc_field(
        3.0, "Awareness rate per unit share of enacting neighbours.", "per year"
    )
    pressure_penalty: Annotated[float, Field(ge=0, le=5)] = doc_field(
        1.0,
        "How strongly accountability pressure suppresses adoption when policy is not "
        "aligned (003_*.txt: high-pressure schools did not feel free to innovate).",
        "log-hazard per unit pressure",
    )


class Depth(Strict):
    """How depth of enactment moves (DESIGN §2.4)."""

    growth: Annotated[float, Field(ge=0, le=52)] = doc_field(
        2.94,
        "Depth growth rate toward the ceiling at full support.",
        "per year",
        "calibrated: target T3 (the flagship set reaches its trip ticket in about half of the "
        "seeds), scripts/calibrate.py; docs/calibration.md",
    )
    decay: Annotated[float, Field(ge=0, le=52)] = doc_field(
        0.4, "Depth decay rate without support.", "per year"
    )
    peer_support: Share = doc_field(
        0.4, "Support an educator gets when all neighbours enact (collegial support).", "0–1"
    )
    principal_weight: Share = doc_field(
        0.3, "Weight of principal support in baseline support.", "0–1"
    )
    start: Dist = dist_field(0.3, 0.1, "Depth of the educators already enacting at month 0.")


class Ownership(Strict):
    """How ownership moves (DESIGN §2.5)."""

    growth: Annotated[float, Field(ge=0, le=52)] = doc_field(
        0.3, "Ownership growth per year driven by depth of enactment.", "per year"
    )
    mandate_erosion: Annotated[float, Field(ge=0, le=52)] = doc_field(
        0.6, "Ownership erosion per year under a tight mandate.", "per year"
    )
    start: Dist = dist_field(0.2, 0.1, "Ownership of the educators already enacting at month 0.")


class Abandonment(Strict):
    """Enacting educators who stop (DESIGN §2.6)."""

    base_rate: Annotated[float, Field(ge=0, le=52)] = doc_field(
        0.08, "Abandonment rate at average cynicism, depth and support.", "per year"
    )
    enabled: bool = doc_field(True, "Switch abandonment off for controlled experiments.")


class Turnover(Strict):
    """Staff and leadership turnover (DESIGN §2.7, §8)."""

    enabled: bool = doc_field(True, "Switch all turnover off for controlled experiments.")
    teacher_leave: Share = doc_field(
        0.077,
        "Annual share of teachers leaving teaching.",
        "per year",
        "NCES Teacher Follow-up Survey 2012-13: 7.7% leave",
    )
    teacher_move: Share = doc_field(
        0.081,
        "Annual share of teachers moving to another school.",
        "per year",
        "NCES TFS 2012-13: 8.1% move",
    )
    novice_leave: Share = doc_field(
        0.071, "Novices leaving teaching.", "per year", "NCES TFS: 7.1%"
    )
    novice_move: Share = doc_field(0.125, "Novices moving.", "per year", "NCES TFS: 12.5%")
    high_need_move_multiplier: Annotated[float, Field(ge=0, le=5)] = doc_field(
        2.0,
        "Movers are this many times likelier in high-need schools.",
        "ratio",
        "NCES Condition of Education: about 12% vs 6% movers in high- vs low-poverty schools",
    )
    movers_stay_in_district: Share = doc_field(
        0.59, "Share of movers who stay in the district.", "share", "NCES TFS: 59%"
    )
    in_year_share: Share = doc_field(
        0.1,
        "Share of teacher turnover that happens during the school year rather than at the "
        "year boundary.",
        "share",
        "modelling assumption (most turnover lands at the year boundary, DESIGN §1)",
    )
    principal: Share = doc_field(
        0.18,
        "Annual share of schools changing principal.",
        "per year",
        "NCES Principal Follow-up Survey 2016-17: 82% stay (16–18% change)",
    )
    superintendent: Share = doc_field(
        0.2,
        "Annual hazard of a superintendent change.",
        "per year",
        "CGCS 2014: urban tenure ~3.2 years; Broad Center 2018: 5–6 years (0.17–0.30)",
    )


class Calendar(Strict):
    """The school calendar."""

    summer_weeks: Annotated[int, Field(ge=0, le=20)] = doc_field(
        10,
        "Weeks of summer at the end of each 52-week year; classroom enactment pauses.",
        "weeks",
        "US calendars: ~180 instructional days in ~40 weeks",
    )


class Start(Strict):
    """Where the district is at month 0."""

    enacting_share: Share = doc_field(
        0.15,
        "Share of educators already enacting (DL+D mandate starts at 15%, 003_*.txt).",
        "share",
        "003_*.txt",
    )
    enacting_share_high_need: Share | None = doc_field(
        None, "Override of the starting share in high-need schools.", "share"
    )
    enacting_share_other: Share | None = doc_field(
        None, "Override of the starting share in the other schools.", "share"
    )
    from_csv: bool = doc_field(
        False, "Use the CSV's enacting_share column per school (CSV districts only)."
    )
    aware_share: Share = doc_field(
        0.3,
        "Share of non-enacting educators already aware of the innovation.",
        "share",
    )


class Institutions(Strict):
    """Scaling in and scaling out: school routines, district routines, what carries on.

    002_*.txt separates scaling *in* (schools make the practice their own: a school team,
    time set aside, shared materials) from scaling *out* (central-office leaders own it and
    build the structures that keep it), and owning the innovation from owning the improvement
    process. 004_*.txt calls an innovation institutionalized when it is how things are done and
    outlasts a change of leaders. These fields set how fast routines grow and fade and what
    they carry when the team's support ends (docs/model.md, "Scaling in and out";
    docs/calibration.md for the fitted values).
    """

    routine_start: Share = doc_field(
        0.1, "School routines for the practice at month 0 (every school).", "0–1", "assumption"
    )
    routine_from_depth: Annotated[float, Field(ge=0, le=20)] = doc_field(
        1.0,
        "Growth of a school's routines per year from its deep practice, with its principal "
        "behind it (× share enacting at depth × (0.5 + principal support)).",
        "per year",
        "002_*.txt (schools with deep implementation had principals behind them); calibrated",
    )
    routine_from_district: Annotated[float, Field(ge=0, le=20)] = doc_field(
        0.5,
        "Growth of a school's routines per year from district ownership "
        "(× district ownership × share enacting).",
        "per year",
        "002_*.txt (district ownership set the conditions for school ownership); assumption",
    )
    routine_loss: Annotated[float, Field(ge=0, le=20)] = doc_field(
        0.3,
        "Loss of a school's routines per year when nobody uses them (× share not enacting).",
        "per year",
        "assumption (calibrated with the support-end targets)",
    )
    routine_floor: Share = doc_field(
        0.5,
        "Share of collegial support that needs no school routine (the rest scales with them).",
        "share",
        "assumption (calibrated with the support-end targets)",
    )
    institution_weight: Annotated[float, Field(ge=0, le=10)] = doc_field(
        2.0,
        "Log-hazard weight of institutionalization (mean of school routines and district "
        "ownership) on abandonment, centred on the default world's starting value.",
        "log-hazard",
        "004_*.txt (routine practice outlasts leaders); assumption",
    )
    principal_routine_loss: Share = doc_field(
        0.3,
        "Share of a school's routines lost with a new principal, when the district does not "
        "own the work (× (1 − district ownership)).",
        "share",
        "002_*.txt (a new principal who does not back it means restarting); assumption",
    )
    carry_strength: Share = doc_field(
        0.5,
        "After the team's support ends, strategies the district or schools can run go on at "
        "this share of their strength, times district ownership (district-run), school "
        "routines (school-run) or district ownership of improvement (PDSA).",
        "share",
        "002_*.txt (network meetings went on in the year with little external help); assumption",
    )
    support_end_drop: Share = doc_field(
        0.3,
        "When support ends, enacting educators stop with this probability × (1 − their "
        "school's institutionalization) × (1 − depth): the 'this too shall pass' signal.",
        "probability",
        "004_*.txt (the cycle of initiatives); 002_*.txt (worry the district would abandon "
        "the work); assumption",
    )
    attention_after_support: Share = doc_field(
        0.3,
        "When support ends, attention competition rises by this × (1 − district ownership): "
        "the district turns to its next initiative unless it owns this one.",
        "0–1",
        "004_*.txt (the cycle in which the district moves to yet another initiative); assumption",
    )
    improvement_start: Share = doc_field(
        0.05, "School improvement routines (own PDSA cycles) at month 0.", "0–1", "assumption"
    )
    improvement_from_district: Annotated[float, Field(ge=0, le=20)] = doc_field(
        0.6,
        "Growth per year of a school's improvement routines from the district's ownership of "
        "the improvement process (× district improvement × district mean improvement "
        "routines): how PDSA spreads beyond its first participants.",
        "per year",
        "002_*.txt (a district that owns the practice but not the improvement routine "
        "inhibits spread); assumption",
    )
    improvement_loss: Annotated[float, Field(ge=0, le=20)] = doc_field(
        0.2, "Loss of improvement routines per year.", "per year", "assumption"
    )
    improvement_depth: Annotated[float, Field(ge=0, le=10)] = doc_field(
        1.0,
        "Depth grows faster in schools that run improvement cycles: growth × (1 + this × "
        "(routines − their start)).",
        "multiplier",
        "002_*.txt (PDSA formalised learning so the work could be sustained); assumption",
    )


class Metrics(Strict):
    """Thresholds used by the metrics (docs/metrics.md)."""

    school_reached_share: Share = doc_field(
        0.5, "A school counts as reached when at least this share of its educators enact.", "share"
    )
    left_behind_share: Share = doc_field(
        0.1, "A school is left behind when fewer than this share of its educators enact.", "share"
    )
    depth_bar: Share = doc_field(0.5, "Depth counted as 'deep' enactment.", "0–1")
