"""Rendering: the jinja2 templates of every HTML fiscal writes (``fiscal/templates``).

One environment, autoescaping: a value from a source document is escaped wherever a
template prints it, and only :class:`markupsafe.Markup` (a rendered fragment, nbconvert's
body) goes out as is. Values are escaped as :func:`html.escape` does (``&quot;``,
``&#x27;``), the spelling of every page fiscal has published, so pages keep their bytes;
``None`` prints nothing. Two filters format numbers: ``money`` (万元, :func:`fiscal.money.fmt`)
and ``percent``.
"""

from __future__ import annotations

import functools
import html
from decimal import Decimal
from pathlib import Path

import jinja2
from markupsafe import Markup

from fiscal.money import fmt

__all__ = ["TEMPLATES", "Markup", "environment", "macros", "percent", "render"]

TEMPLATES = Path(__file__).with_name("templates")


def percent(v: Decimal | None, sign: bool = True) -> str:
    """``+73.46%`` (or ``73.46%`` without ``sign``), ``—`` for missing."""
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    return f"{Decimal(v):+}%" if sign else f"{Decimal(v)}%"


def _escaped(value: object) -> object:
    """Escape as :func:`html.escape` does; a Markup value is trusted, None prints nothing."""
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


@functools.cache
def environment() -> jinja2.Environment:
    """The environment over ``fiscal/templates`` (built once per process)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             finalize=_escaped, keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["money"] = fmt
    env.filters["percent"] = percent
    return env


def render(name: str, **context: object) -> str:
    """Render the template ``name`` with ``context``."""
    return environment().get_template(name).render(**context)


def macros(name: str):
    """The macros of template ``name``, callable from Python (each returns Markup)."""
    return environment().get_template(name).module
