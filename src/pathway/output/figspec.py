"""Plotly figures as plain dicts: the charts' builder, without plotly's per-property validation.

:class:`FigureSpec` records what a chart function does to a figure — ``add_trace``,
``update_layout`` (magic underscores: ``marker_color`` is ``marker.color``), ``add_shape``,
``add_annotation``, ``add_vline``, ``update_xaxes`` / ``update_yaxes`` and the subplot grids
the charts use (:meth:`FigureSpec.subplots`: rows sharing the x axis; one cell with a
secondary y axis) — into the dict plotly.js draws (``data``, ``layout``). The report
serialises that dict straight to its JSON (:meth:`FigureSpec.to_html`); a caller that wants
a ``plotly.graph_objects.Figure`` (notebooks, ``pathway export``, the tests) gets one from
:meth:`FigureSpec.figure`, which validates the same dict once.

The dict is what the validated Figure would hold: titles given as text become
``{"text": ...}``, subplot axes carry the domains, anchors and ``matches`` plotly's
``make_subplots`` computes (same arithmetic), traces in a grid name their axes, and the
layout's template is the one named (read from plotly's own template file).
"""

from __future__ import annotations

import copy
import json
from functools import cache

import numpy as np

TEMPLATE = "plotly_white"


@cache
def _template_json(name: str) -> str:
    from importlib.resources import files

    return files("plotly").joinpath("package_data", "templates", f"{name}.json").read_text(encoding="utf-8")


def template(name: str = TEMPLATE) -> dict:
    """plotly's template ``name`` as a dict (a fresh copy each call)."""
    return json.loads(_template_json(name))


def _set(d: dict, key: str, value) -> None:
    """``d[key] = value`` with plotly's update semantics: a dict merges into the dict already
    there (recursively), anything else replaces it; a ``title`` given as text is ``{"text": ...}``."""
    if key == "title" and isinstance(value, str):
        value = {"text": value}
    if isinstance(value, dict) and isinstance(d.get(key), dict):
        for k, v in value.items():
            _set(d[key], k, v)
    else:
        d[key] = _plain(value)


def _plain(value):
    """A fresh container for the spec (dicts and lists copied, so later updates of the spec do
    not change what the caller passed; tuples become lists; arrays stay arrays)."""
    if isinstance(value, dict):
        out: dict = {}
        for k, v in value.items():
            _set(out, k, v)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def update(d: dict, kw: dict) -> dict:
    """Apply keyword updates to ``d`` in place, magic underscores expanded
    (``marker_pattern_shape="x"`` is ``marker.pattern.shape``); returns ``d``."""
    for key, value in kw.items():
        parts = key.split("_")
        target = d
        for p in parts[:-1]:
            if not isinstance(target.get(p), dict):
                target[p] = {}
            target = target[p]
        _set(target, parts[-1], value)
    return d


def trace(kind: str, **kw) -> dict:
    """A trace of type ``kind`` (``bar``, ``scatter``) as a dict; keyword arguments as for
    ``plotly.graph_objects.Bar`` / ``Scatter`` (magic underscores included)."""
    return update({"type": kind}, kw)


def bar(**kw) -> dict:
    return trace("bar", **kw)


def scatter(**kw) -> dict:
    return trace("scatter", **kw)


def _axis_name(letter: str, n: int) -> str:
    return f"{letter}axis" if n == 1 else f"{letter}axis{n}"


def _axis_ref(letter: str, n: int) -> str:
    return letter if n == 1 else f"{letter}{n}"


