"""``scalesim validate``, ``schema`` and ``--version``, and the rehearse hint, as real subprocesses.

Every error path added for issue 14 prints one clear line (file or option, field, what was
expected) on stderr, exits with code 2, prints no traceback and writes nothing. ``validate``
accepts what the command that reads the file accepts, and builds no model: it never imports
Mesa or the simulation.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

import scalesim

REPO = Path(__file__).resolve().parents[1]
FLAGSHIP = REPO / "scenarios" / "dlplusd_full.yaml"
TINY = "name: tiny\nhorizon_months: 6\ndistrict: {generated: {n_schools: 4}}\n"
# The documented rehearse example (docs/experiments.md) on the flagship: its new strategy
# set leaves out policy_network, which the flagship's adaptation rule [1] drops.
ORPHAN_OPTIONS = """options:
  continue: {}
  champions_high_need:
    strategies:
      - {type: local_champions, select: {rule: highest_need, per_school: 2}}
      - {type: coaching, select: {rule: highest_need, share_schools: 0.5}}
"""


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scalesim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        env={"MPLBACKEND": "agg", "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )


def assert_clear_error(proc: subprocess.CompletedProcess[str], *parts: str) -> None:
    """Exit 2, one line on stderr containing every part, no traceback, nothing on stdout."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for p in parts:
        assert p in lines[0], (p, lines[0])
    assert proc.stdout == ""


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# ---------------------------------------------------------------------------- validate


