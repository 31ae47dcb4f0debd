"""Bad input is reported with the file, the dotted field, the line, expected vs given."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pathway.errors import ScenarioError
from pathway.reference.validate import load_scenario


def problems_of(path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_wrong_type(minimal, write_yaml):
    minimal["baseline"]["electricity_mwh"] = "lots"
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "baseline.electricity_mwh"
    assert "expected number" in p.message and "'lots'" in p.message
    assert p.line is not None and p.file.endswith("scenario.yaml")


def test_negative_quantity(minimal, write_yaml):
    minimal["baseline"]["fuels"] = {"natural_gas_m3": -5}
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "baseline.fuels.natural_gas_m3"
    assert "expected a number >= 0, got -5" in p.message


def test_unknown_key_with_suggestion(minimal, write_yaml):
    minimal["technologies"] = {"pv": {"capex_cny_per_w": 3.0}}
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "technologies.pv.capex_cny_per_w"
    assert "unknown field" in p.message and "capex_cny_per_kw" in p.message


def test_missing_field(minimal, write_yaml):
    del minimal["production"]["output_per_yr"]
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "production.output_per_yr"
    assert "required field is missing" in p.message


def test_years_out_of_order(minimal, write_yaml):
    minimal["horizon"]["target_year"] = 2024
    path = write_yaml(minimal)
    (p,) = problems_of(path)
    assert p.field == "horizon"
    assert "target_year (2024) must be after base_year (2025)" in p.message
    assert p.line == path.read_text().splitlines().index("horizon:") + 1


def test_unknown_sector(minimal, write_yaml):
    minimal["factory"]["sector"] = "shipbuilding"
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "factory.sector"
    assert "'shipbuilding'" in p.message and "'automotive'" in p.message


def test_malformed_yaml(write_yaml):
    (p,) = problems_of(write_yaml("name: x\nfactory: {name: a, sector: [\n  bad\n", "broken.yaml"))
    assert p.file.endswith("broken.yaml")
    assert "malformed YAML" in p.message
    assert p.line is not None


def test_extends_loop(minimal, write_yaml):
    write_yaml({"extends": "b.yaml", "name": "a"}, "a.yaml")
    b = write_yaml({"extends": "a.yaml", "name": "b"}, "b.yaml")
    (p,) = problems_of(b)
    assert p.field == "extends"
    assert "extends loop" in p.message and "a.yaml" in p.message and "b.yaml" in p.message


def test_missing_extends_file(write_yaml):
    (p,) = problems_of(write_yaml("extends: nowhere.yaml\nname: child\n"))
    assert p.field == "extends" and p.line == 1
    assert "base scenario 'nowhere.yaml' not found" in p.message


def test_unsafe_yaml_tag(write_yaml):
    text = "name: !!python/object/apply:os.system ['echo pwned']\n"
    (p,) = problems_of(write_yaml(text))
    assert "unsafe or unknown YAML tag" in p.message and "python/object/apply:os.system" in p.message
    assert p.line == 1


def test_all_problems_reported_at_once(minimal, write_yaml):
    minimal["baseline"]["electricity_mwh"] = -1
    minimal["factory"]["sector"] = "nope"
    minimal["horizon"]["discount_rate"] = 3
    fields = {p.field for p in problems_of(write_yaml(minimal))}
    assert fields == {"baseline.electricity_mwh", "factory.sector", "horizon.discount_rate"}


def test_error_in_base_file_points_at_base(minimal, write_yaml):
    minimal["baseline"]["process_co2_t"] = -3
    write_yaml(minimal, "base.yaml")
    child = write_yaml({"extends": "base.yaml", "name": "child"}, "child.yaml")
    (p,) = problems_of(child)
    assert p.file.endswith("base.yaml") and p.field == "baseline.process_co2_t"


def test_unknown_preset_and_tariff(minimal, write_yaml):
    minimal["target"]["preset"] = "mars"
    minimal["prices"] = {"tou_province": "atlantis"}
    fields = {p.field: p.message for p in problems_of(write_yaml(minimal))}
    assert "unknown preset 'mars'" in fields["target.preset"]
    assert "atlantis" in fields["prices.tou_province"]


@pytest.mark.parametrize("command", ["validate", "inventory"])
def test_cli_exit_2_without_traceback(minimal, write_yaml, command):
    minimal["factory"]["sector"] = "shipbuilding"
    path = write_yaml(minimal)
    res = subprocess.run([sys.executable, "-m", "pathway.cli", command, str(path)], capture_output=True, text=True)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr + res.stdout
    assert "factory.sector" in res.stderr


def test_cli_validate_ok(minimal, write_yaml):
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "validate", str(write_yaml(minimal))],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_tou_tariff_gaps_and_missing_price(minimal, write_yaml):
    minimal["prices"] = {"tou_periods": [{"name": "peak", "hours": "8-22", "price_cny_per_kwh": 1.0}]}
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "prices.tou_periods"
    assert "[0, 1, 2, 3, 4, 5, 6, 7, 22, 23] without a price" in p.message
    minimal["prices"] = {"tou_periods": [{"name": "peak", "hours": "8-25", "price_cny_per_kwh": 1.0}]}
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "prices.tou_periods[0].hours" and "0 <= start < end <= 24" in p.message
    minimal["prices"] = {}
    (p,) = problems_of(write_yaml(minimal))
    assert p.field == "prices" and "no electricity price" in p.message
