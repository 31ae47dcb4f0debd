"""The results workbook (XlsxWriter): a summary sheet, one sheet per table, and the lender's
bank sheet whose totals and DSCR are live Excel formulas.

Column names of the tables already carry their units (``emissions_t``, ``capex_cny``,
``energy_mwh`` …) and stay the sheets' headers; number formats follow the unit (CNY with
thousands separators, shares and rates as percentages, DSCR as 0.00x, years as integers; the
cell values stay full precision). The summary sheet has one row per leaf of summary.json
(nested objects flattened into dotted keys, never a Python repr), with its unit and a
readable description. User text is never written as a formula (``strings_to_formulas`` off):
the only formulas are the bank sheet's own, each checked against the Python value before it is
written and cached with that value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

DISPATCH_MAX_ROWS = 100_000  # larger hourly tables stay in CSV only
HEADER_FILL_RGB = "ECEFF1"  # the header's fill (both writers)
THOUSANDS = "#,##0.00"
THOUSANDS_UNITS = ("_cny", "_t", "_mwh", "_cny_per_t", "_cny_per_mwh")
FMT_CNY = "#,##0"
FMT_QUANTITY = "#,##0.0"
FMT_PERCENT = "0.00%"
FMT_RATIO = '0.00"x"'
FMT_YEAR = "0"
FMT_BP = '0.0" bp"'
# in_memory: the XML parts are assembled in memory, not as temporary files (same workbook, faster)
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True, "in_memory": True}
Label = Callable[[str], str]  # a key (``capex_cny``, ``loan``) -> its display label (the message catalogue plugs in here)


def unit_of(field: str) -> str:
    """The unit of a summary field, read from its name's suffix."""
    f = field.split(".")[0]
    for suffix, unit in (("_cny_per_t", "CNY/tCO2"), ("_cny_per_mwh", "CNY/MWh"), ("_cny", "CNY"), ("_mwh", "MWh"),
                         ("_t", "tCO2"), ("_share", "fraction (0-1)"), ("share_target_year", "fraction (0-1)"),
                         ("_sha256", "hex digest")):
        if f.endswith(suffix):
            return unit
    if "dscr" in f:
        return "x (CFADS / debt service)"
    if f.endswith("_rate") or f == "irr":
        return "fraction per year"
    if f.endswith("_bp"):
        return "basis points"
    if f.endswith("_years"):
        return "years"
    if f in ("green_electricity_share",):
        return "fraction (0-1)"
    if f in ("target_year", "base_year"):
        return "year"
    return ""


def number_format(field: str) -> str | None:
    """The Excel number format of a column or summary field, from its name (None: General)."""
    f = field.split(".")[-1] if field.split(".")[-1] and not field.split(".")[-1].isdigit() else field.split(".")[0]
    f = f.lower()
    if "dscr" in f:
        return FMT_RATIO
    if f.endswith(("_share", "share_target_year", "_rate", "_fraction", "loan_to_cost")) or f in ("irr", "green_electricity_share"):
        return FMT_PERCENT
    if f.endswith("_bp"):
        return FMT_BP
    if f in ("year", "base_year", "target_year", "first_year", "last_year", "final_year") or f.endswith("_year"):
        return FMT_YEAR
    if f.endswith(("_cny_per_t", "_cny_per_mwh", "_t", "_mwh", "_kw", "_kwh", "_per_unit")):
        return FMT_QUANTITY
    if f.endswith("_cny"):
        return FMT_CNY
    return None


ACRONYMS = {"dscr": "DSCR", "npv": "NPV", "irr": "IRR", "cfads": "CFADS", "om": "O&M", "bau": "BAU", "ccus": "CCUS",
            "lcoa": "LCOA", "sll": "SLL", "kpi": "KPI", "pv": "PV", "ccer": "CCER", "gec": "GEC", "ppa": "PPA", "mac": "MAC"}
UNIT_SUFFIXES = ("_cny_per_t", "_cny_per_mwh", "_t_per_unit", "_cny", "_mwh", "_kwh", "_kw", "_t", "_sha256")


def catalogue_label(lang: str) -> Label:
    """Labels in ``lang`` from the message catalogue (sections headers, labels, finance, in
    that order), else the English default: the workbook's --lang."""
    from pathway.output.messages import has, msg

    def label(key: str) -> str:
        for section in ("headers", "labels", "finance"):
            if has(section, key):
                return msg(section, key, lang)
        return default_label(key)

    return label