@pytest.mark.parametrize(
    ("path", "extra", "kind"),
    [
        ("scenarios/dlplusd_full.yaml", [], "scenario"),
        ("experiments/tiny.yaml", [], "experiment"),
        (
            "experiments/levers/default-district.yaml",
            ["--scenario", "scenarios/default.yaml"],
            "levers",
        ),
        ("scenarios/teaching/champions/lesson.yaml", [], "lesson"),
    ],
)
def test_validate_says_ok_with_the_kind_it_read(path: str, extra: list[str], kind: str) -> None:
    before = listing(REPO / "scenarios")
    proc = cli("validate", path, *extra, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith(f"ok: {kind} {path}"), line
    assert len(proc.stdout.strip().splitlines()) == 1
    assert listing(REPO / "scenarios") == before


def test_validate_checks_an_options_file_against_its_scenario(tmp_path: Path) -> None:
    opts = tmp_path / "o.yaml"
    opts.write_text(
        "options:\n  continue: {}\n  more:\n    overrides: {team.capacity_per_month: 80}\n"
    )
    proc = cli("validate", str(opts), "--scenario", str(FLAGSHIP))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"ok: options {opts} (against {FLAGSHIP})"
    assert listing(tmp_path) == ["o.yaml"]


def test_validate_builds_no_model() -> None:
    """A scenario is checked without importing Mesa, the model or the workbench's runners."""
    code = (
        "import sys; from scalesim.cli import main\n"
        "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('mesa', 'scalesim.simulation.model', 'matplotlib.pyplot') "
        "if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(FLAGSHIP)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines() == [f"ok: scenario {FLAGSHIP}", "[]"]


# id: (file name, contents, extra arguments, parts of the message)
BAD_FILES = {
    "unknown-kind": (
        "x.yaml",
        "foo: 1\n",
        [],
        ["x.yaml", "cannot tell which kind of file", "foo", "--kind"],
    ),
    "misspelt-top-level-key-suggests": (
        "x.yaml",
        "strategis: []\n",
        [],
        ["x.yaml", "did you mean 'strategies'?"],
    ),
    "misspelt-strategy-type": (
        "s.yaml",
        TINY + "strategies:\n  - {type: coachng}\n",
        [],
        ["s.yaml", "strategies[0].type", "unknown strategy 'coachng'", "did you mean 'coaching'?"],
    ),
    "misspelt-selection-rule": (
        "s.yaml",
        TINY + "strategies:\n  - {type: coaching, select: {rule: higest_need}}\n",
        [],
        ["s.yaml", "strategies[0].select.rule", "did you mean 'highest_need'?"],
    ),
    "misspelt-shock-type": (
        "s.yaml",
        TINY + "shocks:\n  - {type: budget_cutt, at_month: 2}\n",
        [],
        ["s.yaml", "shocks[0].type", "unknown shock 'budget_cutt'", "did you mean 'budget_cut'?"],
    ),
    "misspelt-scenario-key": (
        "s.yaml",
        TINY + "adoption: {p_extrenal: 0.1}\n",
        [],
        ["s.yaml", "adoption.p_extrenal", "did you mean 'p_external'?", "expected one of"],
    ),
    "misspelt-indicator-in-rule": (
        "s.yaml",
        TINY
        + "strategies: [{type: coaching}]\n"
        + "adaptation:\n  - {when: 'equty_ratio < 0.9', then: {drop: coaching}}\n",
        [],
        ["s.yaml", "adaptation[0].when", "did you mean 'equity_ratio'?"],
    ),
    "misspelt-rule-target": (
        "s.yaml",
        TINY
        + "strategies: [{type: coaching}]\n"
        + "adaptation:\n  - {when: 'equity_ratio < 0.9', then: {drop: coachin}}\n",
        [],
        ["s.yaml", "adaptation[0].then.drop", "did you mean 'coaching'?"],
    ),
    "base-rules-name-a-dropped-strategy": (
        "s.yaml",
        f"base: {FLAGSHIP}\nstrategies: [{{type: coaching}}]\n",
        [],
        [
            "s.yaml",
            "adaptation[0].then.retarget",
            "no strategy labelled 'local_champions'",
            "inherits the base's adaptation rules",
            "give `adaptation:`",
        ],
    ),
    "options-without-scenario": (
        "o.yaml",
        "options:\n  continue: {}\n",
        [],
        ["--scenario", "an options file is checked against the scenario"],
    ),
    "levers-without-scenario": (
        "l.yaml",
        "strategies:\n  coaching: {intensity: {low: 0.5, high: 2}}\n",
        [],
        ["--scenario", "a levers file is checked against the scenario"],
    ),
    "options-breaking-a-rule": (
        "o.yaml",
        ORPHAN_OPTIONS,
        ["--scenario", str(FLAGSHIP)],
        [
            "o.yaml",
            "options.champions_high_need.strategies",
            "leaves out 'policy_network'",
            "adaptation rule [1]",
            "--ignore-orphan-rules",
        ],
    ),
    "yaml-syntax": ("s.yaml", "name: [x\n", [], ["s.yaml", "YAML syntax error"]),
    "lesson-file-not-named-lesson-yaml": (
        "l.yaml",
        "title: t\narms: []\nclaims: []\n",
        [],
        ["l.yaml", "lesson.yaml"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_validate_bad_file_clear_message_exit_2(case: str, tmp_path: Path) -> None:
    name, text, extra, parts = BAD_FILES[case]
    (tmp_path / name).write_text(text)
    proc = cli("validate", str(tmp_path / name), *extra)
    assert_clear_error(proc, *parts)
    assert listing(tmp_path) == [name]


def test_list_suggests_the_closest_list() -> None:
    assert_clear_error(
        cli("list", "strategis"), "unknown list 'strategis'", "did you mean 'strategies'?"
    )


def test_validate_missing_file(tmp_path: Path) -> None:
    assert_clear_error(cli("validate", str(tmp_path / "none.yaml")), "none.yaml", "not found")


def test_validate_calibration_file(tmp_path: Path) -> None:
    """A calibration file is detected by its ``params``; it needs its scenario too."""
    cal = tmp_path / "c.yaml"
    cal.write_text("params:\n  adoption.p_external: {low: 0.0, high: 1.0}\n")
    proc = cli("validate", str(cal))
    import importlib.util

    if importlib.util.find_spec("scalesim.workbench.calibration_file") is None:
        assert_clear_error(proc, "c.yaml", "no calibration command")
        return
    assert_clear_error(proc, "--scenario", "a calibration file is checked against")
    ok = cli("validate", str(cal), "--scenario", str(REPO / "scenarios" / "default.yaml"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"ok: calibration {cal}")


def test_validate_unknown_kind_option_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(TINY)
    proc = cli("validate", str(tmp_path / "s.yaml"), "--kind", "bogus")
    assert proc.returncode == 2
    assert "bogus" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------- schema


def test_schema_accepts_every_shipped_scenario_and_names_the_registries(tmp_path: Path) -> None:
    out = tmp_path / "scenario.schema.json"
    proc = cli("schema", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(out.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    checked = 0
    for path in sorted((REPO / "scenarios").rglob("*.yaml")):
        if path.name == "lesson.yaml":
            continue
        # As an editor sees the file: JSON values (a YAML date such as a history's
        # start_date is the string it is written as).
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (path, errors[:3])
        checked += 1
    assert checked >= 20
    # Editor completion: misspelt keys, strategy names and their parameters are flagged.
    for bad in (
        {"strategis": []},
        {"strategies": [{"type": "coachng"}]},
        {"strategies": [{"type": "coaching", "params": {"coachs": 3}}]},
        {"strategies": [{"type": "coaching", "select": {"rule": "higest_need"}}]},
    ):
        assert list(validator.iter_errors(bad)), bad
    assert "coaching" in schema["$defs"]["StrategySpec"]["properties"]["type"]["enum"]
    # Printed to stdout without --out, the same schema.
    printed = cli("schema")
    assert json.loads(printed.stdout) == schema


@pytest.mark.parametrize(
    ("target", "parts"),
    [("missing/s.json", ["--out", "does not exist"]), ("s.txt", ["--out", ".json"])],
)
def test_schema_bad_out_clear_message_exit_2(target: str, parts: list[str], tmp_path: Path) -> None:
    assert_clear_error(cli("schema", "--out", str(tmp_path / target)), *parts)
    assert listing(tmp_path) == []


def test_schema_out_folder_is_refused(tmp_path: Path) -> None:
    assert_clear_error(cli("schema", "--out", str(tmp_path)), "--out", "is a folder")


# ---------------------------------------------------------------------------- version, completion


def test_version_names_scalesim_python_and_mesa() -> None:
    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        f"scalesim {scalesim.__version__} (Python {platform.python_version()}, Mesa 3.5.1)"
    )


def test_shell_completion_is_on() -> None:
    helptext = cli("--help").stdout
    assert "--install-completion" in helptext and "--show-completion" in helptext
    proc = cli("--show-completion", "bash")
    assert proc.returncode == 0, proc.stderr
    assert "complete" in proc.stdout and "scalesim" in proc.stdout


# ---------------------------------------------------------------------------- rehearse hint


def test_rehearse_names_the_rule_an_option_breaks_and_writes_nothing(tmp_path: Path) -> None:
    opts = tmp_path / "o.yaml"
    opts.write_text(ORPHAN_OPTIONS)
    out = tmp_path / "out"
    proc = cli(
        "rehearse",
        str(FLAGSHIP),
        "--at",
        "12",
        "--options",
        str(opts),
        "--reps",
        "1",
        "--out",
        str(out),
        "--quiet",
    )
    assert_clear_error(
        proc, "leaves out 'policy_network'", "adaptation rule [1]", "--ignore-orphan-rules"
    )
    assert not out.exists()


def test_rehearse_ignore_orphan_rules_runs_with_a_note(tmp_path: Path) -> None:
    """With the flag the option runs; the rule that names its missing strategy cannot act."""
    sc = tmp_path / "s.yaml"
    sc.write_text(
        TINY
        + "trip_ticket: {pit_stops: [2, 4]}\n"
        + "strategies: [{type: coaching}, {type: pdsa_cycles}]\n"
        + "adaptation:\n  - {when: 'month >= 3', then: {drop: pdsa_cycles}}\n"
    )
    opts = tmp_path / "o.yaml"
    opts.write_text(
        "options:\n  continue: {}\n  coaching_only:\n    strategies: [{type: coaching}]\n"
    )
    out = tmp_path / "out"
    args = ["rehearse", str(sc), "--at", "1", "--options", str(opts), "--seeds", "3"]
    assert_clear_error(
        cli(*args, "--out", str(out)), "leaves out 'pdsa_cycles'", "adaptation rule [0]"
    )
    assert not out.exists()
    proc = cli(*args, "--out", str(out), "--ignore-orphan-rules", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "note: option coaching_only: adaptation rules [0] drop pdsa_cycles" in proc.stderr
    runs = scalesim.load_results(out)
    assert list(runs["status"]) == ["ok", "ok"]
    # The rule fired in both branches: it dropped pdsa_cycles in the baseline and did
    # nothing in the branch without it.
    pits = scalesim.load_results(out, "pit_stops")
    decisions = pits.groupby("option")["decisions"].apply(lambda d: " ".join(map(str, d)))
    assert "drop pdsa_cycles: not in the set" in decisions["coaching_only"]
    assert "drop pdsa_cycles" in decisions["continue"]
    assert "not in the set" not in decisions["continue"]
