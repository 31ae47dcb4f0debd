"""The results workbook: a summary sheet plus one sheet per table, units in headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SKIP_IN_WORKBOOK = {"dispatch"}  # hourly detail stays in CSV (can exceed Excel's row limit)


def write_workbook(path: Path, summary: dict, tables: dict[str, pd.DataFrame]) -> None:
    rows = []
    for k, v in summary.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                rows.append({"field": f"{k}.{kk}", "value": vv})
        else:
            rows.append({"field": k, "value": v if not isinstance(v, list) else ", ".join(map(str, v))})
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame(rows).to_excel(xl, sheet_name="summary", index=False)
        for name, df in tables.items():
            if name in SKIP_IN_WORKBOOK:
                continue
            df.to_excel(xl, sheet_name=name[:31], index=False)
