"""The pit-stop report (issue 6): built from real run, compare, rehearse and sweep folders.

Every results folder here is produced by the real command line on a tiny district. Each
report is parsed with :mod:`html.parser`; the tests check the sections that apply (and
only those), that every figure is an embedded PNG identical to the file in ``figures/``,
that nothing on the page points outside it, and that every number the page shows equals
the number in the source table it names (an independent resolver below reads the tables
with pandas). Because a number tagged with the wrong source would pass that check, the
key numbers of a run and a compare report are also checked by their place on the page
against the runs done again in this process. Bad folders get one clear message, exit code 2,
and no HTML.
"""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, override

import numpy as np
import pandas as pd
import pytest
import yaml

from scalesim.cli import main
from scalesim.scenario.names import plain_label

# A tiny district with two strategies, a dated superintendent shock that calls an
# unplanned pit stop, two planned pit stops and an adaptation rule: every section has
# something to show, and a run takes a fraction of a second.
TINY: dict[str, Any] = {
    "name": "tiny-report",
    "horizon_months": 6,
    "district": {
        "generated": {
            "n_schools": 12,
            "n_regions": 3,
            "educators_per_school": {"mean": 18, "sd": 5, "min": 4},
        }
    },
    "trip_ticket": {
        "destination": {"target": 0.2, "equity_target": 0.2, "min_depth": 0.5, "by_month": 6},
        "pit_stops": [2, 4],
    },
    "strategies": [
        {"type": "coaching", "select": {"rule": "highest_need", "share_schools": 0.5}},
        {
            "type": "local_champions",
            "start_month": 1,
            "select": {"rule": "most_credible", "per_school": 1},
        },
    ],
    "shocks": [{"type": "superintendent_turnover", "at_month": 3.5, "pit_stop": True}],
    "adaptation": [
        {
            "when": "not on_track and month >= 2",
            "then": {"rescale": {"strategy": "coaching", "factor": 1.5}},
            "max_times": 1,
        }
    ],
}
BASELINE = {**TINY, "name": "tiny-baseline", "strategies": [], "adaptation": []}

# The sections each kind of folder must have, in page order (and no others).
EXPECTED = {
    "run": [
        "trip-ticket",
        "where-we-have-been",
        "left-behind",
        "pit-stops",
        "strategies",
        "factors",
        "provenance",
    ],
    "compare": [
        "trip-ticket",
        "where-we-have-been",
        "left-behind",
        "pit-stops",
        "strategies",
        "factors",
        "compared-options",
        "provenance",
    ],
    "rehearse": [
        "trip-ticket",
        "where-we-have-been",
        "left-behind",
        "pit-stops",
        "strategies",
        "factors",
        "compared-options",
        "provenance",
    ],
    "sweep": [
        "trip-ticket",
        "where-we-have-been",
        "left-behind",
        "factors",
        "compared-options",
        "provenance",
    ],
}
ALL_SECTIONS = set(EXPECTED["compare"])


def _yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _cli(*args: str) -> None:
    """Run the real command line in-process; it must succeed."""
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert exc.code in (0, None), f"scalesim {' '.join(args)} exited {exc.code}"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    options = {
        "options": {
            "continue": {},
            "tight_mandate": {"overrides": {"conditions.mandate": "tight"}},
            "add_coaching": {
                "strategies": [
                    {"type": "coaching", "select": {"rule": "highest_need", "share_schools": 0.5}}
                ]
            },
        }
    }
    experiment = {
        "name": "tiny-sweep",
        "scenario": "baseline.yaml",
        "uncertainties": {"conditions.leadership_support": [0.3, 0.7]},
        "levers": {"baseline": {}, "tight": {"overrides": {"conditions.mandate": "tight"}}},
        "design": {"method": "full_grid"},
        "replicates": {"count": 2, "seed": 5},
        "outcomes": ["share_enacting", {"metric": "equity_ratio", "at": 3}, "tt_reached"],
    }
    sobol = {
        "name": "tiny-sobol",
        "scenario": "baseline.yaml",
        "uncertainties": {
            "adoption.p_external": {"low": 0.0, "high": 1.0},
            "conditions.leadership_support": {"low": 0.2, "high": 0.8},
        },
        "design": {"method": "sobol", "n": 4, "seed": 2},
        "replicates": {"count": 1, "seed": 9},
        "outcomes": ["share_enacting", "mean_ownership"],
        "store": {"tables": ["timeseries", "schools"]},
    }
    return {
        "tiny": _yaml(d / "tiny.yaml", TINY),
        "baseline": _yaml(d / "baseline.yaml", BASELINE),
        "options": _yaml(d / "options.yaml", options),
        "experiment": _yaml(d / "experiment.yaml", experiment),
        "sobol": _yaml(d / "sobol.yaml", sobol),
    }


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    _cli("run", inputs["tiny"], "--seed", "3", "--out", out, "--quiet")
    return out


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> Path:
    out = tmp_path_factory.mktemp("compare") / "c"
    _cli(
        "compare",
        inputs["baseline"],
        inputs["tiny"],
        "--reps",
        "3",
        "--name",
        "alone",
        "--name",
        "strategies",
        "--out",
        out,
        "--quiet",
    )
    return out