def default_label(key: str) -> str:
    """A readable English label for one key: ``total_cost_npv_cny`` -> ``Total cost npv``
    (the unit goes in its own column), ``2027`` -> ``2027``."""
    k = str(key)
    for suffix in UNIT_SUFFIXES:
        if k.endswith(suffix) and len(k) > len(suffix):
            k = k[: -len(suffix)]
            break
    words = [ACRONYMS.get(w, w) for w in k.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else str(key)


def flatten(value, prefix: str = "") -> list[tuple[str, object]]:
    """(dotted key, scalar) for every leaf: dicts recurse (``loan.settings.tenor_years``), lists
    of scalars become one comma-joined text, lists of dicts recurse with the index as key."""
    if isinstance(value, Mapping):
        out: list[tuple[str, object]] = []
        for k, v in value.items():
            out.extend(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or [(prefix, "")]
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (Mapping, list, tuple)) for v in value):
            return [kv for i, v in enumerate(value) for kv in flatten(v, f"{prefix}.{i}")]
        return [(prefix, ", ".join(map(str, value)))]
    return [(prefix, value)]


def summary_rows(summary: dict, label: Label | None = None) -> pd.DataFrame:
    """One row per leaf of the summary: field (dotted key), value, unit, description."""
    label = label or default_label
    rows = []
    for key, v in flatten(summary):
        parts = key.split(".")
        unit = next((u for u in (unit_of(p) for p in reversed(parts)) if u), "")
        rows.append({"field": key, "value": v, "unit": unit, "description": ", ".join(label(p) for p in parts)})
    return pd.DataFrame(rows, columns=["field", "value", "unit", "description"])


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


def get_column_letter(col: int) -> str:
    """The letters of the 1-based column ``col`` (1 -> A, 27 -> AA), as openpyxl's function of
    that name (kept here so that writing a workbook does not import openpyxl)."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _format_sheet(ws, df: pd.DataFrame) -> None:
    """Header, panes, filter, widths and thousands formats of a sheet written by openpyxl
    (the pages' workbooks, ``pathway.output.pages``)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    defuse_formulas(ws)
    ws.freeze_panes = "A2"
    if ws.max_row > 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL_RGB)
    for cell in ws[1]:
        cell.font = header_font
        cell.fill = header_fill
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




# ---------------------------------------------------------------------------------------
# the XlsxWriter workbook
# ---------------------------------------------------------------------------------------
class _Formats:
    """The workbook's cell formats, created once per workbook."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.header = wb.add_format({"bold": True, "bg_color": "#" + HEADER_FILL_RGB, "valign": "vcenter", "text_wrap": True})
        self._num: dict[str, object] = {}

    def num(self, fmt: str | None):
        if fmt is None:
            return None
        if fmt not in self._num:
            self._num[fmt] = self.wb.add_format({"num_format": fmt})
        return self._num[fmt]


def _width(values: list, col) -> float:
    """A column's width in characters: its header or its longest value among the first 500
    (floats as ``1,234.57``), between 8 and 60."""
    sample = ["" if _blank(v) else (f"{v:,.2f}" if isinstance(v, float) else str(v)) for v in values[:500]]
    return max(8, min(max([len(str(col))] + [len(v) for v in sample]) + 2, 60))


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


INF_TEXT = "inf"  # how an infinite value is written (as text: Excel has no infinity)


def _write_value(ws, i: int, j: int, v) -> None:
    """One cell as pandas' ``to_excel`` wrote it: numbers, booleans and text as such, missing
    values (None, NaN, NA, NaT) as no cell at all, infinities as the text 'inf' / '-inf'
    (Excel has no infinity), anything else as its text."""
    if _blank(v):
        return
    if isinstance(v, (bool, np.bool_)):
        ws.write_boolean(i, j, bool(v))
    elif isinstance(v, (int, np.integer)):
        ws.write_number(i, j, int(v))
    elif isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return
        if math.isinf(v):
            ws.write_string(i, j, INF_TEXT if v > 0 else "-" + INF_TEXT)
        else:
            ws.write_number(i, j, v)
    elif text := str(v):
        ws.write_string(i, j, text)


def _write_column(ws, first_row: int, j: int, values: list) -> None:
    """Column ``j`` from ``first_row`` down, each cell as ``_write_value`` says, with the common
    types (finite floats, ints, text) written directly. Cells carry no format of their own:
    the column's number format applies."""
    number, string = ws.write_number, ws.write_string
    for i, v in enumerate(values, start=first_row):
        t = v.__class__
        if t is float and v - v == 0.0:  # finite (NaN and +-inf fail this)
            number(i, j, v)
        elif t is int:
            number(i, j, v)
        elif t is str and v:
            string(i, j, v)
        else:
            _write_value(ws, i, j, v)


