"""Read scenario YAML safely, merge ``extends`` chains and validate against the schema.

Every problem names the file, the dotted field path, the line, and what was expected
versus given; all problems in a file are reported together.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pathway.errors import Problem, ScenarioError
from pathway.scenario.schema import Scenario

Loc = tuple[Any, ...]


@dataclass
class LoadedScenario:
    """A validated scenario with where it came from."""

    scenario: Scenario
    path: Path
    files: list[Path]  # the chain, the named file first, then its bases
    data: dict  # the merged document as plain data
    sha256: str  # hash of the merged document (canonical JSON)
    locations: dict[Loc, tuple[str, int]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # accepted, but worth a look (printed by the CLI)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def dir_of(self, loc: Loc) -> Path:
        """Folder of the file that set field ``loc``: relative paths (CSV profiles) are
        read from there, so a base scenario's files still resolve from an ``extends`` child."""
        return Path(_locate(loc, self.locations, str(self.path))[0]).parent


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping key and sequence item."""


def _compose_lines(node: yaml.Node, loc: Loc, out: dict[Loc, int], dups: list[tuple[Loc, int, int]] | None = None) -> None:
    """Record the line of every key and item under ``loc``; a key given twice in one mapping
    (where YAML would silently keep the last) is added to ``dups`` as (path, line, first line)."""
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key: Any = key_node.value
            try:
                key = int(key)
            except (TypeError, ValueError):
                pass
            sub = (*loc, key)
            line = key_node.start_mark.line + 1
            if key != "<<" and isinstance(key_node, yaml.ScalarNode):
                if key in first and dups is not None:
                    dups.append((sub, line, first[key]))
                first.setdefault(key, line)
            out[sub] = line
            _compose_lines(value_node, sub, out, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*loc, i)
            out[sub] = item.start_mark.line + 1
            _compose_lines(item, sub, out, dups)


MAX_FILE_BYTES = 2 * 1024 * 1024  # a scenario is a few KB; CSV profiles are read elsewhere
MAX_DEPTH = 40  # mapping/sequence nesting (the schema needs about 6)
MAX_EXPANDED_NODES = 200_000  # nodes after aliases are expanded ("billion laughs" guard)
MAX_GIVEN_CHARS = 80  # a given value longer than this is quoted by its start and length in error messages


def _check_input_file(path: Path) -> None:
    """Refuse, before opening it, what is not a plain file of sane size (a FIFO would block,
    a device or a link to one would never end)."""
    import os
    import stat

    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError([Problem(name, "", "file not found")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(name, "", f"cannot read file: {exc.strerror or exc}")]) from None
    if not stat.S_ISREG(st.st_mode):
        kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
        raise ScenarioError([Problem(name, "", f"{kind}; expected a YAML file")])
    if st.st_size > MAX_FILE_BYTES:
        raise ScenarioError([Problem(name, "", f"file of {st.st_size:,} bytes; expected a scenario under "
                                               f"{MAX_FILE_BYTES:,} bytes (hourly series belong in CSV profiles)")])


def _node_limits(node: yaml.Node) -> tuple[int, int]:
    """(nesting depth, node count with aliases expanded), without expanding anything: each
    node's expanded size is computed once (aliases share composed nodes)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()  # on the current path: meeting one again is a recursive alias
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        if id(n) in size:
            continue
        children = []
        if isinstance(n, yaml.MappingNode):
            children = [c for kv in n.value for c in kv]
        elif isinstance(n, yaml.SequenceNode):
            children = list(n.value)
        if done or not children:
            size[id(n)] = 1 + sum(size.get(id(c), 1) for c in children)
            depth[id(n)] = 1 + max((depth.get(id(c), 1) for c in children), default=0)
            open_.discard(id(n))
            continue
        if any(id(c) in open_ or c is n for c in children):
            return 10**9, 10**9  # a recursive alias: infinitely deep
        open_.add(id(n))
        stack.append((n, True))
        stack.extend((c, False) for c in children if id(c) not in size)
    return depth[id(node)], size[id(node)]