@pytest.fixture(scope="module")
def rehearse_dir(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> Path:
    out = tmp_path_factory.mktemp("rehearse") / "h"
    _cli(
        "rehearse",
        inputs["baseline"],
        "--at",
        "2",
        "--options",
        inputs["options"],
        "--reps",
        "3",
        "--out",
        out,
        "--quiet",
    )
    return out


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    _cli("sweep", inputs["experiment"], "--out", out, "--quiet")
    return out


# --------------------------------------------------------------------------- parsing


class Page(HTMLParser):
    """Sections, images, tagged numbers and every outward reference of a report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.images: list[dict[str, str]] = []
        self.numbers: list[tuple[dict[str, str], str]] = []
        self.refs: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()
        self.style = ""
        self._spans: list[list[Any] | None] = []
        self._in_style = False

    @override
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "section" and "data-section" in a:
            self.sections.append(a["data-section"])
        if tag == "img":
            self.images.append(a)
        for k in ("src", "href", "action", "data", "poster", "srcset"):
            if k in a:
                self.refs.append((tag, k, a[k]))
        if tag == "style":
            self._in_style = True
        if tag == "span":
            self._spans.append([a, ""] if "data-value" in a else None)

    @override
    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "span" and self._spans:
            top = self._spans.pop()
            if top is not None:
                self.numbers.append((top[0], top[1]))

    @override
    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        for s in self._spans:
            if s is not None:
                s[1] += data


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


# --------------------------------------------------------------------------- the resolver


class Sources:
    """Reads the tables and files a number names, with pandas and yaml (not the report code).

    Tables become lists of row dicts (JSON fields such as the log's ``detail`` decoded), so
    filtering hundreds of numbers stays fast.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, Any] = {}

    def get(self, src: str) -> Any:
        """The source's data (a dict for JSON/YAML files, else a list of row dicts)."""
        if src not in self.cache:
            self.cache[src] = self._load(src)
        return self.cache[src]

    def _load(self, src: str) -> Any:
        p = self.root / src
        if src.endswith(".json"):
            return json.loads(p.read_text(encoding="utf-8"))
        if src.endswith(".yaml"):
            return yaml.safe_load(p.read_text(encoding="utf-8"))
        if src.endswith(".jsonl"):
            return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x]
        if p.with_suffix(".parquet").exists():
            df = pd.read_parquet(p.with_suffix(".parquet"))
        else:
            parts = sorted((self.root / "parts" / src).glob("[!.]*.parquet"))
            assert parts, f"source {src!r} is neither {src}.parquet nor parts/{src}/"
            df = pd.concat([pd.read_parquet(f) for f in parts], ignore_index=True)
        rows = df.to_dict("records")
        if "detail" in df.columns:
            for r in rows:
                r["detail"] = json.loads(r["detail"] or "{}")
        return rows


