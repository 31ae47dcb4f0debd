"""Files: atomic writes (a reader sees the old content or the new, never a part) and
JSON-safe values. Core layer: every module that writes a file uses these."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` fills a temporary file beside ``path`` (same suffix, so writers that
    add one, like numpy's, keep the name), which then replaces ``path`` in one rename.
    The temporary file is removed if ``write`` fails."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: str | Path, data, **kw) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, **kw))


def json_safe(x):
    """JSON-safe: NaN and inf -> None, numpy scalars -> Python numbers, keys -> str."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def check_out_dir(path: str | Path, what: str = "--out") -> Path:
    """``path`` as an output folder, checked before anything is computed or written: it is
    a folder or can be made one, and it and its parent (temporary folders go beside it) are
    writable. Raises OutputPathError (exit 2) naming the path and the reason."""
    from pathway.errors import OutputPathError

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{what} {path}: is a file, not a folder; choose a folder (new or existing)")
    first = path if path.exists() else None
    probe = path.parent
    while first is None:
        if probe.exists():
            if not probe.is_dir():
                raise OutputPathError(f"{what} {path}: not a folder can be made there: {probe} is a file")
            first = probe
        elif probe == probe.parent:
            break
        probe = probe.parent
    need = [p for p in {first, path.parent if path.parent.exists() else None} if p is not None]
    for p in need:
        if not os.access(p, os.W_OK | os.X_OK):
            raise OutputPathError(f"{what} {path}: cannot write there: {p} is not writable")
    return path