def _surrogates(value, loc: Loc = ()) -> list[Loc]:
    """Fields holding a lone UTF-16 surrogate (from a YAML escape such as \\udc80): no
    valid text contains one, and nothing downstream can encode it."""
    out: list[Loc] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _surrogates(v, (*loc, k)) + ([(*loc, k)] if isinstance(k, str) and _has_surrogate(k) else [])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _surrogates(v, (*loc, i))
    elif isinstance(value, str) and _has_surrogate(value):
        out.append(loc)
    return out


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


PARSED_ENTRIES = 64  # files whose parse a process keeps (a sweep reads its scenario once per run)
_PARSED: OrderedDict[tuple[str, str], tuple[dict, dict[Loc, int]]] = OrderedDict()


def read_yaml(path: Path) -> tuple[dict, dict[Loc, int]]:
    """Parse one YAML file with ``safe_load`` semantics; return data and key lines.
    Refuses, with a Problem naming the file: anything but a regular file under
    MAX_FILE_BYTES, text that is not UTF-8, nesting deeper than MAX_DEPTH, aliases that
    expand past MAX_EXPANDED_NODES nodes, lone surrogates and duplicate keys.

    The file is read (and checked) every time; a text this process parsed before is not
    parsed again: a copy of that parse is returned (the pure-Python composer that gives the
    key lines is ~90 % of loading a scenario, and a sweep loads the same file for every run)."""
    name = str(path)
    _check_input_file(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(name, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(name, "", f"cannot read file: {exc}")]) from None
    hit = _PARSED.get((name, text))
    if hit is not None:
        _PARSED.move_to_end((name, text))
        return copy.deepcopy(hit)
    data, lines = _parse_yaml(name, text)
    _PARSED[(name, text)] = copy.deepcopy((data, lines))
    while len(_PARSED) > PARSED_ENTRIES:
        _PARSED.popitem(last=False)
    return data, lines


