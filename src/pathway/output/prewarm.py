"""Get the output writers ready while HiGHS solves.

``pathway run`` spends about a quarter of a second, the first time it writes, on work that
does not depend on the result: importing the report and workbook writers (plotly.io,
Jinja2, XlsxWriter), parsing the message catalogue and compiling the page templates. HiGHS
releases the GIL while it solves, so a thread started when the solve starts does that work
on the second core instead of after the result is printed. Nothing it does changes what is
written: each step is an import or fills a ``functools.cache`` that the writers fill
themselves on first use when the thread has not (or has failed to: every error is
swallowed, the writer then meets it itself and reports it as usual).
"""

from __future__ import annotations

import threading

TEMPLATES = ("report.html.j2", "base.html.j2", "macros.html.j2", "finance_section.html.j2")


def warm(report: bool = True, excel: bool = True) -> None:
    """Import the writers of the outputs asked for and fill their caches (see module doc)."""
    try:
        from pathway.output import folder  # noqa: F401
        from pathway.output.messages import catalogue

        catalogue()
        if report:
            import plotly.io  # noqa: F401

            from pathway.output import finance_section, report  # noqa: F401
            from pathway.output.templating import environment

            env = environment()
            for name in TEMPLATES:
                env.get_template(name)
        if excel:
            import xlsxwriter  # noqa: F401

            from pathway.output import excel as _excel  # noqa: F401
    except Exception:  # noqa: BLE001  (a warm-up only: the writer meets the same error itself)
        pass


def start(report: bool = True, excel: bool = True) -> threading.Thread | None:
    """Run ``warm`` in a daemon thread (None when nothing is to be written but data)."""
    if not (report or excel):
        return None
    th = threading.Thread(target=warm, args=(report, excel), name="pathway-output-prewarm", daemon=True)
    th.start()
    return th