def _dig(value: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _cell(row: dict[str, Any], key: str) -> Any:
    if key in row:
        return row[key]
    return _dig(row, key.split("."))


def _matches(v: Any, want: Any) -> bool:
    if isinstance(want, dict):
        v = float(v)
        ops = {
            "ge": v >= want.get("ge", -math.inf),
            "gt": v > want.get("gt", -math.inf),
            "le": v <= want.get("le", math.inf),
            "lt": v < want.get("lt", math.inf),
        }
        return all(ops[k] for k in want)
    if isinstance(want, bool):
        return bool(v) == want
    if isinstance(want, int | float) and v is not None:
        return float(v) == float(want)
    return v == want


def resolve(sources: Sources, a: dict[str, str]) -> float:
    """The value a tagged number names, computed independently from its source."""
    data = sources.get(a["data-src"])
    col, agg = a["data-col"], a.get("data-agg", "value")
    if isinstance(data, dict):
        return _num(_dig(data, col.split(".")))
    where = json.loads(a.get("data-where", "{}"))
    rows = [r for r in data if all(_matches(_cell(r, k), w) for k, w in where.items())]
    vals = [_num(_cell(r, col)) for r in rows]
    if agg == "value":
        assert len(rows) == 1, f"{a} selects {len(rows)} rows, expected exactly one"
        return vals[0]
    if agg == "first":
        assert rows, f"{a} selects no row"
        return vals[0]
    if agg == "count":
        return float(len(rows))
    if agg == "sum":
        return float(np.nansum(vals))
    if agg == "mean":
        return float(np.mean(vals))
    if agg == "median":
        return float(np.median(vals))
    if agg == "ratio":
        return float(np.sum(vals) / np.sum([_num(_cell(r, a["data-den"])) for r in rows]))
    if agg in ("per_run", "count_per_run"):
        n = sum(r["option"] == where["option"] and r["status"] == "ok" for r in sources.get("runs"))
        total = float(np.sum(vals)) if agg == "per_run" else float(len(rows))
        return total / n
    raise AssertionError(f"unknown data-agg {agg!r}")


def _num(x: Any) -> float:
    if x is None:
        return math.nan
    if isinstance(x, bool | np.bool_):
        return 1.0 if x else 0.0
    return float(x)


NUMBER = re.compile(r"[+\u2212-]?\d[\d,]*(?:\.\d+)?")


def check_text(a: dict[str, str], text: str) -> None:
    """The printed text is the tagged value, rounded as shown."""
    value = float(a["data-value"])
    unit = a.get("data-unit", "")
    if unit == "text":
        return
    if math.isnan(value):
        assert text.strip() == "–", f"NaN shown as {text!r}"
        return
    if unit == "bool":
        assert text.strip() == ("yes" if value else "no")
        return
    m = NUMBER.search(text)
    assert m, f"no number in {text!r} ({a})"
    token = m.group(0).replace("\u2212", "-").replace(",", "")
    shown = float(token)
    decimals = len(token.split(".")[1]) if "." in token else 0
    scale = 100.0 if ("%" in text or " pp" in text) else 1.0
    assert abs(shown - value * scale) <= 0.5 * 10**-decimals + 1e-9 * max(1, abs(shown)), (
        f"{text!r} does not show {value!r} ({a})"
    )


def check_report(folder: Path, html: Path, kind: str) -> Page:
    """Everything every report must satisfy; returns the parsed page."""
    page = parse(html)
    assert page.sections == EXPECTED[kind], f"sections {page.sections}"
    assert not (ALL_SECTIONS - set(EXPECTED[kind])) & set(page.sections)
    # Self-contained: no scripts, no external stylesheet, fonts or frames; every reference
    # is an in-page anchor or a data: URI.
    assert not {"script", "link", "iframe", "object", "embed"} & page.tags
    for tag, attr, ref in page.refs:
        assert ref.startswith(("#", "data:")), f"<{tag} {attr}={ref[:60]!r}> leaves the page"
    assert "url(" not in page.style and "@import" not in page.style
    # Figures: embedded PNGs, identical to the files written next to the page.
    assert len(page.images) >= 4
    for img in page.images:
        src = img["src"]
        assert src.startswith("data:image/png;base64,"), src[:40]
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width > 200 and height > 100
        assert img["alt"]
        assert (html.parent / img["data-file"]).read_bytes() == png
    # Numbers: each equals its source, and is printed as that value rounded.
    sources = Sources(folder)
    tagged = [(a, t) for a, t in page.numbers if "data-src" in a]
    assert len(tagged) >= 40, f"only {len(tagged)} tagged numbers"
    for a, text in tagged:
        if a["data-unit"] == "text":
            got_text = _dig(sources.get(a["data-src"]), a["data-col"].split("."))
            assert str(got_text) == a["data-value"] == text, a
            continue
        want = resolve(sources, a)
        got = float(a["data-value"])
        assert (math.isnan(want) and math.isnan(got)) or math.isclose(
            got, want, rel_tol=1e-9, abs_tol=1e-12
        ), f"{a}: page {got!r} != source {want!r}"
        check_text(a, text)
    for a, text in page.numbers:
        if "data-derived" in a:
            check_text(a, text)
    return page


def _has(page: Page, **attrs: str) -> bool:
    return any(all(a.get(f"data-{k}") == v for k, v in attrs.items()) for a, _ in page.numbers)


# --------------------------------------------------------------------------- the reports


def test_report_of_a_single_run(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run folder: its sections, figures and numbers; the command prints the page's path."""
    from scalesim.report import load, render_report

    out = run_dir / "report.html"
    _cli("report", run_dir)
    assert str(out) in capsys.readouterr().out
    page = check_report(run_dir, out, "run")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert _has(page, src="summary.json", col="trip_ticket.target")
    assert _has(page, src="summary.json", col="end.share_enacting")
    # The pit stops (two planned, one called by the shock) are all in the checklist.
    log = [json.loads(x) for x in (run_dir / "travel_log.jsonl").read_text().splitlines()]
    stops = [e for e in log if e["kind"] == "pit_stop"]
    assert len(stops) == 3 and any(not e["planned"] for e in stops)
    for e in stops:
        assert _has(
            page,
            src="travel_log.jsonl",
            col="observed.destination_share",
            where=json.dumps({"kind": "pit_stop", "week": e["week"]}, sort_keys=True),
        )
    # Every strategy's cost and credit are shown.
    for name in pd.read_parquet(run_dir / "strategies.parquet")["strategy"]:
        w = json.dumps({"strategy": name})
        assert _has(page, src="strategies", col="spent", where=w)
        assert _has(page, src="strategies", col="credited_enactments", where=w)
    # The concentration index, derived by the report, matches an independent computation.
    sch = pd.read_parquet(run_dir / "schools.parquet").sort_values(
        ["need_share", "school"], ascending=[False, True]
    )
    need = (sch["enrollment"] * sch["need_share"]).to_numpy()
    reach = need * sch["share_enacting"].to_numpy()
    x = np.r_[0, np.cumsum(need) / need.sum()]
    y = np.r_[0, np.cumsum(reach) / reach.sum()]
    shown = [
        float(a["data-value"])
        for a, _ in page.numbers
        if a.get("data-derived") == "concentration index"
    ]
    assert shown == [pytest.approx(2 * np.trapezoid(y, x) - 1, abs=1e-12)]
    # Deterministic: the same tables give the same page, byte for byte.
    assert render_report(load(run_dir), "report").html == out.read_text(encoding="utf-8")
    assert summary["seed"] == 3


def test_report_of_a_compare(compare_dir: Path, tmp_path: Path) -> None:
    """A compare folder: side-by-side table with intervals and paired differences."""
    out = tmp_path / "elsewhere" / "cmp.html"
    _cli("report", compare_dir, "--out", out)
    page = check_report(compare_dir, out, "compare")
    for opt in ("alone", "strategies"):
        for m in ("share_enacting", "destination_share", "equity_ratio"):
            w = json.dumps({"metric": m, "option": opt}, sort_keys=True)
            for col in ("mean", "ci_low", "ci_high"):
                assert _has(page, src="comparison", col=col, where=w)
        assert _has(page, src="trip_ticket", col="p_reached", where=json.dumps({"option": opt}))
    w = json.dumps({"metric": "share_enacting", "option": "strategies"}, sort_keys=True)
    for col in ("diff", "diff_ci_low", "diff_ci_high"):
        assert _has(page, src="comparison", col=col, where=w)
    # Figures go next to the page, named after it: the compare's own figures stay intact.
    assert sorted(p.name for p in (out.parent / "figures").iterdir())[0].startswith("cmp-")
    assert (compare_dir / "figures" / "trajectories.png").exists()


def test_report_of_a_rehearsal(rehearse_dir: Path) -> None:
    """A rehearse folder: every branch, the branch point, the shared history."""
    out = rehearse_dir / "report.html"
    _cli("report", rehearse_dir)
    page = check_report(rehearse_dir, out, "rehearse")
    assert _has(page, src="manifest.json", col="at_month")
    for opt in ("continue", "tight_mandate", "add_coaching"):
        assert _has(page, src="trip_ticket", col="p_reached", where=json.dumps({"option": opt}))
    assert "branch" in out.read_text(encoding="utf-8")


def test_report_of_a_sweep(sweep_dir: Path) -> None:
    """A sweep folder: outcomes per option over the design, the factors it varied."""
    out = sweep_dir / "report.html"
    _cli("report", sweep_dir)
    page = check_report(sweep_dir, out, "sweep")
    text = out.read_text(encoding="utf-8")
    assert "conditions.leadership_support" in text
    for opt in ("baseline", "tight"):
        w = json.dumps({"option": opt, "status": "ok"}, sort_keys=True)
        assert _has(page, src="runs", col="share_enacting", where=w, agg="mean")
        assert _has(
            page,
            src="comparison",
            col="mean",
            where=json.dumps({"metric": "share_enacting", "option": opt}, sort_keys=True),
        )


def test_report_of_a_sensitivity_analysis(inputs: dict[str, Path], tmp_path: Path) -> None:
    """A sweep with Sobol indices: the factor review shows them, from sensitivity/indices."""
    out = tmp_path / "sobol"
    _cli("sensitivity", inputs["sobol"], "--method", "sobol", "--out", out, "--quiet")
    _cli("report", out / "sensitivity")  # the analysis folder is reported with its sweep
    page = check_report(out, out / "report.html", "sweep")
    idx = pd.read_parquet(out / "sensitivity" / "indices.parquet")
    assert len(idx) == 4
    for _, r in idx.iterrows():
        w = json.dumps(
            {"option": r["option"], "outcome": r["outcome"], "parameter": r["parameter"]},
            sort_keys=True,
        )
        for col in ("S1", "S1_conf", "ST", "ST_conf"):
            assert _has(page, src="sensitivity/indices", col=col, where=w)
    assert "What the outcomes are most sensitive to" in (out / "report.html").read_text()


# --------------------------------------------------------------------------- bad folders


def _report_fails(folder: Path, capsys: pytest.CaptureFixture[str], *names: str) -> str:
    """``scalesim report`` must exit 2 naming ``names``, and write no HTML and no figure."""
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(SystemExit) as exc:
        main(["report", str(folder)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(folder) in err
    for n in names:
        assert n in err, f"{n!r} not named in {err!r}"
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before, "a failed report changed the folder"
    return err


def test_missing_table_is_named(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run folder without its schools table: named, exit 2, nothing written."""
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("report.html", "figures"))
    (broken / "schools.parquet").unlink()
    _report_fails(broken, capsys, "schools.parquet")
    assert not (broken / "report.html").exists() and not (broken / "figures").exists()


def test_failed_report_keeps_the_previous_page(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder whose table lost a column: named; an earlier page and figures stay as they were."""
    folder = tmp_path / "r"
    shutil.copytree(run_dir, folder, ignore=shutil.ignore_patterns("report.html", "figures"))
    (folder / "report.html").write_text("<p>the page of last week's meeting</p>")
    (folder / "figures").mkdir()
    (folder / "figures" / "report-trajectories.png").write_bytes(b"last week")
    ts = pd.read_parquet(folder / "timeseries.parquet").drop(columns=["equity_ratio"])
    ts.to_parquet(folder / "timeseries.parquet")
    _report_fails(folder, capsys, "timeseries.parquet", "equity_ratio")


def test_incompatible_format_is_refused(
    run_dir: Path, compare_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A newer run or compare format gets a clear message naming the format."""
    run2 = tmp_path / "run2"
    shutil.copytree(run_dir, run2, ignore=shutil.ignore_patterns("report.html", "figures"))
    s = json.loads((run2 / "summary.json").read_text())
    (run2 / "summary.json").write_text(json.dumps({**s, "format": "scalesim.run/2"}))
    err = _report_fails(run2, capsys, "scalesim.run/2", "scalesim.run/1")
    assert "not supported" in err
    cmp2 = tmp_path / "cmp2"
    shutil.copytree(compare_dir, cmp2, ignore=shutil.ignore_patterns("report.html", "figures"))
    m = json.loads((cmp2 / "manifest.json").read_text())
    (cmp2 / "manifest.json").write_text(json.dumps({**m, "format": "scalesim.compare/7"}))
    _report_fails(cmp2, capsys, "scalesim.compare/7")


def test_compare_missing_tables_are_named(
    compare_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A compare folder missing its bands and equity tables names both."""
    broken = tmp_path / "cmp"
    shutil.copytree(compare_dir, broken, ignore=shutil.ignore_patterns("report.html"))
    (broken / "bands.parquet").unlink()
    (broken / "equity_by_need.parquet").unlink()
    _report_fails(broken, capsys, "bands.parquet", "equity_by_need.parquet")


def test_not_a_results_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty folder is not a results folder."""
    (tmp_path / "empty").mkdir()
    err = _report_fails(tmp_path / "empty", capsys, "summary.json", "manifest.json")
    assert "not a results folder" in err


def test_real_command_exit_code(run_dir: Path, tmp_path: Path, scalesim_cmd: list[str]) -> None:
    """The installed command: exit code 2 and one line on stderr, no traceback."""
    broken = tmp_path / "b"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("report.html", "figures"))
    (broken / "channels.parquet").unlink()
    proc = subprocess.run(
        [*scalesim_cmd, "report", str(broken)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "channels.parquet" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (broken / "report.html").exists()


# ------------------------------------------------- numbers against an independent run
#
# The checks above follow each number's own tag to the table it names, so a number tagged
# with the wrong source (or the wrong row) would pass them. Here the test decides what a
# cell must show from its place on the page (table caption, row header, column header) and
# computes it from the run done again in this process through the Python API
# (scalesim.run): neither the folder's files nor the report's code are involved.


class Tables(HTMLParser):
    """Every table of a page: caption -> {row header: {column header: cell text}}."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict[str, dict[str, str]]] = {}
        self._caption: str | None = None
        self._head: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_caption = False
        self._in_head = False

    @override
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._caption = None  # a table without a caption is filed under ""
        elif tag == "caption":
            self._in_caption, self._caption = True, ""
        elif tag == "thead":
            self._in_head, self._head = True, []
        elif tag == "tr" and not self._in_head:
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []

    @override
    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
            self.tables[self._caption or ""] = {}
        elif tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in_head:
                self._head.append(text)
            elif self._row is not None:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row:
            self.tables.setdefault(self._caption or "", {})[self._row[0]] = dict(
                zip(self._head[1:], self._row[1:], strict=False)
            )
            self._row = None

    @override
    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption = (self._caption or "") + data
        if self._cell is not None:
            self._cell.append(data)


def tables_of(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    parser = Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def shows(text: str, value: float) -> bool:
    """Whether ``text`` prints ``value`` as rounded on the page (shares as % or pp)."""
    m = NUMBER.search(text)
    assert m, f"no number in {text!r}"
    token = m.group(0).replace("\u2212", "-").replace(",", "")
    decimals = len(token.split(".")[1]) if "." in token else 0
    scale = 100.0 if ("%" in text or " pp" in text) else 1.0
    return abs(float(token) - value * scale) <= 0.5 * 10**-decimals + 1e-9


def _week(month: float) -> int:
    return round(month * 52 / 12)


def test_run_report_numbers_equal_an_independent_run(
    run_dir: Path, inputs: dict[str, Path], tmp_path: Path
) -> None:
    """Trip ticket, milestones, reach by need, strategies and channels, from a fresh run."""
    import scalesim
    from scalesim.metrics import METRICS

    out = tmp_path / "run.html"
    _cli("report", run_dir, "--out", out)
    tables = tables_of(out)
    res = scalesim.run(inputs["tiny"], seed=3)
    ts, sch = res.timeseries.set_index("week"), res.schools
    dest = TINY["trip_ticket"]["destination"]
    at = ts.loc[_week(dest["by_month"])]

    ticket = tables["How far each group is from the destination at the deadline."]
    for row, share, target in (
        ("All educators", at["destination_share"], dest["target"]),
        (
            "High-need schools (equity clause)",
            at["destination_equity_share"],
            dest["equity_target"],
        ),
    ):
        cells = ticket[row]
        assert shows(cells["At the deadline (at depth)"], share), (row, cells, share)
        assert shows(cells["Target"], target), (row, cells)
        assert shows(cells["Distance"], max(target - share, 0.0)), (row, cells)

    [milestones] = [t for c, t in tables.items() if c.startswith("Where the district stood")]
    by_label = {d.label: name for name, d in METRICS.items()}
    checked = 0
    for row, cells in milestones.items():
        name = next(n for label, n in by_label.items() if row.startswith(label + " ("))
        for col, text in cells.items():
            month = float(col.removeprefix("month "))
            week = min(_week(month), int(ts.index[-1]))
            assert shows(text, float(ts.loc[week, name])), (row, col, text)
            checked += 1
    assert checked >= 10

    bands = tables["Reach by school need at the end of the run."]
    assert len(bands) >= 2
    for row, cells in bands.items():
        lo, hi = (float(x) / 100 for x in re.findall(r"\d+", row)[:2])
        g = sch[(sch["need_share"] >= lo) & ((sch["need_share"] < hi) | (hi == 1.0))]
        assert shows(cells["Schools"], len(g)) and shows(cells["Educators"], g["educators"].sum())
        enacting = float((g["enacting"]).sum() / g["educators"].sum())
        assert shows(cells["Educators enacting"], enacting), (row, cells, enacting)
        assert shows(cells["At depth"], float(g["deep"].sum() / g["educators"].sum())), cells
        assert shows(cells["Never reached"], int((~g["ever_reached"]).sum())), (row, cells)

    strategies = next(t for c, t in tables.items() if c.startswith("Each strategy's timing"))
    credited = res.channels.groupby("channel")["new_enacting"].sum()
    # Rows read as users read strategies (plain names, tests/test_plain_names.py).
    plain = {"Coaching": "coaching", "Local champions": "local_champions"}
    assert set(strategies) == set(plain)
    for name, cells in strategies.items():
        assert shows(cells["Credited enactments"], int(credited.get(plain[name], 0))), (name, cells)
        spent = res.summary["cost"]["by_strategy"][plain[name]]
        days, share = cells["Spent (person-days)"].split(" (")  # "466 (75.4%)"
        total = sum(res.summary["cost"]["by_strategy"].values())
        assert shows(days, spent) and shows(share, spent / total), (name, cells, spent)

    channels = next(t for c, t in tables.items() if c.startswith("Where new enactments came"))
    by_plain = {plain_label(c): c for c in credited.index}
    assert set(channels) == set(by_plain)
    for name, cells in channels.items():
        c = by_plain[name]
        assert shows(cells["New enactments"], int(credited[c])), (name, cells)
        assert shows(cells["Share"], credited[c] / credited.sum()), (name, cells)


def test_compare_report_numbers_equal_independent_runs(
    compare_dir: Path, inputs: dict[str, Path], tmp_path: Path
) -> None:
    """Each option's mean, interval and paired difference, from runs done again here."""
    from scipy import stats

    import scalesim

    out = tmp_path / "cmp.html"
    _cli("report", compare_dir, "--out", out)
    seeds = [
        int(r["seed"]) for r in pd.read_parquet(compare_dir / "runs.parquet").to_dict("records")
    ]
    seeds = sorted(set(seeds), key=seeds.index)
    assert len(seeds) == 3
    ends = {
        name: np.array(
            [scalesim.run(inputs[key], seed=s).summary["end"]["share_enacting"] for s in seeds]
        )
        for name, key in (("alone", "baseline"), ("strategies", "tiny"))
    }

    def interval(x: np.ndarray) -> tuple[float, float, float]:
        half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
        return float(x.mean()), float(x.mean() - half), float(x.mean() + half)

    text = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    shown = {
        (json.loads(a["data-where"])["option"], a["data-col"]): (float(a["data-value"]), t)
        for a, t in page.numbers
        if a.get("data-src") == "comparison"
        and json.loads(a.get("data-where", "{}")).get("metric") == "share_enacting"
    }
    for name, x in ends.items():
        for col, want in zip(("mean", "ci_low", "ci_high"), interval(x), strict=True):
            got, printed = shown[(name, col)]
            assert got == pytest.approx(want, abs=1e-12) and shows(printed, want), (name, col)
    d = ends["strategies"] - ends["alone"]
    for col, want in zip(("diff", "diff_ci_low", "diff_ci_high"), interval(d), strict=True):
        got, printed = shown[("strategies", col)]
        assert got == pytest.approx(want, abs=1e-12) and shows(printed, want), col
