"""No machine paths or private search ids reach what a client sees.

The bundled data tables (src/pathway/data/), a fresh run's output folder (tables,
summary.json, report.html and every other text file it writes) and the benchmark
results (benchmarks/results/) must not contain

* an absolute file-system path of a machine: a token starting with ``/`` and a root
  folder such as ``/home/``, ``/root/``, ``/tmp/``, ``/work/``, ``/Users/`` (or a
  Windows drive such as ``C:\\``). URLs are fine: a path is only matched where it is
  not preceded by ``:/`` or by a host name, so ``https://host/work/x`` passes;
* the phrase "index id" (a private search-index id instead of a public document).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "pathway" / "data"
BENCH_RESULTS = ROOT / "benchmarks" / "results"
SCENARIO = ROOT / "scenarios" / "jiangsu_auto_parts_2027.yaml"

_ROOT_FOLDERS = "home|root|tmp|work|Users|var|private|mnt|opt|srv|scratch|data|usr|etc|Volumes"
# A "/" not preceded by a word character, "." , "-", ":" or "/" (so not part of a URL's
# host or of "https://"), then a root folder and a separator or the end of the token.
POSIX_PATH = re.compile(rf"(?<![\w.:/\-])/(?:{_ROOT_FOLDERS})(?:/|(?=[\s\"'<>),;]|$))")
WINDOWS_PATH = re.compile(r"(?<![A-Za-z])[A-Za-z]:(?:\\{1,2}|/(?:Users|Windows|Program))")
INDEX_ID = re.compile(r"index[\s_-]*id", re.IGNORECASE)


def offences(text: str) -> list[str]:
    """Each offending snippet in ``text`` (40 characters either side)."""
    out = []
    for rx in (POSIX_PATH, WINDOWS_PATH, INDEX_ID):
        for m in rx.finditer(text):
            out.append(text[max(0, m.start() - 40): m.end() + 40].replace("\n", " "))
    return out


def _text(path: Path) -> str | None:
    """The file as text, or None for a binary file (xlsx, png, parquet...)."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _scan_folder(folder: Path, text_of=None) -> dict[str, list[str]]:
    found = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        text = (text_of or _text)(p)
        if text is None:
            continue
        hits = offences(text)
        if hits:
            found[str(p.relative_to(folder))] = hits[:5]
    return found


# --- the detector itself ---------------------------------------------------------

@pytest.mark.parametrize("text", [
    "source: /work/shared/research/china_data.md section 4",
    '"scenario": "/work/main/scenarios/x.yaml"',
    "(/home/alice/notes.md)",
    "see /tmp/run1/summary.json",
    "C:\\Users\\alice\\data.csv",
    '"C:\\\\Users\\\\alice"',
    "public GitHub code (search-index id 66699582681)",
    "Index ID 12",
])
def test_detector_flags(text):
    assert offences(text), text


@pytest.mark.parametrize("text", [
    "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/t20251231_1139517.html",
    "http://example.com/work/tmp/home/x",
    "github.com/pik-piam/PyPSA-China-PIK resources/data/costs/default/costs_2025.csv",
    "CNY/(t/yr); kWh/kWp/yr; tCO2/MWh; 0.3 MPa",
    "zj.gov.cn/col/col1229203589/art/2026/art_db.html",
    "indexed value; index of prices (Fudan index), id 3",
])
def test_detector_passes(text):
    assert not offences(text), offences(text)


# --- the files -------------------------------------------------------------------

def test_data_tables_have_no_private_paths_or_index_ids():
    found = _scan_folder(DATA)
    assert not found, f"machine paths or index ids in src/pathway/data: {json.dumps(found, ensure_ascii=False, indent=1)}"


def test_benchmark_results_have_no_private_paths_or_index_ids():
    found = _scan_folder(BENCH_RESULTS)
    assert not found, f"machine paths or index ids in benchmarks/results: {json.dumps(found, ensure_ascii=False, indent=1)}"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """One fresh run of the bundled 12-day Jiangsu scenario, written to a temporary folder."""
    from pathway.runs.pipeline import run_file

    out = tmp_path_factory.mktemp("run")
    run_file(SCENARIO, out_dir=out)
    return out


def _output_text(path: Path) -> str | None:
    return _text(path)


def test_run_outputs_have_no_private_paths_or_index_ids(run_folder):
    written = [p for p in run_folder.rglob("*") if p.is_file()]
    assert any(p.name == "summary.json" for p in written) and any(p.name == "report.html" for p in written)
    found = _scan_folder(run_folder, _output_text)
    assert not found, f"machine paths or index ids in the run's outputs: {json.dumps(found, ensure_ascii=False, indent=1)}"


def test_summary_scenario_files_are_not_absolute(run_folder):
    """summary.json names the scenario chain relative to the scenario's own folder."""
    data = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))
    hits = [f for f in data.get("scenario_files", []) if offences(str(f)) or Path(str(f)).is_absolute()]
    assert not hits, f"summary.json scenario_files records machine paths: {hits}"
    assert data["scenario_files"] == [SCENARIO.name]
