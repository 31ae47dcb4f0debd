"""Input files that would hang, exhaust memory or crash a naive reader are refused at once
with exit 2 and a message naming the file: FIFOs, devices, huge files, alias bombs, deep
nesting, recursive aliases and lone surrogate escapes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from pathway.errors import ScenarioError
from pathway.scenario.loader import MAX_FILE_BYTES, read_scenario


def _validate(path) -> subprocess.CompletedProcess:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pathway.cli", "validate", str(path)], capture_output=True, text=True,
                       timeout=30)
    r.seconds = time.perf_counter() - t0
    r.text = " ".join((r.stdout + r.stderr).split())  # the console wraps long lines
    return r


def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    r = _validate(fifo)
    assert r.returncode == 2 and "a FIFO; expected a YAML file" in r.text and "Traceback" not in r.text


def test_link_to_a_device_is_refused(tmp_path):
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(ScenarioError, match="a device"):
        read_scenario(link)


def test_huge_file_is_refused(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("name: x\n" + "# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="bytes"):
        read_scenario(p)


def test_alias_bomb_is_refused_within_a_second(tmp_path):
    """'Billion laughs' in under 1 KB: nine levels of ten aliases each (10^9 nodes)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    p = tmp_path / "bomb.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert p.stat().st_size < 1024
    r = _validate(p)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "aliases expand" in r.text and "Traceback" not in r.text
    assert r.seconds < 10  # the interpreter start dominates; the check itself is instant
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError, match="aliases expand"):
        read_scenario(p)
    assert time.perf_counter() - t0 < 1.0


def test_deep_and_recursive_nesting_is_refused(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="nested"):
        read_scenario(deep)
    rec = tmp_path / "rec.yaml"
    rec.write_text("name: &r [1, *r]\n", encoding="utf-8")
    with pytest.raises(ScenarioError):
        read_scenario(rec)


def test_lone_surrogate_is_refused(minimal, write_yaml):
    text = write_yaml(minimal).read_text(encoding="utf-8").replace("name: minimal", 'name: "bad \\udc80 name"')
    p = write_yaml(text, "sur.yaml")
    with pytest.raises(ScenarioError, match="surrogate") as info:
        read_scenario(p)
    assert info.value.problems[0].field == "name"


def test_names_starting_with_a_formula_are_text_in_the_workbook(minimal, write_yaml, tmp_path):
    """A scenario or factory name such as '=HYPERLINK(...)' is stored as text, never as a
    formula, in results.xlsx (formula injection)."""
    import openpyxl

    from pathway.runs.pipeline import run_file

    minimal["name"] = '=HYPERLINK("http://example.invalid","x")'
    minimal["factory"]["name"] = "=1+1"
    out = tmp_path / "out"
    run_file(write_yaml(minimal), out_dir=out)
    wb = openpyxl.load_workbook(out / "results.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    # the only formulas are the bank sheets' own (cell arithmetic, SUM/MIN/AVERAGE/IF), never user text
    own = re.compile(r'^=(?:[A-Z]{1,3}[0-9]+|bank![A-Z]{1,3}[0-9]+:[A-Z]{1,3}[0-9]+|SUM|MIN|AVERAGE|IF|[-+*/()<>,0-9.]|"")+$')
    formulas = [c for c in cells if c.data_type == "f"]
    assert all(c.parent.title in ("bank", "bank_totals") and own.match(str(c.value)) for c in formulas), \
        [(c.parent.title, c.coordinate, c.value) for c in formulas][:5]
    assert any(c.value == minimal["name"] and c.data_type == "s" for c in cells)


@pytest.mark.slow
def test_report_is_byte_identical_across_runs(tmp_path):
    """The same inputs give the same report.html, byte for byte, in two processes (chart ids
    come from content, not from Python's per-process hash salt)."""
    from .conftest import SCENARIOS

    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}"
        r = subprocess.run([sys.executable, "-m", "pathway.cli", "run", str(SCENARIOS / "jiangsu_auto_parts_2027.yaml"),
                            "--out", str(out), "-q"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        outs.append((out / "report.html").read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("patch,field", [
    ({"finance": {"lump_sum_subsidy_cny": float("inf")}}, "finance.lump_sum_subsidy_cny"),
    ({"production": {"growth_per_yr": float("nan")}}, "production.growth_per_yr"),
    ({"finance": {"tenor_years": 10**9}}, "finance.tenor_years"),
    ({"finance": {"appraisal_years": 10**9}}, "finance.appraisal_years"),
    ({"technologies": {"pv": {"life_years": 10**9}}}, "technologies.pv.life_years"),
])
def test_non_finite_and_huge_counts_are_refused_at_once(minimal, write_yaml, patch, field):
    """.inf/.nan and year counts of 1e9 (which would hang per-year loops) are exit-2 input
    errors naming the field, found in well under a second."""
    from pathway.reference.validate import load_scenario
    from pathway.scenario.loader import deep_merge

    data = deep_merge(minimal, patch)
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(data))
    assert time.perf_counter() - t0 < 1.0
    assert any(p.field == field for p in info.value.problems), [str(p) for p in info.value.problems]


@pytest.mark.parametrize("csv_text,expected", [("load\n1\n2\n", "8760"), ("load\n", "8760"), ("", "")])
def test_validate_reads_profiles_like_run(minimal, write_yaml, tmp_path, csv_text, expected):
    """A profile CSV that run would refuse (too few rows, empty) is refused by validate too:
    exit 2 naming the field, where validate used to pass and run then failed."""
    from typer.testing import CliRunner

    from pathway.cli import app

    minimal["baseline"]["electricity_profile"] = {"shape": "csv", "csv": "load.csv"}
    p = write_yaml(minimal)
    (p.parent / "load.csv").write_text(csv_text, encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(p)])
    text = " ".join(r.output.split())
    assert r.exit_code == 2, r.output
    assert "baseline.electricity_profile" in text and expected in text
