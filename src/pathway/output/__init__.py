"""The one writer and reader of an output folder, and everything a person reads: charts,
the HTML report, the workbook, labels and translations. Pandas and plotly only (no Pyomo)."""
