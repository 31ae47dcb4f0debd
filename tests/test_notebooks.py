"""The notebooks in notebooks/ run from top to bottom and check their own numbers.

Each notebook ends with a cell of assertions on the values it computed, so executing it
is a test. The kernel is this interpreter: a temporary kernelspec named 'python3' that
points at ``sys.executable`` is put first on JUPYTER_PATH, so a 'python3' kernel
installed elsewhere on the machine (user or system) is never picked up. The committed
notebooks must carry no outputs (they are stored stripped).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

pytestmark = pytest.mark.slow  # see pyproject [tool.pytest.ini_options] markers

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def kernel_here(tmp_path_factory):
    """A 'python3' kernelspec for the running interpreter, first on JUPYTER_PATH."""
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (pathway tests)",
        "language": "python",
    }), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(base))
    mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    yield "python3"
    mp.undo()


def test_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert len(NOTEBOOKS) >= 3, names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.get("outputs") == [], f"{path.name}: a code cell has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name}: a code cell has an execution count"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, kernel_here):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name=kernel_here,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    # the last cell asserts the notebook's own numbers and prints a line with them
    last = code[-1]
    assert "assert " in last.source
    text = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    assert any(ch.isdigit() for ch in text), f"{path.name}: the checks cell printed no values"
    errors = [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not errors
