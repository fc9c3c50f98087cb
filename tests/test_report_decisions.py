"""The report of a sweep with discover/ and robustness/, and of an optimize folder.

Every number the new sections print is checked against the table or file it names, with
test_report's checker (pandas and yaml, not the report code).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from exp_helpers import DEFAULT, experiment, write
from scalesim.cli import main
from scalesim.report import build_report
from test_report import Sources, check_text, parse, resolve

LEVERS = {
    "name": "tiny",
    "strategies": {
        "local_champions": {"intensity": {"low": 0.5, "high": 1.5, "step": 0.5}},
        "pdsa_cycles": {},
    },
    "replicates": {"count": 2, "seed": 4},
}


def _check_numbers(folder: Path, html: Path, sources: tuple[str, ...]) -> int:
    page = parse(html)
    src = Sources(folder)
    n = 0
    for a, text in page.numbers:
        if a.get("data-src", "").startswith(sources):
            want, got = resolve(src, a), float(a["data-value"])
            assert (math.isnan(want) and math.isnan(got)) or math.isclose(got, want), a
            check_text(a, text)
            n += 1
    return n


def _run(args: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0


def test_sweep_report_has_discovery_and_robustness_sections(tmp_path: Path) -> None:
    doc = experiment(design={"method": "full_grid", "levels": 3}, store={"tables": []})
    out = tmp_path / "sweep"
    _run(["sweep", str(write(tmp_path / "e.yaml", doc)), "--out", str(out), "--quiet"])
    _run(["discover", str(out), "--outcome", "share_enacting < 0.2", "--quiet"])
    _run(["robustness", str(out), "--satisfice", "share_enacting >= 0.15", "--quiet"])
    html = build_report(out)
    page = parse(html)
    assert page.sections[-3:] == ["discovery", "robustness", "provenance"]
    assert {"figures/report-discover-trajectory.png", "figures/report-robustness.png"} <= {
        i["data-file"] for i in page.images
    }
    assert _check_numbers(out, html, ("discover/", "robustness/")) >= 10


def test_optimize_report_shows_front_table_and_timelines(tmp_path: Path) -> None:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(
        yaml.safe_dump(
            {
                "base": str(DEFAULT),
                "district": {"generated": {"n_schools": 6}},
                "horizon_months": 4,
                "trip_ticket": {
                    "destination": {"target": 0.1, "equity_target": 0.1, "by_month": 4},
                    "pit_stops": [2],
                },
            }
        ),
        encoding="utf-8",
    )
    lv = tmp_path / "levers.yaml"
    lv.write_text(yaml.safe_dump(LEVERS), encoding="utf-8")
    out = tmp_path / "opt"
    _run(["optimize", str(sc), "--levers", str(lv), "--trials", "8", "--out", str(out), "--quiet"])
    html = build_report(out)
    page = parse(html)
    assert page.sections == ["optimization", "provenance"]
    files = {i["data-file"] for i in page.images}
    assert {"figures/report-front.png", "figures/report-front-timelines.png"} <= files
    assert _check_numbers(out, html, ("trials", "front", "runs", "manifest.json")) >= 5


def _optimize_report(tmp_path: Path, levers: dict, trials: int, *extra: str) -> tuple[dict, str]:
    tmp_path.mkdir(parents=True)
    sc = tmp_path / "tiny.yaml"
    sc.write_text(
        yaml.safe_dump(
            {
                "base": str(DEFAULT),
                "district": {"generated": {"n_schools": 6}},
                "horizon_months": 4,
                "trip_ticket": {
                    "destination": {"target": 0.1, "equity_target": 0.1, "by_month": 4},
                    "pit_stops": [2],
                },
            }
        ),
        encoding="utf-8",
    )
    lv = tmp_path / "levers.yaml"
    lv.write_text(yaml.safe_dump(levers), encoding="utf-8")
    out = tmp_path / "opt"
    _run(
        [
            "optimize",
            str(sc),
            "--levers",
            str(lv),
            "--trials",
            str(trials),
            "--out",
            str(out),
            *extra,
        ]
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest, build_report(out).read_text(encoding="utf-8")


def test_optimize_report_counts_the_sets_it_shows(tmp_path: Path) -> None:
    """A one-point front speaks of one set; a front with more picks counts them.

    One lever set with nothing to search (one strategy, always on, fixed dose) has exactly
    one candidate, so its front has one point. Capacity against the share enacting (a
    continuous goal that dose buys) gives a front of several points.
    """
    one = {"name": "one", "strategies": {"pdsa_cycles": {}}, "replicates": {"count": 2, "seed": 4}}
    m, page = _optimize_report(tmp_path / "one", one, 3)
    assert len(m["picked"]) == 1
    assert "the set A shown below" in page
    assert "Strategy timelines of set A on the front" in page
    assert "three sets" not in page and "A, B, C" not in page

    m, page = _optimize_report(
        tmp_path / "many", LEVERS, 8, "--objectives", "capacity_spent,share_enacting"
    )
    n = len(m["picked"])
    assert n >= 2
    want = {2: "the two sets A and B shown below", 3: "the three sets A, B, C shown below"}[n]
    assert want in page
