"""Bad strategy, selection, shock and rule definitions: one clear message, exit 2, no output.

Each case in ``CASES`` is a real scenario file run by a real ``scalesim run`` subprocess.
The message must be a single ``error: <file>: <field>: <problem>`` line (no traceback), the
exit code 2, and the output folder must not exist afterwards. ``MORE_CASES`` are further bad
definitions checked in-process through the same loader the command uses (each subprocess
costs a second or two of start-up, so the subprocess list is kept to the issue's cases).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scalesim.common.errors import ScalesimInputError
from scalesim.scenario import load_scenario

BASE_YAML = """\
horizon_months: 3
district: {generated: {n_schools: 5, educators_per_school: {mean: 10, sd: 2, min: 4}}}
trip_ticket: {pit_stops: [1, 2], destination: {by_month: 3}}
"""

# (id, scenario body, field named in the message, words the problem must contain)
CASES: list[tuple[str, str, str, list[str]]] = [
    (
        "unknown-strategy-type",
        "strategies: [{type: mentoring}]",
        "strategies[0].type",
        ["unknown strategy 'mentoring'", "coaching", "proof_point"],
    ),
    (
        "unknown-param",
        "strategies: [{type: pilot}, {type: coaching, params: {coach: 3}}]",
        "strategies[1].params.coach",
        ["unknown parameter", "coaches", "caseload"],
    ),
    (
        "bad-param-value",
        "strategies: [{type: pilot}, {type: coaching, params: {coaches: -2}}]",
        "strategies[1].params.coaches",
        ["greater than 0", "-2"],
    ),
    (
        "unknown-selection-rule",
        "strategies: [{type: proof_point, select: {rule: lottery, n_schools: 2}}]",
        "strategies[0].select.rule",
        ["volunteer", "representative", "lottery"],
    ),
    (
        "explicit-without-schools",
        "strategies: [{type: proof_point, select: {rule: explicit}}]",
        "strategies[0].select",
        ["explicit", "schools"],
    ),
    (
        "shock-at-and-hazard",
        "shocks: [{type: budget_cut, at_month: 1, hazard_per_year: 0.2}]",
        "shocks[0]",
        ["exactly one of at_month or hazard_per_year"],
    ),
    (
        "unknown-shock",
        "shocks: [{type: meteor, at_month: 1}]",
        "shocks[0].type",
        ["unknown shock 'meteor'", "pandemic"],
    ),
    (
        "rule-unknown-indicator",
        "strategies: [{type: coaching}]\n"
        "adaptation: [{when: 'equity_ration < 0.9', then: {drop: coaching}}]",
        "adaptation[0].when",
        ["unknown name 'equity_ration'", "equity_ratio"],
    ),
    (
        "rule-python-syntax",
        "strategies: [{type: coaching}]\n"
        "adaptation: [{when: \"__import__('os').system('touch pwned')\", then: {drop: coaching}}]",
        "adaptation[0].when",
        ["unexpected character '_' at column 1"],
    ),
    (
        "action-unknown-strategy",
        "strategies: [{type: coaching}]\n"
        "adaptation: [{when: 'month > 1', then: {drop: champions}}]",
        "adaptation[0].then.drop",
        ["no strategy labelled 'champions'", "coaching"],
    ),
    (
        "duplicate-labels",
        "strategies: [{type: coaching}, {type: pilot}, {type: coaching}]",
        "strategies[2].name",
        ["duplicate strategy label 'coaching'"],
    ),
]

MORE_CASES: list[tuple[str, str, str, list[str]]] = [
    (
        "bad-param-type",
        "strategies: [{type: shape_local_policy, params: {mode: loose}}]",
        "strategies[0].params.mode",
        ["'align' or 'tight'", "loose"],
    ),
    (
        "explicit-unknown-school",
        "strategies: [{type: proof_point, select: {rule: explicit, schools: [school-0002, "
        "Lincoln]}}]",
        "strategies[0].select.schools[1]",
        ["no school named 'Lincoln'", "school-0001"],
    ),
    (
        "shock-neither-date-nor-hazard",
        "shocks: [{type: pandemic}]",
        "shocks[0]",
        ["exactly one of at_month or hazard_per_year"],
    ),
    (
        "unknown-shock-param",
        "shocks: [{type: pandemic, at_month: 1, params: {severity: 2}}]",
        "shocks[0].params.severity",
        ["unknown parameter", "enactment_drop"],
    ),
    (
        "rule-attribute-access",
        "strategies: [{type: coaching}]\n"
        "adaptation: [{when: 'share_enacting.real > 0', then: {drop: coaching}}]",
        "adaptation[0].when",
        ["unexpected character '.'"],
    ),
    (
        "retarget-unknown-rule",
        "strategies: [{type: coaching}]\n"
        "adaptation: [{when: 'month > 1', then: {retarget: {strategy: coaching, "
        "select: {rule: nearest}}}}]",
        "adaptation[0].then.retarget.select.rule",
        ["nearest", "highest_need"],
    ),
    (
        "two-actions",
        "strategies: [{type: coaching}]\n"
        "adaptation: [{when: 'month > 1', then: {drop: coaching, recalibrate: {target: 0.5}}}]",
        "adaptation[0].then",
        ["exactly one of add, drop, retarget, rescale, recalibrate"],
    ),
]


@pytest.mark.parametrize(
    ("body", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_definition_rejected(
    tmp_path: Path, scalesim_cmd: list[str], body: str, field: str, words: list[str]
) -> None:
    """One line naming the file and the field, exit code 2, nothing written."""
    (tmp_path / "base.yaml").write_text(BASE_YAML, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: base.yaml\n" + body + "\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [*scalesim_cmd, "run", str(bad), "--out", str(out), "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{proc.stderr}"
    assert lines[0].startswith(f"error: {bad}: {field}: "), lines[0]
    for w in words:
        assert w in lines[0], f"{w!r} missing from {lines[0]!r}"
    assert "Traceback" not in proc.stderr
    assert not out.exists(), "nothing may be written"
    assert {p.name for p in tmp_path.iterdir()} == {"base.yaml", "bad.yaml"}, "no leftovers"
    assert not (tmp_path / "pwned").exists()


def test_good_definition_runs(tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """The same base with a valid strategy, shock and rule runs and writes its outputs."""
    (tmp_path / "base.yaml").write_text(BASE_YAML, encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(
        "base: base.yaml\n"
        "strategies: [{type: proof_point, select: {rule: explicit, schools: [school-0002]}},"
        " {type: coaching, params: {coaches: 2}}]\n"
        "shocks: [{type: pandemic, at_month: 1, pit_stop: true}]\n"
        "adaptation: [{when: 'unplanned and share_enacting < 0.9', then: {drop: coaching}}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [*scalesim_cmd, "run", str(good), "--out", str(out), "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    log = (out / "travel_log.jsonl").read_text(encoding="utf-8")
    assert '"kind": "decision"' in log and '"kind": "shock"' in log


@pytest.mark.parametrize(
    ("body", "field", "words"), [c[1:] for c in MORE_CASES], ids=[c[0] for c in MORE_CASES]
)
def test_more_bad_definitions(tmp_path: Path, body: str, field: str, words: list[str]) -> None:
    """The loader the command uses names the file and the field for further bad input."""
    (tmp_path / "base.yaml").write_text(BASE_YAML, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: base.yaml\n" + body + "\n", encoding="utf-8")
    with pytest.raises(ScalesimInputError) as info:
        load_scenario(bad)
    msg = str(info.value)
    assert msg.startswith(f"{bad}: {field}: ") and "\n" not in msg, msg
    for w in words:
        assert w in msg, f"{w!r} missing from {msg!r}"
