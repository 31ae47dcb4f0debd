"""Tampered result folders: ``pathway report DIR`` and ``pathway finance DIR`` on a real run
folder whose files were edited (non-numeric cells, missing columns, NaN, missing files,
huge numbers, symlinks, FIFOs, devices, absurd loan settings) exit 0 or 2 with a message:
never a traceback, never a hang. Cases a reader cannot make sense of are exit 2."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pathway.cli import app

from .test_optimiser import FLAT


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("tamper")
    data = copy.deepcopy(FLAT)
    data["finance"] = {"loan_to_cost": 0.7}
    data["technologies"] = {"pv": {"max_kw": 2000}}
    scen = d / "s.yaml"
    import yaml

    scen.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = d / "run"
    r = CliRunner().invoke(app, ["run", str(scen), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


def _csv(d: Path, name: str, fn) -> None:
    p = d / "tables" / f"{name}.csv"
    df = pd.read_csv(p)
    fn(df).to_csv(p, index=False)


def _summary(d: Path, fn) -> None:
    p = d / "summary.json"
    s = json.loads(p.read_text(encoding="utf-8"))
    fn(s)
    p.write_text(json.dumps(s), encoding="utf-8")


def _set(df, col, value):
    df[col] = value
    return df


def _fifo(p: Path) -> None:
    p.unlink()
    os.mkfifo(p)


def _outside_tables(d: Path) -> None:
    outside = d.parent / f"elsewhere-{d.name}"
    shutil.move(str(d / "tables"), outside)
    (d / "tables").symlink_to(outside, target_is_directory=True)


def _replace_with_link(p: Path, target: str) -> None:
    p.unlink()
    p.symlink_to(target)


# name -> (tampering, exit codes allowed for report, for finance)
TAMPER = {
    "no_summary": (lambda d: (d / "summary.json").unlink(), {2}, {2}),
    "summary_not_json": (lambda d: (d / "summary.json").write_text("{not json", encoding="utf-8"), {2}, {2}),
    "summary_a_list": (lambda d: (d / "summary.json").write_text("[1, 2]", encoding="utf-8"), {2}, {2}),
    "summary_binary": (lambda d: (d / "summary.json").write_bytes(b"\xff\xfe\x00garbage"), {2}, {2}),
    "summary_nan_cost": (lambda d: _summary(d, lambda s: s.update(total_cost_npv_cny=float("nan"))), {0, 2}, {0, 2}),
    "summary_no_target_year": (lambda d: _summary(d, lambda s: s.pop("target_year")), {2}, {0, 2}),
    "loan_settings_gone": (lambda d: _summary(d, lambda s: s["loan"].pop("settings")), {0, 2}, {2}),
    "loan_tenor_1e9": (lambda d: _summary(d, lambda s: s["loan"]["settings"].update(tenor_years=10**9)), {0, 2}, {2}),
    "loan_appraisal_1e9": (lambda d: _summary(d, lambda s: s["loan"]["settings"].update(appraisal_years=10**9)), {0, 2}, {2}),
    "loan_rate_text": (lambda d: _summary(d, lambda s: s["loan"]["settings"].update(interest_rate="abc")), {0, 2}, {2}),
    "no_pathway_table": (lambda d: (d / "tables" / "pathway.csv").unlink(), {2}, {2}),
    "capex_empty_file": (lambda d: (d / "tables" / "capex.csv").write_text("", encoding="utf-8"), {2}, {2}),
    "capex_text_cells": (lambda d: _csv(d, "capex", lambda df: _set(df, "capex_cny", "abc")), {2}, {2}),
    "costs_missing_column": (lambda d: _csv(d, "costs", lambda df: df.drop(columns=["discounted_cost_cny"])), {2}, {0, 2}),  # finance does not read it
    "emissions_all_nan": (lambda d: _csv(d, "emissions", lambda df: _set(df, "emissions_t", float("nan"))), {0, 2}, {0, 2}),
    "capex_huge": (lambda d: _csv(d, "capex", lambda df: _set(df, "capex_cny", 1e308)), {0, 2}, {0, 2}),
    "year_text": (lambda d: _csv(d, "pathway", lambda df: _set(df, "year", "next year")), {2}, {2}),
    "tables_link_outside": (_outside_tables, {2}, {2}),
    "capex_link_dev_zero": (lambda d: _replace_with_link(d / "tables" / "capex.csv", "/dev/zero"), {2}, {2}),
    "pathway_fifo": (lambda d: _fifo(d / "tables" / "pathway.csv"), {2}, {2}),
    "summary_fifo": (lambda d: _fifo(d / "summary.json"), {2}, {2}),
    "capex_a_folder": (lambda d: ((d / "tables" / "capex.csv").unlink(), (d / "tables" / "capex.csv").mkdir()), {2}, {2}),
    "binary_csv": (lambda d: (d / "tables" / "costs.csv").write_bytes(b"\xff\xfe\x00\x01" * 100), {2}, {2}),
}


class _Hang(Exception):
    pass


def _invoke(args: list[str], limit_s: int = 30):
    def alarm(signum, frame):
        raise _Hang(f"{args} did not return within {limit_s} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(limit_s)
    try:
        return CliRunner().invoke(app, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("command", ["report", "finance"])
@pytest.mark.parametrize("case", list(TAMPER))
def test_tampered_folder_is_exit_2_or_0_never_a_traceback_or_hang(run_folder, tmp_path, case, command):
    d = tmp_path / "run"
    shutil.copytree(run_folder, d, symlinks=True)
    tamper, report_codes, finance_codes = TAMPER[case]
    tamper(d)
    r = _invoke([command, str(d)])
    assert not isinstance(r.exception, _Hang), r.exception
    assert r.exception is None or isinstance(r.exception, SystemExit), (type(r.exception), r.exception)
    assert "Traceback" not in r.output
    allowed = report_codes if command == "report" else finance_codes
    assert r.exit_code in allowed, r.output
    if r.exit_code == 2:
        assert "error:" in r.output and str(d.name) in r.output  # a message naming the folder or file


def test_the_untampered_folder_reports_and_finances(run_folder, tmp_path):
    """The baseline the tamperings break: both commands succeed on the folder as written."""
    d = tmp_path / "run"
    shutil.copytree(run_folder, d, symlinks=True)
    assert _invoke(["report", str(d)]).exit_code == 0
    r = _invoke(["finance", str(d), "--tenor-years", "8"])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("args, expected", [
    (["--tenor-years", "1000000000"], "tenor"),
    (["--appraisal-years", "1000000000"], "appraisal"),
    (["--grace-years", "30", "--tenor-years", "10"], "grace"),
    (["--loan-to-cost", "1.5"], "loan"),
    (["--interest-rate", "nan"], "interest"),
    (["--min-dscr", "inf"], "dscr"),
    (["--kpi-step-down-bp", "-1e308"], "kpi"),
])
def test_finance_option_combinations_are_checked_before_computing(run_folder, tmp_path, args, expected):
    d = tmp_path / "run"
    shutil.copytree(run_folder, d, symlinks=True)
    before = (d / "summary.json").read_bytes()
    r = _invoke(["finance", str(d), *args], limit_s=20)
    assert not isinstance(r.exception, _Hang), r.exception
    assert r.exit_code == 2, r.output
    assert expected in r.output.lower() and "Traceback" not in r.output
    assert (d / "summary.json").read_bytes() == before  # nothing rewritten
