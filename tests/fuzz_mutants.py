"""Mutated copies of the bundled scenarios, for the fuzz test (tests/test_fuzz.py) and the
fuzz campaign (tests/fuzz_campaign.py, ``make fuzz``).

A mutant is a folder holding ``scenario.yaml`` (and, when a mutation needs them, a base
scenario it ``extends`` and a profile CSV it names). Mutations: deleted keys, values of the
wrong type, typos in keys, extreme and non-finite numbers, strings carrying rich markup,
control characters, HTML or a formula, broken profile CSVs and ``extends`` chains (to a
mutated base, to a missing file, to itself, in a cycle). ``rng`` is any ``random.Random``
(hypothesis's ``st.randoms()`` in the test, a seeded one in the campaign), so a mutant is
reproducible from its seed.

Classifying what the CLI did with a mutant (``classify_validate``, ``classify_run``) is
here too, so the test and the campaign count the same things."""

from __future__ import annotations

import copy
import math
import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))

NUMBERS = (0, -1, 1, -0.5, 0.5, 1.5, 2, 1e-300, 1e9, 1e15, 1e308, -1e308, 2**63, 10**400,
           math.nan, math.inf, -math.inf, 8760, 8761, 2024, 2100, 9999, 1900, 400, 0.999999)
STRINGS = ("", " ", "[/]", "[bold red]x[/", "[link=file:///etc/passwd]x[/link]", "\x00nul", "\x1b[31mred\x1b[0m",
           "tab\tnew\nline\r", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "=1+1", "@SUM(A1)",
           "../../etc/passwd", "x" * 3000, "零碳工厂", "\u202eevil", "NaN", "inf", "yes", "2025", "null", "{{ 7*7 }}")
OTHERS = (None, True, False, [], {}, [1, 2], {"a": 1}, "csv", ["x"], [[[]]])
CSV_BODIES = {
    "good": "load\n" + "\n".join(str(1.0 + (i % 24) / 24) for i in range(8760)) + "\n",
    "empty": "",
    "header_only": "load\n",
    "short": "load\n" + "1\n" * 8759,
    "long": "load\n" + "1\n" * 8761,
    "text": "load\n" + "abc\n" * 8760,
    "nan": "load\n" + "nan\n" * 8760,
    "inf": "load\n" + "1\n" * 8759 + "inf\n",
    "negative": "load\n" + "-1\n" * 8760,
    "zeros": "load\n" + "0\n" * 8760,
    "huge": "load\n" + "1e308\n" * 8760,
    "wrong_column": "other\n" + "1\n" * 8760,
    "binary": "\x00\xff\xfe garbage",
    "ragged": "load,x\n" + "1\n2,3,4\n" * 4380,
}


