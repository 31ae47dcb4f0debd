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