def _write_table(wb, fmts: _Formats, sheet: str, df: pd.DataFrame, start_row: int = 0) -> object:
    """df on its own sheet of the XlsxWriter workbook ``wb``: bold frozen header, autofilter,
    widths, number formats by unit (set on the columns), the values written column by column."""
    ws = wb.add_worksheet(sheet)
    for j, col in enumerate(df.columns):
        ws.write_string(start_row, j, str(col), fmts.header)
    for j, col in enumerate(df.columns):  # column by column, as pandas' to_excel (the shared strings in its order)
        s = df.iloc[:, j]
        values = s.tolist()  # Python scalars (None / NaN / NA where missing)
        _write_column(ws, start_row + 1, j, values)
        fmt = number_format(str(col)) if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) else None
        ws.set_column(j, j, _width(values, col), fmts.num(fmt))
    ws.freeze_panes(start_row + 1, 0)
    if len(df.columns):
        ws.autofilter(start_row, 0, start_row + len(df), len(df.columns) - 1)
    return ws


def _write_summary(wb, fmts: _Formats, summ: pd.DataFrame) -> None:
    """The summary sheet: each value with the number format of its field."""
    ws = _write_table(wb, fmts, "summary", summ)
    for i, (field, value) in enumerate(zip(summ.field, summ.value), start=1):
        fmt = number_format(str(field))
        if fmt and isinstance(value, (int, float)) and not isinstance(value, bool) and not _blank(value):
            ws.write_number(i, 1, float(value), fmts.num(fmt))
    ws.set_column(1, 1, 22)
    ws.set_column(3, 3, 48)


# --- the bank sheet ---------------------------------------------------------------------
# Each rule: column it computes, Excel template over other columns of the same row ({col}) or
# of the row before ({prev.col}), and the same formula in Python. A rule is written as a
# formula only where every input column exists and it reproduces the Python value on every
# row (to 1e-6, relative); otherwise the column stays values. New columns from the finance
# tables flow in as values; a new identity is one line here.
BANK_FORMULAS: list[tuple[str, str, Callable[[Mapping], float]]] = [
    # the loan (pathway.finance.loan.amortise): draws bear half a year's interest in their year;
    # capitalised interest during construction is added to the balance, not paid
    ("interest_cny", "({opening_balance_cny}+{drawdown_cny}/2)*{interest_rate}",
     lambda r: (r["opening_balance_cny"] + r["drawdown_cny"] / 2) * r["interest_rate"]),
    ("debt_service_cny", "{interest_cny}+{principal_cny}-{capitalised_interest_cny}",
     lambda r: r["interest_cny"] + r["principal_cny"] - r["capitalised_interest_cny"]),
    ("closing_balance_cny", "{opening_balance_cny}+{drawdown_cny}+{capitalised_interest_cny}-{principal_cny}",
     lambda r: r["opening_balance_cny"] + r["drawdown_cny"] + r["capitalised_interest_cny"] - r["principal_cny"]),
    ("opening_balance_cny", "{prev.closing_balance_cny}", lambda r: r["prev.closing_balance_cny"]),
    # the plan's cash flows (pathway.finance.cashflows; real CNY): CFADS after income tax
    ("cfads_pre_tax_cny", "{energy_savings_cny}+{avoided_carbon_cost_cny}-{added_om_cny}-{purchases_cny}",
     lambda r: r["energy_savings_cny"] + r["avoided_carbon_cost_cny"] - r["added_om_cny"] - r["purchases_cny"]),
    ("cfads_cny", "{cfads_pre_tax_cny}-{income_tax_cny}", lambda r: r["cfads_pre_tax_cny"] - r["income_tax_cny"]),
    ("net_cash_flow_cny", "{cfads_cny}-{capex_cny}+{subsidies_cny}+{bau_capex_avoided_cny}",
     lambda r: r["cfads_cny"] - r["capex_cny"] + r["subsidies_cny"] + r["bau_capex_avoided_cny"]),
    # the covenant: the loan's (nominal) CFADS over its debt service
    ("dscr", "IF({debt_service_cny}>0,{loan_cfads_nominal_cny}/{debt_service_cny},\"\")",
     lambda r: r["loan_cfads_nominal_cny"] / r["debt_service_cny"] if r["debt_service_cny"] > 0 else math.nan),
    ("headroom_share", "IF({debt_service_cny}>0,{dscr}/{covenant_dscr}-1,\"\")",
     lambda r: r["dscr"] / r["covenant_dscr"] - 1 if r["debt_service_cny"] > 0 else math.nan),
]
_REF = re.compile(r"\{(prev\.)?(\w+)\}")
BANK_TOTALS_SHEET = "bank_totals"