def _paths(node, prefix=()) -> list[tuple]:
    """Every key path into ``node`` (dict keys and list indices), parents before children."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append(prefix + (k,))
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append(prefix + (i,))
            out.extend(_paths(v, prefix + (i,)))
    return out


def _parent(data, path):
    node = data
    for k in path[:-1]:
        node = node[k]
    return node


def _typo(key: str, rng: random.Random) -> str:
    if not key:
        return "x"
    i = rng.randrange(len(key))
    how = rng.choice(("drop", "double", "swap", "case", "dash"))
    if how == "drop" and len(key) > 1:
        return key[:i] + key[i + 1:]
    if how == "swap" and len(key) > 1:
        j = min(i + 1, len(key) - 1)
        chars = list(key)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars) if "".join(chars) != key else key + "_"
    if how == "case":
        return key.upper() if key.upper() != key else key + "X"
    if how == "dash":
        return key.replace("_", "-") if "_" in key else key + "-"
    return key[:i] + key[i] + key[i:]


def mutate(data: dict, rng: random.Random, n: int | None = None) -> dict:
    """``data`` (a scenario as parsed YAML) with ``n`` (1 to 3) random mutations."""
    data = copy.deepcopy(data)
    for _ in range(n if n is not None else rng.choice((1, 1, 1, 2, 3))):
        paths = [p for p in _paths(data) if p != ("extends",)]
        if not paths:
            break
        path = rng.choice(paths)
        parent = _parent(data, path)
        key = path[-1]
        how = rng.choice(("delete", "type", "typo", "number", "number", "number", "string", "string"))
        if how == "delete":
            del parent[key]
        elif how == "typo" and isinstance(key, str):
            parent[_typo(key, rng)] = parent.pop(key)
        elif how == "number":
            old = parent[key]
            if isinstance(old, (int, float)) and not isinstance(old, bool) and rng.random() < 0.4:
                parent[key] = old * rng.choice((-1, 0, 10, 1000, 1e6, 1e-6)) + rng.choice((0, 0.5, 1))
            else:
                parent[key] = rng.choice(NUMBERS)
        elif how == "string":
            parent[key] = rng.choice(STRINGS)
        else:
            parent[key] = copy.deepcopy(rng.choice(OTHERS))
    return data


def _dump(data, path: Path) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6), encoding="utf-8")


def write_mutant(folder: Path, rng: random.Random, mild: bool = False) -> Path:
    """Write a mutant of a random bundled scenario into ``folder``; return its scenario.yaml.
    ``mild``: one mutation and no broken structure (more mutants that validate, for run)."""
    folder.mkdir(parents=True, exist_ok=True)
    src = rng.choice(BUNDLED)
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    if "extends" in data:  # bring the base along, mutated or not
        base = yaml.safe_load((SCENARIOS / data["extends"]).read_text(encoding="utf-8"))
        if rng.random() < 0.5:
            base = mutate(base, rng, 1 if mild else None)
        _dump(base, folder / data["extends"])
    kind = rng.random()
    if kind < 0.2:  # a profile CSV, good or broken
        body = rng.choice(list(CSV_BODIES)) if not mild or rng.random() < 0.5 else "good"
        (folder / "profile.csv").write_text(CSV_BODIES[body], encoding="utf-8", errors="surrogateescape")
        prof = {"shape": "csv", "csv": "profile.csv", "column": "load"}
        if rng.random() < 0.15:
            prof = rng.choice(({"shape": "csv"}, {"shape": "csv", "csv": "missing.csv"},
                               {"shape": "csv", "csv": "profile.csv", "column": "nope"},
                               {"shape": "csv", "csv": "."}, {"shape": "csv", "csv": "/dev/null"}))
        data.setdefault("baseline", {})["electricity_profile"] = prof
        if rng.random() < 0.5:
            data = mutate(data, rng, 1)
    elif kind < 0.3 and not mild:  # extends chains
        how = rng.choice(("self", "missing", "cycle", "mutated_base", "dir", "chain"))
        if how == "self":
            data["extends"] = "scenario.yaml"
        elif how == "missing":
            data["extends"] = "no_such_base.yaml"
        elif how == "dir":
            data["extends"] = "."
        elif how == "cycle":
            data["extends"] = "b.yaml"
            _dump({"extends": "scenario.yaml", "name": "b"}, folder / "b.yaml")
        else:
            base = mutate(data, rng) if how == "mutated_base" else data
            _dump(base, folder / "base.yaml")
            data = {"extends": "base.yaml", "name": rng.choice(("child", *STRINGS[:12]))}
            if how == "chain":
                _dump({"extends": "base.yaml", "description": "middle"}, folder / "middle.yaml")
                data["extends"] = "middle.yaml"
            data = mutate(data, rng, 1) if rng.random() < 0.5 else data
    else:
        data = mutate(data, rng, 1 if mild else None)
    path = folder / "scenario.yaml"
    _dump(data, path)
    return path


def is_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" in text


def classify_validate(code: int, stderr: str, exception: BaseException | None = None) -> str | None:
    """None when ``validate`` behaved (exit 0 or 2, no traceback), else what went wrong."""
    if exception is not None and not isinstance(exception, SystemExit):
        return f"exception {type(exception).__name__}: {exception}"
    if is_traceback(stderr):
        return "traceback"
    if code not in (0, 2):
        return f"exit {code}"
    return None


def classify_run(code: int, stderr: str, exception: BaseException | None = None) -> str | None:
    """None when ``run`` of a validated scenario behaved (exit 0 or 3, no traceback), else
    what went wrong; exit 2 here is a validate-passes-run-rejects defect."""
    if exception is not None and not isinstance(exception, SystemExit):
        return f"exception {type(exception).__name__}: {exception}"
    if is_traceback(stderr):
        return "traceback"
    if code == 2:
        return "validate passes, run rejects"
    if code not in (0, 3):
        return f"exit {code}"
    return None
