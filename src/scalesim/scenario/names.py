"""Plain names of strategy and shock types, and of credit channels: what users read.

Scenario files name strategies and shocks by their registered type (``educate_policymakers``);
reports, CLI tables, ``scalesim list`` and figure legends show the plain name instead
("Educate policymakers"). The built-in types are named here, next to their parameter models
(:mod:`scalesim.scenario.params`), so every layer that shows a strategy (report, CLI, app,
workbench) reads one table. A strategy or shock registered from outside scalesim brings its
name (its class attribute ``title``); registering a type without one is an error
(:func:`scalesim.journey.registry.register_entry`), and ``tests/test_plain_names.py`` checks
that every registered type is named.

A label is what a scenario calls one strategy: its ``name`` if the file gives one, else its
type. :func:`plain_label` shows a label that is a type by the type's plain name and keeps any
other label as the user wrote it (docs/decisions.md, 2026-12-04).
"""

from __future__ import annotations

import re

# Built-in strategies (docs/strategies.md "The strategies"; DESIGN §3).
STRATEGY_NAMES: dict[str, str] = {
    "co_design": "Co-design",
    "coaching": "Coaching",
    "educate_policymakers": "Educate policymakers",
    "engage_leaders": "Engage leaders",
    "local_champions": "Local champions",
    "network_of_users": "Network of users",
    "pdsa_cycles": "PDSA cycles",
    "pilot": "Pilot",
    "policy_network": "Policy network",
    "proof_point": "Proof points",
    "scalable_characteristics": "Design for scale",
    "shape_local_policy": "Shape local policy",
}
# Built-in shocks (docs/strategies.md "Shocks"; DESIGN §4).
SHOCK_NAMES: dict[str, str] = {
    "budget_cut": "Budget cut",
    "competing_initiative": "Competing initiative",
    "pandemic": "Pandemic",
    "policy_shift": "Policy shift",
    "principal_turnover": "Principal turnover",
    "superintendent_turnover": "Superintendent turnover",
    "teacher_turnover_wave": "Teacher turnover wave",
}
# Selection rules whose id is not a plain word (scenario.journey.Select.rule), as they read
# after "retarget X to" in a pit stop's decision and in the report's Selection column;
# "random", "volunteer", "balanced" and the other one-word rules read as they are.
SELECTION_NAMES: dict[str, str] = {
    "highest_need": "highest need first",
    "most_central": "most central first",
    "most_credible": "most credible first",
    "pilot_members": "pilot members",
}
# Credit channels that are not strategies (core.rules: the parts of the adoption hazard).
CHANNEL_NAMES: dict[str, str] = {
    "peer": "Peers",
    "external": "Outside influence",
    "mandate": "Mandate",
}


def strategy_name(type_name: str) -> str:
    """The plain name of a registered strategy type.

    Raises:
        KeyError: The type has no plain name (every registered type must have one).
    """
    try:
        return STRATEGY_NAMES[type_name]
    except KeyError:
        raise KeyError(f"strategy type {type_name!r} has no plain name") from None


def shock_name(type_name: str) -> str:
    """The plain name of a registered shock type.

    Raises:
        KeyError: The type has no plain name (every registered type must have one).
    """
    try:
        return SHOCK_NAMES[type_name]
    except KeyError:
        raise KeyError(f"shock type {type_name!r} has no plain name") from None


def plain_label(label: object) -> str:
    """What users read for a strategy or shock label, or a credit channel.

    A label that is a registered type (the scenario gave no ``name``) reads as the type's
    plain name; a channel ``strategy:<label>`` as that label; ``peer``, ``external`` and
    ``mandate`` in words. Any other label is the user's own name and is kept as written.
    """
    text = str(label)
    text = text.removeprefix("strategy:")
    for table in (STRATEGY_NAMES, SHOCK_NAMES, CHANNEL_NAMES):
        if text in table:
            return table[text]
    return text


def plain_spec(spec: dict) -> str:
    """What users read for a strategy or shock spec (a scenario's ``strategies[]`` entry).

    Its label (its ``name``, else its type) read as :func:`plain_label` reads it.
    """
    return plain_label(spec.get("name") or spec.get("type", ""))


def plain_text(text: object) -> str:
    """A phrase from a travel log with every type id in it read as its plain name.

    Decisions, checklist problems and pit-stop reasons are written into the log with labels
    (``retarget local_champions to highest_need``, ``shock: principal_turnover``); the log
    stays as recorded and the faces read it through this. Only whole words that are a
    registered strategy or shock type (or ``strategy:<type>``), or a selection rule's
    snake-case id, change.
    """
    names = {**SELECTION_NAMES, **SHOCK_NAMES, **STRATEGY_NAMES}
    if not names:
        return str(text)
    alternatives = "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.\-/])(?:strategy:)?({alternatives})(?![\w\-/])")
    return pattern.sub(lambda m: names[m.group(1)], str(text))
