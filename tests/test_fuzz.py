"""Fuzz test: mutated bundled scenarios (tests/fuzz_mutants.py: deleted keys, wrong types,
typos in keys, extreme and non-finite numbers, markup / control characters / HTML in
strings, broken profile CSVs, extends chains) never make ``pathway validate`` exit with
anything but 0 or 2, never print a traceback, and a mutant that validates is never
refused by ``pathway run`` with exit 2. Hundreds of examples here; thousands in
``make fuzz`` (tests/fuzz_campaign.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pathway.cli import app
from tests.fuzz_mutants import classify_run, classify_validate, write_mutant

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _validate(path: Path):
    r = CliRunner().invoke(app, ["validate", str(path)])
    return r.exit_code, r.stderr + r.stdout, r.exception


def _fresh(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutant")


@settings(max_examples=300, **SETTINGS)
@given(rng=st.randoms(use_true_random=False))
def test_validate_exits_0_or_2_without_traceback(tmp_path_factory, rng):
    path = write_mutant(_fresh(tmp_path_factory), rng)
    code, text, exc = _validate(path)
    assert classify_validate(code, text, exc) is None, (path.read_text(encoding="utf-8")[:3000], text[-2000:])


@settings(max_examples=8, **SETTINGS)
@given(rng=st.randoms(use_true_random=False))
def test_validate_through_the_command_line(tmp_path_factory, rng):
    """The installed entry point too (its own console, no CliRunner), on a small sample."""
    path = write_mutant(_fresh(tmp_path_factory), rng)
    r = subprocess.run([sys.executable, "-m", "pathway.cli", "validate", path.name], capture_output=True, text=True,
                       cwd=path.parent, timeout=60, errors="replace")
    assert classify_validate(r.returncode, r.stderr + r.stdout) is None, r.stderr[-2000:]


@pytest.mark.slow
@settings(max_examples=12, **SETTINGS)
@given(rng=st.randoms(use_true_random=False))
def test_a_mutant_that_validates_is_not_refused_by_run(tmp_path_factory, rng):
    folder = _fresh(tmp_path_factory)
    path = write_mutant(folder, rng, mild=True)
    code, _, exc = _validate(path)
    if code != 0 or exc is not None:
        return
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(folder / "out"), "-q", "--no-report", "--no-xlsx"])
    assert classify_run(r.exit_code, r.stderr + r.stdout, r.exception) is None, (
        path.read_text(encoding="utf-8")[:3000], (r.stderr + r.stdout)[-2000:], r.exception)


def test_the_mutants_are_hostile_enough(tmp_path_factory):
    """A fuzz test that cannot fail is a defect: the mutants must reach both outcomes."""
    import random

    codes = [_validate(write_mutant(_fresh(tmp_path_factory), random.Random(seed)))[0] for seed in range(40)]
    assert codes.count(2) >= 10 and codes.count(0) >= 2, codes


# Defects the campaign found, each now refused by validate (exit 2 naming the field) instead
# of failing run with exit 1: a profile CSV with an inf row, electricity_mwh 2**63, a NUL
# character in a heat load's name (results.xlsx cannot store it).
@pytest.mark.parametrize("patch, field, expected", [
    ({"baseline": {"electricity_mwh": 2**63}}, "baseline.electricity_mwh", "expected a magnitude of at most 1e+10"),
    ({"prices": {"flat_electricity_cny_per_kwh": 1e11}}, "prices.flat_electricity_cny_per_kwh", "at most 1e+10"),
    ({"factory": {"name": "\x00nul"}}, "factory.name", "control character U+0000"),
    ({"name": "\x1b[31mred"}, "name", "control character U+001B"),
    # PV with no size limit and a positive export price: the LP was unbounded (run exit 1)
    ({"technologies": {"pv": {}}, "prices": {"export_price_cny_per_kwh": 0.3},
      "factory": {"latitude_deg": 31.3, "longitude_deg": 120.6}}, "technologies.pv.roof_area_m2",
     "expected roof_area_m2 or max_kw: exported at 0.3 CNY/kWh"),
])
def test_found_defects_are_refused_by_validate(minimal, write_yaml, patch, field, expected):
    from pathway.scenario.loader import deep_merge

    path = write_yaml(deep_merge(minimal, patch))
    code, text, exc = _validate(path)
    text = " ".join(text.split())
    assert code == 2 and f"{field}:" in text and expected in text, text


def test_a_profile_csv_with_an_inf_row_is_refused_by_validate(minimal, write_yaml, tmp_path):
    (tmp_path / "p.csv").write_text("load\n" + "1\n" * 8759 + "inf\n", encoding="utf-8")
    minimal["baseline"]["electricity_profile"] = {"shape": "csv", "csv": "p.csv", "column": "load"}
    code, text, _ = _validate(write_yaml(minimal))
    text = " ".join(text.split())
    assert code == 2 and "expected finite non-negative numbers in every row; data row 8760 is inf" in text, text


def test_unlimited_pv_is_accepted_when_export_does_not_pay_for_it(minimal, write_yaml):
    # 0.05 CNY/kWh x ~1,200 MWh/MW a year = 60 kCNY < PV's annuity + O&M (~270 kCNY/MW): bounded
    from pathway.scenario.loader import deep_merge

    path = write_yaml(deep_merge(minimal, {"technologies": {"pv": {}}, "prices": {"export_price_cny_per_kwh": 0.05},
                                           "factory": {"latitude_deg": 31.3, "longitude_deg": 120.6}}))
    code, text, _ = _validate(path)
    assert code == 0, text
