"""Hourly profiles from CSV and shapes; relative paths resolve from the file that names them."""

from __future__ import annotations

import numpy as np
import pytest

from pathway.errors import ScenarioError
from pathway.inputs.prepare import prepare
from pathway.reference.validate import load_scenario


def _csv(path, values):
    path.write_text("hour,load_kw\n" + "\n".join(f"{i},{v}" for i, v in enumerate(values)) + "\n")


def test_csv_profile_of_a_base_file_resolves_from_the_base_folder(minimal, write_yaml, tmp_path):
    base_dir = tmp_path / "plants"
    base_dir.mkdir()
    values = np.where(np.arange(8760) % 24 < 12, 3.0, 1.0)  # 3:1 day/night
    _csv(base_dir / "load.csv", values)
    minimal["baseline"]["electricity_profile"] = {"shape": "csv", "csv": "load.csv", "column": "load_kw"}
    minimal["time"] = {"mode": "hourly"}
    (base_dir / "base.yaml").write_text(__import__("yaml").safe_dump(minimal))
    child = write_yaml({"extends": "plants/base.yaml", "name": "child"}, "child.yaml")
    md = prepare(load_scenario(child))
    # 1000 MWh a year; the first hour is a 'day' hour: 1000 x 3 / sum(values)
    assert md.elec_shape.sum() == pytest.approx(1.0 / 1.0, rel=1e-12)  # weights are 1 in hourly mode
    assert md.elec_demand_mwh_base * md.elec_shape[0, 0] == pytest.approx(1000 * 3 / values.sum(), rel=1e-12)


def test_csv_profile_with_wrong_length_is_a_clear_error(minimal, write_yaml, tmp_path):
    _csv(tmp_path / "short.csv", [1.0] * 100)
    minimal["baseline"]["electricity_profile"] = {"shape": "csv", "csv": "short.csv"}
    with pytest.raises(ScenarioError) as info:
        prepare(load_scenario(write_yaml(minimal)))
    assert "expected 8760 hourly rows, got 100" in str(info.value)


def test_missing_csv_profile_is_reported_at_load(minimal, write_yaml):
    minimal["baseline"]["electricity_profile"] = {"shape": "csv", "csv": "nowhere.csv"}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(minimal))
    (p,) = info.value.problems
    assert p.field == "baseline.electricity_profile.csv" and "profile CSV not found" in p.message


@pytest.mark.parametrize(("shape", "day_ratio"), [("one_shift", 4.0), ("two_shift", 1 / 0.35), ("three_shift", 1.0)])
def test_shift_shapes(shape, day_ratio):
    from pathway.inputs.profiles import shape as make_shape
    from pathway.scenario.schema import Profile

    s = make_shape(Profile(shape=shape), None, "x")
    assert s.sum() == pytest.approx(1.0)
    jan1 = s[:24]  # a Wednesday
    assert jan1[12] / jan1[3] == pytest.approx(day_ratio)
