"""The results workbook: a summary sheet plus one sheet per table, units in headers.

Column names of the tables already carry their units (``emissions_t``, ``capex_cny``,
``energy_mwh`` …); the summary sheet has a unit column. Headers are bold and frozen,
columns sized to their content, and money / tonnes / MWh shown with thousands
separators (the cell values stay full precision).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

DISPATCH_MAX_ROWS = 100_000  # larger hourly tables stay in CSV only (openpyxl writes ~1e5 cells/s)
HEADER_FILL = PatternFill("solid", fgColor="ECEFF1")
HEADER_FONT = Font(bold=True)
THOUSANDS = "#,##0.00"
THOUSANDS_UNITS = ("_cny", "_t", "_mwh", "_cny_per_t", "_cny_per_mwh")


def unit_of(field: str) -> str:
    """The unit of a summary field, read from its name's suffix."""
    f = field.split(".")[0]
    for suffix, unit in (("_cny_per_t", "CNY/tCO2"), ("_cny_per_mwh", "CNY/MWh"), ("_cny", "CNY"), ("_mwh", "MWh"),
                         ("_t", "tCO2"), ("_share", "fraction (0-1)"), ("share_target_year", "fraction (0-1)"),
                         ("_sha256", "hex digest")):
        if f.endswith(suffix):
            return unit
    if f in ("green_electricity_share",):
        return "fraction (0-1)"
    if f in ("target_year", "base_year"):
        return "year"
    return ""


def summary_rows(summary: dict) -> pd.DataFrame:
    rows = []
    for k, v in summary.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                if isinstance(vv, dict):
                    vv = ", ".join(f"{a}={b}" for a, b in vv.items())
                rows.append({"field": f"{k}.{kk}", "value": vv, "unit": unit_of(k)})
        else:
            rows.append({"field": k, "value": v if not isinstance(v, list) else ", ".join(map(str, v)), "unit": unit_of(k)})
    return pd.DataFrame(rows, columns=["field", "value", "unit"])


def defuse_formulas(ws) -> int:
    """Store every cell that would be read as a formula (text starting with '=', written from
    a scenario or factory name, say) as plain text: pathway writes no formulas, so none may
    come from user text. Returns how many cells were defused."""
    n = 0
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
                n += 1
    return n


def _format_sheet(ws, df: pd.DataFrame) -> None:
    defuse_formulas(ws)
    ws.freeze_panes = "A2"
    if ws.max_row > 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    sample = df.head(500)
    for j, col in enumerate(df.columns, start=1):
        values = sample[col].map(lambda v: "" if pd.isna(v) else (f"{v:,.2f}" if isinstance(v, float) else str(v)))
        width = max([len(str(col))] + [len(v) for v in values]) + 2
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(width, 60))
        name = str(col)
        if pd.api.types.is_float_dtype(df[col]) and name.endswith(THOUSANDS_UNITS):
            for (cell,) in ws.iter_rows(min_row=2, max_row=ws.max_row, min_col=j, max_col=j):
                cell.number_format = THOUSANDS


def write_workbook(path: Path, summary: dict, tables: dict[str, pd.DataFrame]) -> None:
    """summary sheet first, then one sheet per table (sheet name = table name)."""
    summ = summary_rows(summary)
    notes = []
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        skipped = {n: len(df) for n, df in tables.items() if n == "dispatch" and len(df) > DISPATCH_MAX_ROWS}
        for n, rows in skipped.items():
            notes.append({"field": f"sheet {n}", "value": f"not in the workbook ({rows:,} rows): see tables/{n}.csv", "unit": ""})
        summ = pd.concat([summ, pd.DataFrame(notes, columns=summ.columns)], ignore_index=True) if notes else summ
        summ.to_excel(xl, sheet_name="summary", index=False)
        _format_sheet(xl.sheets["summary"], summ)
        xl.sheets["summary"].column_dimensions["B"].width = 40
        for name, df in tables.items():
            if name in skipped:
                continue
            sheet = name[:31]
            df.to_excel(xl, sheet_name=sheet, index=False)
            _format_sheet(xl.sheets[sheet], df)
        from pathway.output.finance_section import (
            bank_sheet,  # lender's sheet: loan schedule, cash flows, SLL KPI (if any)
        )

        if len(bank := bank_sheet(dict(tables))):
            bank.to_excel(xl, sheet_name="bank", index=False)
            _format_sheet(xl.sheets["bank"], bank)