class FigureSpec:
    """A figure as plain ``data`` (list of trace dicts) and ``layout`` (dict); see the module."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self.layout: dict = {}
        self._grid: list[list[tuple[int, int, int | None]]] | None = None  # [row][col] -> (x n, y n, secondary y n)

    # --- subplot grids ----------------------------------------------------------------------
    @classmethod
    def subplots(cls, rows: int = 1, shared_xaxes: bool = False, vertical_spacing: float | None = None,
                 secondary_y: bool = False) -> FigureSpec:
        """A one-column grid of ``rows`` subplots (row 1 on top), as ``make_subplots(rows=rows,
        cols=1, shared_xaxes=..., vertical_spacing=...)``; with ``secondary_y`` (one row only) a
        second y axis on the right, as ``make_subplots(specs=[[{"secondary_y": True}]])``."""
        if secondary_y and rows != 1:
            raise ValueError("secondary_y is supported on a single subplot")
        spacing = (0.3 / rows) if vertical_spacing is None else vertical_spacing
        fig = cls()
        fig.layout["template"] = template("plotly")  # make_subplots' figure starts with the default template
        width = 0.94 if secondary_y else 1.0  # plotly leaves room for the right axis
        heights = [(1.0 - spacing * (rows - 1)) / rows] * rows
        offsets = [sum(heights[:r]) + r * spacing for r in range(rows)][::-1]  # row 1 (top) first
        grid = []
        for r in range(rows):
            y_s, y_e = offsets[r], offsets[r] + heights[-1 - r]
            y_s = min(max(y_s, 0.0), 1.0)
            y_e = min(max(y_e, 0.0), 1.0)
            n = r + 1
            fig.layout[_axis_name("x", n)] = {"anchor": _axis_ref("y", n), "domain": [0.0, width]}
            fig.layout[_axis_name("y", n)] = {"anchor": _axis_ref("x", n), "domain": [y_s, y_e]}
            grid.append([(n, n, None)])
        if secondary_y:
            fig.layout["yaxis2"] = {"anchor": "x", "overlaying": "y", "side": "right"}
            grid[0][0] = (1, 1, 2)
        if shared_xaxes and rows > 1:
            for n in range(1, rows):
                fig.layout[_axis_name("x", n)].update(matches=_axis_ref("x", rows), showticklabels=False)
        fig._grid = grid
        return fig

    def _cell(self, row, col) -> tuple[int, int, int | None]:
        if self._grid is None:
            raise ValueError("row/col need a figure made by FigureSpec.subplots")
        return self._grid[(row or 1) - 1][(col or 1) - 1]

    # --- traces, shapes, annotations ------------------------------------------------------------
    def add_trace(self, tr: dict, row: int | None = None, col: int | None = None,
                  secondary_y: bool | None = None) -> FigureSpec:
        tr = _plain(tr)
        if self._grid is not None and (row is not None or col is not None or secondary_y is not None):
            x, y, y2 = self._cell(row, col)
            tr["xaxis"] = _axis_ref("x", x)
            tr["yaxis"] = _axis_ref("y", y2 if secondary_y and y2 else y)
        self.data.append(tr)
        return self

    def add_bar(self, row: int | None = None, col: int | None = None, secondary_y: bool | None = None, **kw) -> FigureSpec:
        return self.add_trace(bar(**kw), row, col, secondary_y)

    def add_scatter(self, row: int | None = None, col: int | None = None, secondary_y: bool | None = None,
                    **kw) -> FigureSpec:
        return self.add_trace(scatter(**kw), row, col, secondary_y)

    def add_shape(self, **kw) -> FigureSpec:
        self.layout.setdefault("shapes", []).append(update({}, kw))
        return self

    def add_annotation(self, **kw) -> FigureSpec:
        self.layout.setdefault("annotations", []).append(update({}, kw))
        return self

    def add_vline(self, x, **kw) -> FigureSpec:
        """A vertical line at ``x`` across the plot's height (on a plain figure)."""
        return self.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", **kw)

    # --- layout -------------------------------------------------------------------------------------
    def update_layout(self, **kw) -> FigureSpec:
        update(self.layout, kw)
        return self

    def _axes(self, letter: str, row, col, secondary_y) -> list[str]:
        if self._grid is None:
            return [_axis_name(letter, 1)]
        if row is None and col is None and secondary_y is None:
            names = [k for k in self.layout if k.startswith(f"{letter}axis")]
            return sorted(names, key=lambda k: int(k[5:] or 1))
        x, y, y2 = self._cell(row, col)
        if letter == "x":
            return [_axis_name("x", x)]
        return [_axis_name("y", y2 if secondary_y and y2 else y)]

    def update_xaxes(self, row: int | None = None, col: int | None = None, **kw) -> FigureSpec:
        for name in self._axes("x", row, col, None):
            update(self.layout.setdefault(name, {}), kw)
        return self

    def update_yaxes(self, row: int | None = None, col: int | None = None, secondary_y: bool | None = None,
                     **kw) -> FigureSpec:
        for name in self._axes("y", row, col, secondary_y):
            update(self.layout.setdefault(name, {}), kw)
        return self

    # --- output -------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}`` (a deep copy)."""
        return {"data": copy.deepcopy(self.data), "layout": copy.deepcopy(self.layout)}

    def to_json(self) -> str:
        """The figure as plotly.io's JSON (``{"data": [...], "layout": {...}}``, see :func:`to_json`)."""
        return to_json({"data": self.data, "layout": self.layout})

    def figure(self):
        """The ``plotly.graph_objects.Figure`` of this spec (validated by plotly)."""
        import plotly.graph_objects as go

        return go.Figure(self.to_dict())


def set_template(layout: dict, name: str = TEMPLATE) -> None:
    """``layout.template`` as ``update_layout(template=name)`` sets it on a Figure: the named
    template replaces the one there."""
    layout["template"] = template(name)


class _Encoder(json.JSONEncoder):
    """numpy arrays and scalars as JSON lists and numbers."""

    def default(self, o):
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        return super().default(o)


_SWAP = (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f"))  # as plotly.io's JSON: no '</script>' in a page


def to_json(value) -> str:
    """Compact JSON of a spec's part as plotly.io writes it: numpy values as numbers, NaN and
    infinities as null, non-ASCII as \\u escapes, and '<', '>', '/' escaped so that no string
    can close the page's script element."""
    text = json.dumps(value, cls=_Encoder, separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:  # only then: read back with the constants as null
        text = json.dumps(json.loads(text, parse_constant=lambda _c: None), separators=(",", ":"))
    for unsafe, safe in _SWAP:
        if unsafe in text:
            text = text.replace(unsafe, safe)
    return text
