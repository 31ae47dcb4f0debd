"""The figures as plain dicts (pathway.output.figspec): what the report embeds is what plotly's
validated Figure holds, subplot grids are make_subplots' own, and the JSON is plotly.io's."""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly
from plotly.subplots import make_subplots

from pathway.output import charts, figspec
from pathway.output.figspec import FigureSpec
from pathway.output.finance_section import _service_figure
from pathway.output.report import report_html
from pathway.runs.pipeline import write_outputs


def plain(o):
    """A figure dict comparable across the two routes: typed arrays decoded, arrays as lists,
    numbers as floats, NaN as None (plotly.js draws both as a gap)."""
    if isinstance(o, dict):
        if {"dtype", "bdata"} <= set(o):
            return plain(np.frombuffer(base64.b64decode(o["bdata"]), dtype=np.dtype(o["dtype"])).tolist())
        return {k: plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [plain(v) for v in o]
    if isinstance(o, np.ndarray):
        return plain(o.tolist())
    if isinstance(o, np.generic):
        return plain(o.item())
    if isinstance(o, bool) or o is None or isinstance(o, str):
        return o
    if isinstance(o, (int, float)):
        return None if isinstance(o, float) and math.isnan(o) else float(o)
    return o


@pytest.fixture(scope="module")
def specs(auto_parts_result):
    s = auto_parts_result.summary
    return charts.all_specs(auto_parts_result.tables, target_year=s["target_year"], base_year=s["base_year"])


def test_every_report_figure_is_what_plotly_validates_it_to(specs, auto_parts_result):
    # plotly's validation of the spec's dict changes nothing: titles, magic underscores,
    # subplot axes and templates are already in the form the Figure holds
    assert list(specs) == ["pathway", "waterfall", "macc", "capex", "energy_mix", "dispatch", "capacity"]
    for key, spec in specs.items():
        d = spec.to_dict()
        assert plain(go.Figure(d).to_dict()) == plain(d), key
        assert len(d["data"]) >= 2 and d["layout"]["template"]["layout"]["plot_bgcolor"] == "white", key
    fin = _service_figure(auto_parts_result.tables)
    assert plain(go.Figure(fin.to_dict()).to_dict()) == plain(fin.to_dict())


def test_public_chart_functions_still_return_plotly_figures(auto_parts_result, specs):
    fig = charts.dispatch_day(auto_parts_result.tables, year=auto_parts_result.summary["target_year"])
    assert isinstance(fig, go.Figure)
    assert plain(fig.to_dict()) == plain(specs["dispatch"].to_dict())
    figs = charts.all_figures(auto_parts_result.tables, target_year=auto_parts_result.summary["target_year"],
                              base_year=auto_parts_result.summary["base_year"])
    assert all(isinstance(f, go.Figure) for f in figs.values()) and list(figs) == list(specs)


@pytest.mark.parametrize("rows", [1, 2, 3, 5])
def test_shared_x_rows_are_make_subplots_layout(rows):
    ref = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    ref.add_bar(x=[1], y=[2], row=rows, col=1)
    ref.update_yaxes(title_text="t", row=1, col=1)
    ref.update_xaxes(dtick=1)
    spec = FigureSpec.subplots(rows=rows, shared_xaxes=True, vertical_spacing=0.08)
    spec.add_bar(x=[1], y=[2], row=rows, col=1)
    spec.update_yaxes(title_text="t", row=1, col=1)
    spec.update_xaxes(dtick=1)
    assert spec.to_dict() == ref.to_dict()  # exact: the same floats for every domain


def test_secondary_y_is_make_subplots_layout():
    ref = make_subplots(specs=[[{"secondary_y": True}]])
    ref.add_bar(x=[1], y=[2], secondary_y=False)
    ref.add_scatter(x=[1], y=[3], secondary_y=True)
    ref.update_yaxes(title_text="right", secondary_y=True)
    spec = FigureSpec.subplots(secondary_y=True)
    spec.add_bar(x=[1], y=[2], secondary_y=False)
    spec.add_scatter(x=[1], y=[3], secondary_y=True)
    spec.update_yaxes(title_text="right", secondary_y=True)
    assert spec.to_dict() == ref.to_dict()
    assert spec.layout["xaxis"]["domain"] == [0.0, 0.94] and spec.data[1]["yaxis"] == "y2"


def test_updates_merge_and_magic_underscores_nest():
    spec = FigureSpec()
    spec.update_layout(title=dict(text="a", x=0.01), margin=dict(l=1, t=2))
    spec.update_layout(title_text="", margin_t=30, xaxis=dict(title="year"))
    assert spec.layout["title"] == {"text": "", "x": 0.01}
    assert spec.layout["margin"] == {"l": 1, "t": 30}
    assert spec.layout["xaxis"] == {"title": {"text": "year"}}
    tr = figspec.bar(x=(1, 2), marker_pattern_shape="x", marker_color="#000000")
    assert tr == {"type": "bar", "x": [1, 2], "marker": {"pattern": {"shape": "x"}, "color": "#000000"}}
    passed = dict(color="red")
    spec.add_annotation(text="n", font=passed)
    spec.layout["annotations"][0]["font"]["color"] = "blue"
    assert passed == {"color": "red"}  # the spec holds its own copy


def test_json_is_plotly_io_json():
    value = {"data": [{"type": "scatter", "x": [2027, 2028], "y": [1.5, float("nan")], "name": "电</script>",
                       "hovertemplate": "<b>%{y}</b>", "meta": {"ok": True, "none": None, "inf": float("inf")}}],
             "layout": {"title": {"text": "a/b > c"}}}
    assert figspec.to_json(value) == to_json_plotly(value)
    text = figspec.to_json({"y": np.array([1.0, np.nan]), "n": np.int64(3), "z": np.float64(0.5)})
    assert json.loads(text) == {"y": [1.0, None], "n": 3, "z": 0.5}
    assert "</" not in figspec.to_json({"t": "</script><script>alert(1)</script>"})


def test_report_embeds_the_specs(auto_parts_result, specs):
    html = report_html(auto_parts_result.summary, auto_parts_result.tables)
    m = re.search(r'Plotly\.newPlot\(\s*"chart-macc",\s*', html)
    data, _ = json.JSONDecoder().raw_decode(html, m.end())
    assert plain(data) == plain(specs["macc"].data)


def test_writing_the_report_builds_no_plotly_figure(auto_parts_result, tmp_path):
    # the run's report (figures and finance chart) is serialised from dicts: plotly's Figure
    # classes and validators are never loaded (they were most of the write time)
    write_outputs(auto_parts_result, tmp_path / "run", report=False, excel=False)
    code = ("import sys; from pathway.output.folder import load_results; from pathway.output.report import report_html; "
            f"s, t = load_results({str(tmp_path / 'run')!r}); h = report_html(s, t); "
            "print(len(h) > 100000, 'plotly.graph_objs._figure' in sys.modules, 'plotly.validator_cache' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "False"]


def test_parallel_write_is_the_same_folder_and_raises_the_childs_error(auto_parts_result, tmp_path, monkeypatch):
    from pathway.errors import OutputPathError
    from pathway.output import folder

    write_outputs(auto_parts_result, tmp_path / "seq")
    write_outputs(auto_parts_result, tmp_path / "par", parallel=True)
    seq = sorted(p.relative_to(tmp_path / "seq").as_posix() for p in (tmp_path / "seq").rglob("*"))
    par = sorted(p.relative_to(tmp_path / "par").as_posix() for p in (tmp_path / "par").rglob("*"))
    assert seq == par and "results.xlsx" in par and "report.html" in par
    for name in ("summary.json", "report.html", "tables/dispatch.csv"):
        assert (tmp_path / "seq" / name).read_bytes() == (tmp_path / "par" / name).read_bytes(), name

    def full(path, *a):  # the workbook writer (in the forked child) hits a full disk
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(folder, "_write_workbook", full)
    with pytest.raises(OutputPathError, match="No space left on device"):
        write_outputs(auto_parts_result, tmp_path / "par", parallel=True)
    assert (tmp_path / "par" / "results.xlsx").exists()  # the previous run's files stay whole
    assert not list(tmp_path.glob(".pathway-*"))