def _parse_yaml(name: str, text: str) -> tuple[dict, dict[Loc, int]]:
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        if node is not None:
            depth, nodes = _node_limits(node)
            if depth > MAX_DEPTH:
                raise ScenarioError([Problem(name, "", f"nested {depth} levels deep; expected at most {MAX_DEPTH}")])
            if nodes > MAX_EXPANDED_NODES:
                raise ScenarioError([Problem(name, "", f"YAML aliases expand to {nodes:,} nodes; expected at most "
                                                       f"{MAX_EXPANDED_NODES:,} (write the values out instead)")])
        data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
    except RecursionError:
        raise ScenarioError([Problem(name, "", f"nested too deep to read; expected at most {MAX_DEPTH} levels")]) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits (Python's int-conversion limit)
        raise ScenarioError([Problem(name, "", f"a value cannot be read: {str(exc)[:200]}")]) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        tag = exc.problem or "unknown tag"
        raise ScenarioError(
            [
                Problem(
                    name,
                    "",
                    f"unsafe or unknown YAML tag ({tag}); only plain YAML is accepted (safe_load)",
                    mark.line + 1 if mark else None,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            [Problem(name, "", f"malformed YAML: {what}", mark.line + 1 if mark else None)]
        ) from None
    if data is None:
        raise ScenarioError([Problem(name, "", "file is empty; expected a mapping of scenario fields")])
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(name, "", f"expected a mapping of scenario fields at the top, got {type(data).__name__}", 1)]
        )
    bad = _surrogates(data)
    if bad:
        raise ScenarioError([Problem(name, _field_path(loc), "text with a lone surrogate escape (e.g. \\udc80); "
                                                              "expected valid Unicode text") for loc in bad])
    lines: dict[Loc, int] = {}
    dups: list[tuple[Loc, int, int]] = []
    if node is not None:
        _compose_lines(node, (), lines, dups)
    if dups:
        raise ScenarioError([
            Problem(name, _field_path(loc), f"duplicate key '{loc[-1]}' (first given on line {first}); expected each "
                                            "key once in a mapping (YAML would silently keep the last one)", line)
            for loc, line, first in dups])
    return data, lines


def deep_merge(base: dict, override: dict) -> dict:
    """Merge ``override`` into ``base``: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_chain(path: Path, seen: list[Path]) -> tuple[dict, dict[Loc, tuple[str, int]], list[Path]]:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in [*seen, path])
        raise ScenarioError([Problem(str(seen[-1]), "extends", f"extends loop: {chain}")])
    data, lines = read_yaml(path)
    locs = {loc: (str(path), line) for loc, line in lines.items()}
    parent = data.pop("extends", None)
    if parent is None:
        return data, locs, [path]
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(
            [Problem(str(path), "extends", f"expected a file path (string), got {parent!r}", lines.get(("extends",)))]
        )
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "extends",
                    f"base scenario '{parent}' not found (looked for {parent_path})",
                    lines.get(("extends",)),
                )
            ]
        )
    base, base_locs, chain = _read_chain(parent_path, [*seen, path])
    merged = deep_merge(base, data)
    # a key set in the child is located in the child; everything else keeps its base location
    merged_locs = dict(base_locs)
    merged_locs.update(locs)
    return merged, merged_locs, [path, *chain]


def _submodel(model: type[BaseModel] | None, loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class reached by following ``loc`` from ``model`` (or None)."""
    import typing

    for part in loc:
        if model is None or isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            return None
        ann = info.annotation
        found = None
        for cand in (ann, *typing.get_args(ann)):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                found = cand
                break
            for inner in typing.get_args(cand):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    found = inner
        model = found
    return model


def _describe(err: dict) -> str:
    """Turn one pydantic error into 'expected X, got Y'."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    given_s = repr(given) if not isinstance(given, dict) else "a mapping"
    if len(given_s) > MAX_GIVEN_CHARS:  # a 1 MB string is named by its start and length, not echoed whole
        size = f" ({len(given):,} characters)" if isinstance(given, str) else ""
        given_s = given_s[:MAX_GIVEN_CHARS] + "..." + size
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        parent = _submodel(Scenario, loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        msg = "unknown field"
        if hint:
            msg += f"; did you mean '{hint[0]}'?"
        if allowed:
            msg += f" Expected one of: {', '.join(allowed)}"
        return msg
    if kind == "missing":
        return "required field is missing"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sym = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        bound_s = f"{bound:g}" if isinstance(bound, (int, float)) else str(bound)
        return f"expected a number {sym} {bound_s}, got {given_s}"
    if kind == "enum" or kind == "literal_error":
        expected = ctx.get("expected", "")
        return f"expected one of {expected}, got {given_s}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        want = kind.replace("_parsing", "").replace("_type", "").replace("float", "number").replace("int", "integer")
        want = {"model": "mapping", "dict": "mapping", "list": "list", "bool": "true/false", "string": "text"}.get(want, want)
        return f"expected {want}, got {given_s}"
    if kind in ("string_too_long", "string_too_short"):
        bound = ctx.get("max_length", ctx.get("min_length"))
        return f"expected text of {'at most' if kind == 'string_too_long' else 'at least'} {bound} characters, got {given_s}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg']}, got {given_s}"


def _field_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _locate(loc: Loc, locs: dict[Loc, tuple[str, int]], default_file: str) -> tuple[str, int | None]:
    for n in range(len(loc), 0, -1):
        if loc[:n] in locs:
            return locs[loc[:n]]
    return default_file, None


def validation_problems(exc: ValidationError, locs: dict[Loc, tuple[str, int]], default_file: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("function-after[_years_in_order(), Horizon]",))
        # pydantic puts union/tagged variants into the loc; drop type-name parts
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in ("str", "int", "float", "dict[int,constrained-float]"))))
        file, line = _locate(loc, locs, default_file)
        problems.append(Problem(file, _field_path(loc), _describe(err), line))
    return problems


def canonical_sha256(data: dict) -> str:
    blob = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def read_scenario(path: str | Path, overrides: dict | None = None) -> LoadedScenario:
    """Load, merge and validate a scenario file against the schema. Raises ScenarioError
    listing every problem. (``pathway.reference.validate.load_scenario`` adds the checks
    against the bundled data; use that one.)"""
    path = Path(path)
    data, locs, files = _read_chain(path, [])
    if overrides:
        data = deep_merge(data, overrides)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, locs, str(path.resolve()))) from None
    return LoadedScenario(scenario, path.resolve(), files, data, canonical_sha256(data), locs)
