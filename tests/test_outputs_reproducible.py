"""``compare`` and ``rehearse`` write the same bytes in every process, with 1 or 2 workers.

The real command runs three times in fresh interpreters (so nothing is shared through
caches, hash seeds or import order): twice serially, once on two worker processes. Every
file each run writes is compared byte for byte (tables in Parquet and CSV, the Markdown
summary, the PNG figures, the options' scenario files), and so is the manifest, except
what it records about the session by design: the command line (it names the --out folder
and --workers) and ``timing`` (wall seconds, backend, number of workers). Those are the only
keys allowed to differ.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from exp_helpers import DEFAULT, TINY

SESSION_KEYS = {"command", "timing"}  # the manifest's record of how the run was made


def _scenario(path: Path, name: str, extra: dict[str, Any]) -> Path:
    doc: dict[str, Any] = {"base": str(DEFAULT), "name": name}
    for key, value in {**TINY, **extra}.items():
        node = doc
        *head, last = key.split(".")
        for h in head:
            node = node.setdefault(h, {})
        node[last] = value
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    options = {
        "options": {
            "continue": {},
            "tight": {"overrides": {"conditions.mandate": "tight"}},
            "coach": {"strategies": [{"type": "coaching"}]},
        }
    }
    (d / "options.yaml").write_text(yaml.safe_dump(options), encoding="utf-8")
    return {
        "plain": _scenario(d / "plain.yaml", "plain", {}),
        "coached": _scenario(d / "coached.yaml", "coached", {"strategies": [{"type": "coaching"}]}),
        "options": d / "options.yaml",
    }


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _three_runs(cmd: list[str], tmp_path: Path) -> list[dict[str, bytes]]:
    """The command twice serially and once with ``--workers 2``, each in a fresh process."""
    outs = []
    for name, extra in (("serial-1", []), ("serial-2", []), ("workers-2", ["--workers", "2"])):
        out = tmp_path / name
        proc = subprocess.run(
            [*cmd, *extra, "--out", str(out), "--quiet"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(_files(out))
    return outs


def _assert_same_bytes(runs: list[dict[str, bytes]]) -> None:
    first, *others = runs
    assert len(first) >= 25 and any(f.endswith(".png") for f in first), sorted(first)
    for other in others:
        assert sorted(other) == sorted(first), "a run wrote other files"
        for name, data in first.items():
            if name == "manifest.json":
                continue
            assert other[name] == data, f"{name} differs between processes"
        a, b = json.loads(first["manifest.json"]), json.loads(other["manifest.json"])
        differ = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
        assert differ <= SESSION_KEYS, f"manifest differs in {sorted(differ)}"
        assert {k: v for k, v in a.items() if k not in SESSION_KEYS} == {
            k: v for k, v in b.items() if k not in SESSION_KEYS
        }
    workers = [json.loads(r["manifest.json"])["timing"]["workers"] for r in runs]
    assert workers == [1, 1, 2], "the last run did not use two worker processes"


def test_compare_writes_the_same_bytes_in_every_process(
    inputs: dict[str, Path], scalesim_cmd: list[str], tmp_path: Path
) -> None:
    """Two options, 3 seeds: every file equal across processes and worker counts."""
    cmd = [*scalesim_cmd, "compare", str(inputs["plain"]), str(inputs["coached"]), "--reps", "3"]
    _assert_same_bytes(_three_runs(cmd, tmp_path))


def test_rehearse_writes_the_same_bytes_in_every_process(
    inputs: dict[str, Path], scalesim_cmd: list[str], tmp_path: Path
) -> None:
    """Three options from month 3, 3 seeds: every file equal across processes and workers."""
    cmd = [
        *scalesim_cmd,
        "rehearse",
        str(inputs["plain"]),
        "--at",
        "3",
        "--options",
        str(inputs["options"]),
        "--reps",
        "3",
    ]
    _assert_same_bytes(_three_runs(cmd, tmp_path))
