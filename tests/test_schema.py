"""`pathway schema` output validates every bundled scenario (merged through extends)."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from pathway.reference.validate import load_scenario

from .conftest import SCENARIOS

BUNDLED = sorted(SCENARIOS.glob("*.yaml"))


@pytest.fixture(scope="module")
def schema() -> dict:
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "schema"], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def test_there_are_bundled_scenarios():
    assert len(BUNDLED) >= 2


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_schema_validates_bundled(schema, path):
    loaded = load_scenario(path)
    doc = json.loads(json.dumps(loaded.data, default=str))  # YAML int keys become strings, as in JSON
    jsonschema.validate(doc, schema)  # raises on failure
    raw = yaml.safe_load(path.read_text())
    if "extends" not in raw:
        jsonschema.validate(json.loads(json.dumps(raw, default=str)), schema)


def test_schema_rejects_unknown_key(schema, minimal):
    minimal["factory"]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(minimal, schema)


@pytest.mark.parametrize("draft,validator", [("2020-12", jsonschema.Draft202012Validator), ("07", jsonschema.Draft7Validator)])
def test_partial_schema_validates_files_that_extend(draft, validator):
    """A file using `extends` sets only what it changes: the bundled _2030 twins fail the
    full schema ("required property") but validate against `pathway schema --partial`, in
    either dialect; a wrong type is still an error there."""
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "schema", "--partial", "--draft", draft],
                         capture_output=True, text=True, check=True)
    partial = json.loads(res.stdout)
    validator.check_schema(partial)
    children = [p for p in BUNDLED if "extends" in yaml.safe_load(p.read_text())]
    assert children, "some bundled scenario extends another"
    full = json.loads(subprocess.run([sys.executable, "-m", "pathway.cli", "schema", "--draft", draft],
                                     capture_output=True, text=True, check=True).stdout)
    for path in children:
        raw = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        assert list(validator(full).iter_errors(raw)), f"{path.name} should fail the full schema"
        errors = list(validator(partial).iter_errors(raw))
        assert not errors, f"{path.name}: {errors[0].message}"
    assert list(validator(partial).iter_errors({"horizon": {"target_year": "soon"}}))


def test_draft07_has_no_2020_keywords():
    res = subprocess.run([sys.executable, "-m", "pathway.cli", "schema", "--draft", "07"], capture_output=True, text=True,
                         check=True)
    assert "$defs" not in res.stdout and '"definitions"' in res.stdout
    assert json.loads(res.stdout)["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_schema_shows_catalogue_defaults(schema):
    """Technology fields carry the catalogue's default in their description (editors show it)."""
    d = schema["$defs"]["PV"]["properties"]["capex_cny_per_kw"]["description"]
    assert "Catalogue 2025: pv 3,000 CNY/kWp." in d
    d = schema["$defs"]["HeatPump"]["properties"]["capex_cny_per_kw_th"]["description"]
    assert "heat_pump_low 1,200" in d and "heat_pump_high 2,500" in d


def test_every_field_has_a_description(schema):
    """Every property of every definition (and of the top level) says what it is (units are
    in the names or the descriptions; reviewed by hand, not checked here)."""
    missing = []
    defs = {"Scenario": schema, **schema["$defs"]}
    for name, d in defs.items():
        for field, spec in (d.get("properties") or {}).items():
            desc = spec.get("description", "")
            if not desc.strip():
                missing.append(f"{name}.{field}")
    assert not missing, f"{len(missing)} fields without a description: {missing}"
