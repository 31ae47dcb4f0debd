"""One validation: every check a run makes on its inputs, without building or solving
anything (no Pyomo is imported), for ``pathway validate``."""

from __future__ import annotations

from pathlib import Path

from pathway.finance.bau import bau_twin
from pathway.inputs.prepare import prepare
from pathway.reference.validate import load_scenario
from pathway.scenario.loader import LoadedScenario


def validate_file(path: str | Path, overrides: dict | None = None) -> LoadedScenario:
    """Every check a run makes on its inputs before solving: the schema and the bundled-data
    references (``load_scenario``), then everything ``prepare`` reads (profile CSVs, catalogue
    and price defaults, subsidies by unit, bounds the export switch needs) and, with a
    finance block, that the business-as-usual twin can be built. Raises ScenarioError
    listing the problems; a scenario that passes is not refused later for its inputs."""
    loaded = load_scenario(path, overrides=overrides)
    md = prepare(loaded)
    if loaded.scenario.finance is not None:
        bau_twin(loaded, md)
    if loaded.scenario.footprint is not None:  # material factors resolvable (bundled or footprint.materials_csv)
        from pathway.analysis.exposure import check_footprint

        check_footprint(loaded.scenario, Path(loaded.path).parent, str(loaded.path))
    return loaded
