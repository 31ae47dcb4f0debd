"""Dotted paths into a scenario (``prices.gec_cny_per_mwh``, ``baseline.heat_loads.0.fuel_share``,
``target.trajectory.2027``) for sweeps and Monte Carlo.

* ``field_kind`` walks a pydantic model (the scenario's, see ``pathway.scenario.fields``)
  and says whether a path names a field (and whether the field is a number), so a typo
  is caught before any run starts.
* ``overrides_for`` turns ``{path: value}`` into the nested overrides that
  ``load_scenario(path, overrides=...)`` deep-merges. Mappings merge key by key; a list
  item is addressed by its index, and the override then carries the whole list (the
  base's list with that item changed), because a merge replaces lists whole.
* ``parse_assignment`` reads a CLI ``--set PATH=V1,V2,…`` (each value read as YAML:
  ``5`` is a number, ``true`` a boolean, ``null`` clears an override).
"""

from __future__ import annotations

import copy
import re
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel

PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_\-]+)*$")


class PathError(ValueError):
    """A dotted path that does not name a scenario field."""


def _unwrap(ann) -> list:
    """The candidate types of an annotation (Optional/Union/Annotated opened up)."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(ann)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for a in typing.get_args(ann):
            if a is not type(None):
                out.extend(_unwrap(a))
        return out
    return [ann]


def _leaf_kind(cands: list) -> str:
    kinds = set()
    for c in cands:
        if c is bool:
            kinds.add("bool")
        elif c is int:
            kinds.add("int")
        elif c is float:
            kinds.add("float")
        else:
            kinds.add("other")
    if kinds <= {"int"}:
        return "int"
    if kinds <= {"int", "float"}:
        return "float"
    return "other" if len(kinds) != 1 else kinds.pop()


def field_kind(root: type[BaseModel], path: str) -> str:
    """Check that ``path`` names a field of the model ``root``; return its kind: 'float',
    'int', 'bool' or 'other' (text, choices, mappings). Raises PathError saying what is wrong."""
    if not isinstance(path, str) or not PATH_RE.match(path):
        raise PathError(f"'{path}' is not a dotted field path (e.g. prices.gec_cny_per_mwh)")
    parts = path.split(".")
    cands: list = [root]
    done: list[str] = []
    for part in parts:
        nxt: list = []
        allowed: list[str] = []
        for c in cands:
            origin = typing.get_origin(c)
            if isinstance(c, type) and issubclass(c, BaseModel):
                allowed.extend(c.model_fields)
                if part in c.model_fields:
                    nxt.extend(_unwrap(c.model_fields[part].annotation))
            elif origin is dict:
                k, v = typing.get_args(c)
                key_ok = True
                if typing.get_origin(k) is typing.Literal:
                    allowed.extend(str(a) for a in typing.get_args(k))
                    key_ok = part in typing.get_args(k)
                elif k is int:
                    key_ok = part.lstrip("-").isdigit()
                if key_ok:
                    nxt.extend(_unwrap(v))
            elif origin is list:
                if part.isdigit():
                    nxt.extend(_unwrap(typing.get_args(c)[0]))
        if not nxt:
            where = ".".join(done) or "the scenario"
            hint = ""
            if allowed:
                import difflib

                close = difflib.get_close_matches(part, allowed, n=1)
                hint = (f"; did you mean '{close[0]}'?" if close else "") + f" (expected one of: {', '.join(sorted(set(allowed)))})"
            elif any(typing.get_origin(c) is list for c in cands):
                hint = " (expected a list index: 0, 1, ...)"
            raise PathError(f"'{path}': {where} has no field '{part}'{hint}")
        cands = nxt
        done.append(part)
    if any(isinstance(c, type) and issubclass(c, BaseModel) for c in cands):
        return "other"
    return _leaf_kind(cands)


def _key(node: dict, part: str):
    """The key of ``node`` that ``part`` means (YAML keys such as years are ints)."""
    if part in node:
        return part
    if part.lstrip("-").isdigit():
        n = int(part)
        if n in node or any(isinstance(k, int) for k in node) or not node:
            return n
    return part


def _set(node: Any, parts: list[str], value: Any) -> Any:
    """A copy of ``node`` with ``value`` at ``parts`` (missing mappings are created)."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        if not head.isdigit() or int(head) >= len(node):
            raise PathError(f"list index '{head}' out of range (the list has {len(node)} items)")
        out = list(node)
        out[int(head)] = _set(node[int(head)], rest, value)
        return out
    node = dict(node) if isinstance(node, dict) else {}
    k = _key(node, head)
    node[k] = _set(node.get(k), rest, value)
    return node


def _trim(full: Any, base: Any) -> Any:
    """The part of ``full`` that differs from ``base`` as a merge override: mappings are
    reduced to their changed keys; anything else (lists included) is given whole."""
    if isinstance(full, dict) and isinstance(base, dict):
        return {k: _trim(v, base.get(k)) for k, v in full.items() if k not in base or v != base[k]}
    return full


def overrides_for(base: dict, assignments: dict[str, Any]) -> dict:
    """Nested overrides that set each dotted path of ``assignments`` to its value, read
    against ``base`` (the scenario's merged data, for list items and int keys)."""
    full = copy.deepcopy(base)
    for path, value in assignments.items():
        full = _set(full, path.split("."), value)
    return _trim(full, base)


def parse_value(text: str) -> Any:
    """One value of ``--set``: YAML scalar semantics (``5`` -> 5, ``0.5`` -> 0.5, ``true``,
    ``null``, anything else text)."""
    try:
        v = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return v if isinstance(v, (int, float, str, bool)) or v is None else text


def parse_assignment(text: str) -> tuple[str, list]:
    """``PATH=V1,V2,...`` -> (path, [values]); raises PathError on a malformed option
    (the path itself is checked by ``pathway.scenario.fields.parse_assignment``)."""
    if "=" not in text:
        raise PathError(f"--set '{text}': expected PATH=VALUE[,VALUE...], e.g. prices.gec_cny_per_mwh=2,5,10")
    path, _, vals = text.partition("=")
    path = path.strip()
    values = [parse_value(v.strip()) for v in vals.split(",") if v.strip() != ""]
    if not values:
        raise PathError(f"--set '{text}': no values after '='")
    return path, values
