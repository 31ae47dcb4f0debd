"""What the command line and the solver import (start-up latency; no timing here, only
``sys.modules``): the light commands never load the optimiser or the writers, and the
compiler route never loads the parts of SciPy it does not use."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT

HEAVY = ("pyomo", "plotly", "dask", "openpyxl", "tsam", "pvlib", "highspy", "scipy")
SCENARIO = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"


def _loaded(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the heavy top-level packages it left in sys.modules."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_cli_is_light():
    assert _loaded("import pathway.cli") == []


def test_light_commands_are_light():
    for args in (["--help"], ["validate", str(SCENARIO)], ["schema"], ["inventory", str(SCENARIO)]):
        code = ("import sys\nfrom typer.testing import CliRunner\nfrom pathway.cli import app\n"
                f"r = CliRunner().invoke(app, {args!r})\n"
                "assert r.exit_code == 0, r.output")
        assert _loaded(code) == [], args


def test_compiler_route_does_not_import_scipy_stats():
    """``pathway.solve.highs._sparse_only_compiler``: only scipy.sparse, same optimum."""
    code = ("import pyomo.environ as pyo\nfrom pathway.solve.highs import solve\n"
            "m = pyo.ConcreteModel(); m.x = pyo.Var(bounds=(0, 4)); m.y = pyo.Var(bounds=(0, None))\n"
            "m.c = pyo.Constraint(expr=m.x + 2 * m.y >= 3); m.o = pyo.Objective(expr=2 * m.x + 3 * m.y)\n"
            "r = solve(m)\nassert abs(r.objective - 4.5) < 1e-9, r.objective\n"
            "import sys\nassert 'scipy.sparse' in sys.modules\n"
            "print([k for k in ('scipy.stats', 'scipy.integrate', 'scipy.spatial') if k in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout
