"""The output folder of a run: the one place that writes it and reads it back.

Layout (public contract): ``summary.json``, ``tables/<name>.csv``, ``results.xlsx``,
``report.html``; ``diagnosis.json`` when the target cannot be met. A run is written into
a temporary folder beside ``--out`` and moved into place only when complete, so an
interrupted write never leaves a half-written run."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from pathway.errors import PathwayError
from pathway.files import write_json

OWNED = ("tables", "summary.json", "results.xlsx", "report.html", "diagnosis.json")  # what a run replaces in --out
REQUIRED_TABLES = ("pathway", "emissions", "abatement", "capex", "capacity", "costs", "energy_balance", "dispatch")
FINANCE_INPUT_TABLES = ("capex", "costs", "energy_balance", "abatement", "pathway", "capacity",
                        "bau_costs", "bau_pathway", "finance_assets")  # what `pathway finance` reads back


class ReportInputError(PathwayError):
    """A results folder that cannot be reported on (missing or unreadable files): exit 2."""

    exit_code = 2


def write_run(out_dir: str | Path, summary: dict, tables: dict[str, pd.DataFrame], report: bool = True,
              excel: bool = True, lang: str = "en") -> None:
    """Write summary.json, tables/*.csv, results.xlsx and report.html, all or nothing."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".pathway-", dir=out_dir.parent))
    try:
        (tmp / "tables").mkdir()
        for name, df in tables.items():
            df.to_csv(tmp / "tables" / f"{name}.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        if excel:
            from pathway.output.excel import write_workbook

            write_workbook(tmp / "results.xlsx", summary, tables)
        if report:
            from pathway.output.report import write_report

            write_report(tmp / "report.html", summary, tables, lang=lang)
        if out_dir.exists():
            for child in OWNED:
                p = out_dir / child
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
        out_dir.mkdir(parents=True, exist_ok=True)
        for child in tmp.iterdir():
            shutil.move(str(child), out_dir / child.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_diagnosis(diag: dict, out_dir: str | Path) -> Path:
    """Write ``diagnosis.json`` (an unreachable target's explanation) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    p = out_dir / "diagnosis.json"
    write_json(p, diag)
    return p


def read_tables(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read ``DIR/tables/*.csv`` back into the dict the figures take."""
    folder = Path(out_dir) / "tables"
    return {p.stem: pd.read_csv(p) for p in sorted(folder.glob("*.csv"))}


def load_results(out_dir: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Read ``summary.json`` and ``tables/*.csv`` written by ``pathway run`` (for the report);
    raise ReportInputError naming what is missing or unreadable."""
    d = Path(out_dir)
    if not d.is_dir():
        raise ReportInputError(f"{d}: no such results folder (expected the --out folder of 'pathway run')")
    sp = d / "summary.json"
    if not sp.is_file():
        raise ReportInputError(f"{sp}: missing; is {d} the --out folder of 'pathway run'?")
    try:
        summary = json.loads(sp.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{sp}: not valid JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise ReportInputError(f"{sp}: expected a JSON object")
    missing = [n for n in REQUIRED_TABLES if not (d / "tables" / f"{n}.csv").is_file()]
    if missing:
        raise ReportInputError(f"{d / 'tables'}: missing {', '.join(n + '.csv' for n in missing)}")
    try:
        tables = read_tables(d)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{d / 'tables'}: unreadable CSV ({exc})") from None
    for n in REQUIRED_TABLES:
        if "year" not in tables[n].columns:
            raise ReportInputError(f"{d / 'tables' / (n + '.csv')}: no 'year' column; not a pathway results table")
    return summary, tables


def read_saved(out_dir: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """summary.json and the tables finance needs from a saved run folder."""
    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    tables = {n: pd.read_csv(out_dir / "tables" / f"{n}.csv") for n in FINANCE_INPUT_TABLES
              if (out_dir / "tables" / f"{n}.csv").exists()}
    return summary, tables
