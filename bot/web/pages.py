"""Rendering the officers' pages: Jinja2 templates (autoescaped) with the catalogs' words."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from handlers.i18n import Translator

TEMPLATES = Path(__file__).parent / "templates"
HTML = "text/html"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = percent
    return env


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"


class Words:
    """What a template calls: the catalogs by key, dates as people write them."""

    def __init__(self, t: Translator) -> None:
        self._t = t

    def __call__(self, key: str, /, **values: object) -> Markup:
        return self._t(key, **values)

    def date(self, value: date) -> str:
        return self._t.date(value)

    def moment(self, value: datetime) -> str:
        return self._t.moment(value)

    def week(self, week: str) -> str:
        return self._t.week(week)


def render(t: Translator, template: str, *, status: int = 200, **context: Any) -> web.Response:
    html = environment().get_template(template).render(t=Words(t), lang=t.locale, **context)
    return web.Response(text=html, status=status, content_type=HTML, charset="utf-8")


def message(
    t: Translator, element_id: str, title: str, body: str, *, status: int, **context: Any
) -> web.Response:
    """A page with one message: signed out, not an officer, not found, a link no more good."""
    return render(
        t,
        "message.html",
        status=status,
        element_id=element_id,
        title=t(title),
        body=t(body),
        **context,
    )