def _close(a: float, b: float) -> bool:
    if _blank(a) or _blank(b):
        return _blank(a) and _blank(b)
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def bank_formula_cells(bank: pd.DataFrame) -> dict[tuple[int, str], str]:
    """(row index, column) -> Excel formula (without '=', A1 refs on the bank sheet, data from
    row 2) for every cell a rule computes and verifiably reproduces."""
    cols = list(bank.columns)
    letter = {c: get_column_letter(j + 1) for j, c in enumerate(cols)}
    cells: dict[tuple[int, str], str] = {}
    for target, template, fn in BANK_FORMULAS:
        refs = _REF.findall(template)
        if target not in letter or any(c not in letter for _, c in refs):
            continue
        rows = []
        for i in range(len(bank)):
            if _blank(bank[target].iloc[i]):
                continue
            if any(p and i == 0 for p, _ in refs):
                continue
            vals = {("prev." if p else "") + c: bank[c].iloc[i - 1 if p else i] for p, c in refs}
            if any(_blank(v) for v in vals.values()):
                continue
            rows.append((i, vals))
        if not rows or not all(_close(fn(v), bank[target].iloc[i]) for i, v in rows):
            continue
        for i, _ in rows:
            cells[(i, target)] = _REF.sub(lambda m: f"{letter[m.group(2)]}{i + 1 + (1 if not m.group(1) else 0)}", template)
    return cells


def _write_bank(wb, fmts: _Formats, bank: pd.DataFrame, label: Label) -> None:
    """The bank sheet (values, with the verified identities as live formulas cached with the
    Python value) and the bank_totals sheet: SUM of every CNY / tonne column and the minimum
    and mean DSCR, as formulas over the bank sheet's rows."""
    ws = _write_table(wb, fmts, "bank", bank)
    for (i, col), formula in bank_formula_cells(bank).items():
        j = bank.columns.get_loc(col)
        v = bank[col].iloc[i]
        fmt = fmts.num(number_format(col))
        ws.write_formula(i + 1, j, "=" + formula, fmt, "" if _blank(v) else float(v))
    n = len(bank)
    rows = []
    for j, col in enumerate(bank.columns):
        rng = f"bank!{get_column_letter(j + 1)}2:{get_column_letter(j + 1)}{n + 1}"
        series = pd.to_numeric(bank[col], errors="coerce") if col != "year" else None
        if series is None or series.notna().sum() == 0:
            continue
        if (str(col).endswith("_cny") and not str(col).endswith("balance_cny")) or col == "emissions_t":
            rows.append((f"total {label(col)}", col, f"SUM({rng})", float(series.sum())))
        if col == "dscr":
            rows.append((f"minimum {label(col)}", col, f"MIN({rng})", float(series.min())))
            rows.append((f"average {label(col)}", col, f"AVERAGE({rng})", float(series.mean())))
    tot = pd.DataFrame([(m, c, unit_of(c)) for m, c, _, _ in rows], columns=["measure", "column", "unit"])
    tot.insert(2, "value", [v for *_, v in rows])
    wt = _write_table(wb, fmts, BANK_TOTALS_SHEET, tot)
    for i, (_, col, formula, v) in enumerate(rows, start=1):
        wt.write_formula(i, 2, "=" + formula, fmts.num(number_format(col)), v)
    wt.set_column(2, 2, 20)


def write_workbook(path: Path, summary: dict, tables: dict[str, pd.DataFrame], label: Label | None = None) -> None:
    """summary sheet first, then one sheet per table (sheet name = table name), then the bank
    sheet and its totals when the run has finance tables. ``label`` maps a key to its display
    label (default: English from the key)."""
    label = label or default_label
    summ = summary_rows(summary, label)
    skipped = {n: len(df) for n, df in tables.items() if n == "dispatch" and len(df) > DISPATCH_MAX_ROWS}
    notes = [{"field": f"sheet {n}", "value": f"not in the workbook ({rows:,} rows): see tables/{n}.csv", "unit": "",
              "description": ""} for n, rows in skipped.items()]
    if notes:
        summ = pd.concat([summ, pd.DataFrame(notes, columns=summ.columns)], ignore_index=True)
    from xlsxwriter import Workbook

    from pathway.output.finance_section import (
        bank_sheet,  # lender's sheet: loan schedule, cash flows, SLL KPI (if any)
    )

    with Workbook(str(path), WORKBOOK_OPTIONS) as wb:
        fmts = _Formats(wb)
        _write_summary(wb, fmts, summ)
        for name, df in tables.items():
            if name not in skipped:
                _write_table(wb, fmts, name[:31], df)
        if len(bank := bank_sheet(dict(tables))):
            _write_bank(wb, fmts, bank.reset_index(drop=True), label)
