"""The output folder of a run: the one place that writes it and reads it back.

Layout (public contract): ``summary.json``, ``tables/<name>.csv``, ``results.xlsx``,
``report.html``; when the target cannot be met, only ``diagnosis.json`` and a small
``summary.json`` with ``"status": "infeasible"``. A run is written into a temporary folder
beside ``--out`` and swapped in only when complete, replacing every pathway-owned file
(``OWNED``) of the previous run and nothing else (see ``_swap_in`` for what an interrupted
swap leaves)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pandas as pd

from pathway.errors import OutputPathError, PathwayError
from pathway.files import write_json

OWNED = ("tables", "summary.json", "results.xlsx", "report.html", "diagnosis.json", "tracking.html")  # what a run replaces in --out
REQUIRED_TABLES = ("pathway", "emissions", "abatement", "capex", "capacity", "costs", "energy_balance", "dispatch")
FINANCE_INPUT_TABLES = ("capex", "costs", "energy_balance", "abatement", "pathway", "capacity",
                        "bau_costs", "bau_pathway", "finance_assets")  # what `pathway finance` reads back


class ReportInputError(PathwayError):
    """A results folder that cannot be reported on (missing or unreadable files): exit 2."""

    exit_code = 2


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    return True


def clean_stale_temp(out_dir: str | Path) -> list[Path]:
    """Remove the ``.pathway-*`` folders beside ``out_dir`` left by a run that was killed
    (a temporary output or the previous run's files on their way out). A folder whose name
    carries the id of another live process (``.pathway-<pid>-...``) is a run in progress and
    is kept. Returns what was removed."""
    out_dir = Path(out_dir)
    parent = out_dir.parent
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for p in parent.glob(".pathway-*"):
        if not p.is_dir() or p.is_symlink():
            continue
        head = p.name[len(".pathway-"):].split("-", 1)[0]
        if head.isdigit() and int(head) != os.getpid() and _pid_alive(int(head)):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def _new_temp(out_dir: Path, what: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".pathway-{os.getpid()}-{what}-", dir=out_dir.parent))


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace the pathway-owned contents (``OWNED``) of ``out_dir`` by those of ``tmp``, as
    a whole; anything else in ``out_dir`` (a user's file) stays.

    Every step is a rename on one file system: the old owned files move to a ``.pathway-*``
    folder beside ``out_dir``, then the new ones move in, ``summary.json`` last, then the
    old ones are deleted. Killed part way, ``out_dir`` holds no ``summary.json`` (never an
    old run's summary beside new files, nor a new summary beside old files): it reads as
    "no results" until the next run, whose start deletes the ``.pathway-*`` leftovers
    (``clean_stale_temp``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    old = _new_temp(out_dir, "old")
    try:
        present = [out_dir / c for c in OWNED if (out_dir / c).exists() or (out_dir / c).is_symlink()]
        summary = out_dir / "summary.json"
        if summary in present:  # the summary goes first: the folder stops claiming a result at once
            present.remove(summary)
            present.insert(0, summary)
        for p in present:
            os.replace(p, old / p.name)
        news = sorted(tmp.iterdir(), key=lambda c: c.name == "summary.json")  # summary.json last
        for child in news:
            os.replace(child, out_dir / child.name)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _write_error(out_dir: Path, exc: OSError) -> OutputPathError:
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    return OutputPathError(f"--out {out_dir}: cannot write the outputs: {exc.strerror or exc}{where}; expected a "
                           f"writable folder with free space (nothing was replaced)")


def write_run(out_dir: str | Path, summary: dict, tables: dict[str, pd.DataFrame], report: bool = True,
              excel: bool = True, lang: str = "en", data: bool = True, parallel: bool = False) -> None:
    """Write summary.json and tables/*.csv (``data``), results.xlsx (``excel``) and
    report.html (``report``), all or nothing: whatever of ``OWNED`` was in ``out_dir``
    before is replaced by what this call writes. A failing write (no space, read-only,
    permissions) is OutputPathError (exit 2) and leaves ``out_dir`` as it was.

    With ``parallel`` (and ``os.fork``), a forked child writes results.xlsx while this process
    writes the report; the call returns once both are complete, and an error of the child
    is raised here as if it were this process's own (see ``_Forked``)."""
    try:
        _write_run(Path(out_dir), summary, tables, report, excel, lang, data, parallel)
    except OSError as exc:
        raise _write_error(Path(out_dir), exc) from None


def _write_workbook(path: Path, summary: dict, tables: dict[str, pd.DataFrame], lang: str) -> None:
    from xlsxwriter.exceptions import FileCreateError

    from pathway.output.excel import catalogue_label, write_workbook

    try:
        write_workbook(path, summary, tables, label=None if lang == "en" else catalogue_label(lang))
    except FileCreateError as exc:  # XlsxWriter wraps the OSError (no space, read-only): exit 2 as any other
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
        raise cause from None


class _Forked:
    """``fn()`` run in a forked child process (``start``); ``join`` waits for it and raises
    the child's exception in this process (``_encode_error`` / ``_decode_error``: an OSError
    comes back as an OSError with its errno, text and file name, so a full disk stays exit 2;
    another exception as itself when it survives a pickle round trip, else a RuntimeError
    with its text). The child ends with ``os._exit``: it never runs this process's exit
    handlers or flushes its buffers."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.pid: int | None = None
        self.fd: int | None = None

    def start(self) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                os.close(r)
                self.fn()
            except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
                code = 1
                try:
                    payload = _encode_error(exc)
                    with os.fdopen(w, "wb") as fh:
                        fh.write(payload)
                except BaseException:  # noqa: BLE001
                    pass
            finally:
                os._exit(code)
        os.close(w)
        self.pid, self.fd = pid, r

    def join(self) -> None:
        if self.pid is None:
            return
        with os.fdopen(self.fd, "rb") as fh:
            payload = fh.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            raise _decode_error(payload) if payload else RuntimeError(f"the workbook writer ended with status {status}")


def _encode_error(exc: BaseException) -> bytes:
    """Bytes that ``_decode_error`` turns back into ``exc`` (see ``_Forked``). An OSError is
    sent as plain fields (its errno, strerror, file name and text), never as the object: an
    OSError raised deep in a library can carry attributes that do not pickle."""
    import pickle

    if isinstance(exc, OSError):
        f = exc.filename  # a str, bytes or path; an int where the call took a file descriptor
        filename = None if f is None else os.fsdecode(f) if isinstance(f, (str, bytes, os.PathLike)) else str(f)
        return pickle.dumps(("oserror", exc.errno, exc.strerror, filename, str(exc)))
    try:
        payload = pickle.dumps(("exception", exc))
        pickle.loads(payload)  # some exception classes pickle but cannot be rebuilt (their __init__ arguments)
        return payload
    except Exception:  # noqa: BLE001
        return pickle.dumps(("text", f"{type(exc).__name__}: {exc}"))


def _decode_error(payload: bytes) -> BaseException:
    import pickle

    kind, *rest = pickle.loads(payload)
    if kind == "oserror":
        errno_, strerror, filename, text = rest
        if errno_ is None:
            return OSError(text)
        return OSError(errno_, strerror, filename) if filename is not None else OSError(errno_, strerror)
    if kind == "exception":
        return rest[0]
    return RuntimeError(rest[0])


def _write_run(out_dir: Path, summary: dict, tables: dict[str, pd.DataFrame], report: bool,
               excel: bool, lang: str, data: bool, parallel: bool = False) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temp(out_dir)
    tmp = _new_temp(out_dir, "new")
    child = None
    try:
        if data:
            (tmp / "tables").mkdir()
            for name, df in tables.items():
                df.to_csv(tmp / "tables" / f"{name}.csv", index=False)
            (tmp / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        if excel:
            write = lambda: _write_workbook(tmp / "results.xlsx", summary, tables, lang)  # noqa: E731
            if parallel and report and hasattr(os, "fork"):
                child = _Forked(write)
                child.start()
            else:
                write()
        if report:
            from pathway.output.report import write_report

            try:
                write_report(tmp / "report.html", summary, tables, lang=lang)
            finally:
                if child is not None:  # the workbook's outcome first: both files or an error
                    c, child = child, None
                    c.join()
        _swap_in(tmp, out_dir)
    finally:
        if child is not None:
            try:
                child.join()
            except BaseException:  # noqa: BLE001 - the first error is the one raised
                pass
        shutil.rmtree(tmp, ignore_errors=True)


def write_infeasible(out_dir: str | Path, summary: dict, diag: dict) -> Path:
    """An unreachable target's outputs: ``diagnosis.json`` and a small ``summary.json``
    (``"status": "infeasible"``), replacing the folder's pathway-owned contents as a whole
    like ``write_run``, so no earlier run's tables, report or summary survive beside them.
    Returns the path of diagnosis.json."""
    out_dir = Path(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temp(out_dir)
        tmp = _new_temp(out_dir, "new")
        try:
            write_json(tmp / "diagnosis.json", diag)
            write_json(tmp / "summary.json", summary)
            _swap_in(tmp, out_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise _write_error(out_dir, exc) from None
    return out_dir / "diagnosis.json"


MAX_READ_BYTES = 256 * 1024 * 1024  # a run's largest table (hourly dispatch) is a few MB
MAX_ABS_VALUE = 1e18  # no quantity pathway writes comes near (CNY, t, kWh of one factory)
_NUMERIC = re.compile(r"(^year$|_(cny|t|kw|kwh|mwh|gj|m3|share|bp|years|rate|dscr|s|cny_per_t|cny_per_kw|t_per_unit)$)")


def _checked_file(p: Path, root: Path) -> Path:
    """``p`` if it is a regular file inside ``root`` (a symlink must stay inside) of a sane
    size; ReportInputError naming it otherwise (a FIFO, device or folder would hang or
    fail the reader)."""
    try:
        real = p.resolve(strict=True)
        st = real.stat()
    except (OSError, RuntimeError) as exc:
        raise ReportInputError(f"{p}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise ReportInputError(f"{p}: {kind}; expected a regular file written by 'pathway run'")
    if not real.is_relative_to(root.resolve()):
        raise ReportInputError(f"{p}: links outside the results folder (to {real}); expected a file inside it")
    if st.st_size > MAX_READ_BYTES:
        raise ReportInputError(f"{p}: {st.st_size:,} bytes; expected at most {MAX_READ_BYTES:,}")
    return p


def _checked_table(name: str, df: pd.DataFrame, p: Path) -> pd.DataFrame:
    """Numeric columns (by their unit suffix, and ``year``) hold numbers, finite or empty,
    of a magnitude a factory can have; ReportInputError naming the file, column and cell."""
    for col in df.columns:
        if not _NUMERIC.search(str(col)):
            continue
        s = df[col]
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise ReportInputError(f"{p}: column {col!r}, data row {i + 1}: expected a number, got {s.iloc[i]!r}")
        big = ~(num.abs() <= MAX_ABS_VALUE) & num.notna()
        if big.any():
            i = int(big.to_numpy().nonzero()[0][0])
            raise ReportInputError(f"{p}: column {col!r}, data row {i + 1}: expected a finite number of at most "
                                   f"{MAX_ABS_VALUE:g} in magnitude, got {s.iloc[i]!r}")
        if col == "year" and (num.dropna() % 1 != 0).any():
            raise ReportInputError(f"{p}: column 'year': expected whole years")
        df[col] = num
    return df


def _read_table(p: Path, root: Path) -> pd.DataFrame:
    _checked_file(p, root)
    try:
        df = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise ReportInputError(f"{p}: unreadable CSV ({exc}); expected a table written by 'pathway run'") from None
    return _checked_table(p.stem, df, p)


def _tables_dir(root: Path) -> Path:
    t = root / "tables"
    if t.is_symlink() and not t.resolve().is_relative_to(root.resolve()):
        raise ReportInputError(f"{t}: links outside the results folder (to {t.resolve()}); expected a folder inside it")
    return t


def _read_summary(root: Path) -> dict:
    sp = root / "summary.json"
    if not sp.exists() and not sp.is_symlink():
        raise ReportInputError(f"{sp}: missing; is {root} the --out folder of 'pathway run'?")
    _checked_file(sp, root)
    try:
        summary = json.loads(sp.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ReportInputError(f"{sp}: not valid JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise ReportInputError(f"{sp}: expected a JSON object, got {type(summary).__name__}")
    missing = [k for k in ("scenario", "base_year", "target_year") if k not in summary]
    if missing:
        raise ReportInputError(f"{sp}: missing {', '.join(missing)}; expected the summary.json of 'pathway run'")
    for k in ("base_year", "target_year"):
        if not isinstance(summary[k], int) or isinstance(summary[k], bool):
            raise ReportInputError(f"{sp}: {k}: expected a year, got {summary[k]!r}")
    return summary


def read_tables(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read ``DIR/tables/*.csv`` back into the dict the figures take (each checked: a
    regular file inside DIR, numeric columns numeric and finite)."""
    root = Path(out_dir)
    folder = _tables_dir(root)
    return {p.stem: _read_table(p, root) for p in sorted(folder.glob("*.csv"))}


def load_results(out_dir: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Read ``summary.json`` and ``tables/*.csv`` written by ``pathway run`` (for the report);
    raise ReportInputError naming what is missing or unreadable."""
    d = Path(out_dir)
    if not d.is_dir():
        raise ReportInputError(f"{d}: no such results folder (expected the --out folder of 'pathway run')")
    summary = _read_summary(d)
    _tables_dir(d)
    missing = [n for n in REQUIRED_TABLES if not ((d / "tables" / f"{n}.csv").exists() or (d / "tables" / f"{n}.csv").is_symlink())]
    if missing:
        raise ReportInputError(f"{d / 'tables'}: missing {', '.join(n + '.csv' for n in missing)}")
    try:
        tables = read_tables(d)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{d / 'tables'}: unreadable CSV ({exc})") from None
    for n in REQUIRED_TABLES:
        if "year" not in tables[n].columns:
            raise ReportInputError(f"{d / 'tables' / (n + '.csv')}: no 'year' column; not a pathway results table")
    return summary, tables


def read_saved(out_dir: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """summary.json and the tables finance needs from a saved run folder."""
    out_dir = Path(out_dir)
    summary = _read_summary(out_dir)
    tdir = _tables_dir(out_dir)
    tables = {n: _read_table(tdir / f"{n}.csv", out_dir) for n in FINANCE_INPUT_TABLES
              if (tdir / f"{n}.csv").exists() or (tdir / f"{n}.csv").is_symlink()}
    loan = summary.get("loan")
    if loan is not None and not (isinstance(loan, dict) and isinstance(loan.get("settings"), dict)):
        raise ReportInputError(f"{out_dir / 'summary.json'}: loan: expected an object with the loan 'settings' "
                               "written by 'pathway run'")
    return summary, tables
