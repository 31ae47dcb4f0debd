"""The Jinja2 environment of every HTML page (templates/ beside this module).

Autoescape is on for every template: user text (scenario, factory and heat-load names,
file names) is passed as plain strings and escaped by Jinja2. Only HTML this package
built itself — plotly's chart divs and tables whose cells ``html_table`` already escaped —
is passed as :class:`markupsafe.Markup`; no template applies ``|safe``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from markupsafe import Markup

TEMPLATES = Path(__file__).with_name("templates")

__all__ = ["Markup", "render", "environment"]


@cache
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                       keep_trailing_newline=False)


def render(template: str, **context) -> str:
    """Render one template of templates/ with ``context``."""
    return environment().get_template(template).render(**context)


def macro(name: str, *args) -> str:
    """Call one macro of macros.html.j2 (the KPI tile, a section) and return its HTML."""
    return str(getattr(environment().get_template("macros.html.j2").module, name)(*args))
