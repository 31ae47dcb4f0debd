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


# Found by the campaign after the footprint/CBAM block landed: a product of zero mass divided by
# zero in the CBAM precursor share (run exit 1), and an unknown material factor_id passed validate
# but was refused by run after the solve (exit 2). Both now exit 2 from validate.
_FOOTPRINT = {"allocation": "mass", "products": [
    {"name": "bolts", "output_units_per_yr": 1000.0, "mass_t_per_unit": 1.0, "cn_code": "7318 15", "eu_export_share": 0.5}],
    "materials": [{"name": "wire rod", "product": "bolts", "quantity_per_unit": 1050.0,
                   "factor_id": "crude_steel_world_average"}]}


@pytest.mark.parametrize("patch, field, expected", [
    ({"products": [{**_FOOTPRINT["products"][0], "mass_t_per_unit": 0.0}]}, "footprint.products[0].mass_t_per_unit",
     "expected a number > 0, got 0.0"),
    ({"materials": [{**_FOOTPRINT["materials"][0], "factor_id": "<img src=x>"}]}, "footprint.materials[0].factor_id",
     "expected one of ['crude_steel_world_average'"),
    ({"allocation": "economic", "products": [{**_FOOTPRINT["products"][0], "value_cny_per_unit": 0.0}]},
     "footprint.products[].value_cny_per_unit", "needs at least one product with a value > 0"),
])
def test_found_footprint_defects_are_refused_by_validate(minimal, write_yaml, patch, field, expected):
    minimal["footprint"] = {**_FOOTPRINT, **patch}
    code, text, _ = _validate(write_yaml(minimal))
    text = " ".join(text.split())
    assert code == 2 and f"{field}:" in text and expected in text, text


def test_a_materials_csv_with_a_bad_value_is_refused_by_validate(minimal, write_yaml, tmp_path):
    (tmp_path / "m.csv").write_text("factor_id,unit,value_kgco2e_per_unit,source,year\n"
                                    "rod,kg,1.9,Supplier EPD,2025\nbar,kg,abc,Supplier EPD,2025\n", encoding="utf-8")
    minimal["footprint"] = {**_FOOTPRINT, "materials_csv": "m.csv",
                            "materials": [{**_FOOTPRINT["materials"][0], "factor_id": "rod"}]}
    code, text, _ = _validate(write_yaml(minimal))
    text = " ".join(text.split())
    assert code == 2 and "row 3: value_kgco2e_per_unit: expected a number >= 0 (kgCO2e per unit), got 'abc'" in text, text
    assert str(tmp_path / "m.csv") in text


def test_the_valid_footprint_block_of_these_tests_validates(minimal, write_yaml):
    minimal["footprint"] = _FOOTPRINT
    code, text, _ = _validate(write_yaml(minimal))
    assert code == 0, text
