"""Every word a person reads comes from the catalogs in handlers/locales."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from markupsafe import Markup, escape

from storage.clock import week_days

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "vi"
SUPPORTED_LOCALES = ("vi", "en")


@cache
def catalog(locale: str) -> dict[str, str]:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        entries = read_po(handle, locale=locale)
    return {str(m.id): str(m.string) for m in entries if m.id and m.string}


class Translator:
    """`t("key", name=user_text)`: the template is trusted markup, every value is escaped."""

    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        self.locale = locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
        self._messages = catalog(self.locale)
        self._fallback = catalog(DEFAULT_LOCALE)

    def __call__(self, key: str, /, **values: object) -> Markup:
        template = self._messages.get(key) or self._fallback[key]
        if not values and "{" not in template:
            return Markup(template)  # nothing to fill in: spare the formatter, asked most often
        # What Markup.format does when no field has a format spec (the catalogs use none),
        # without its formatter, which cost a tenth of a digest's time.
        return Markup(template.format_map({name: escape(v) for name, v in values.items()}))

    def date(self, value: date) -> str:
        return format_date(value, "dd/MM/yyyy", locale=self.locale)

    def moment(self, value: datetime) -> str:
        """A local time as people write it: 09:15 27/11/2026."""
        return f"{value:%H:%M} {self.date(value.date())}"

    def week(self, week: str) -> str:
        """`2026-W48` as people say it: 48 (23/11 - 29/11/2026)."""
        monday, sunday = week_days(week)
        start = format_date(monday, "dd/MM", locale=self.locale)
        return f"{int(week.split('-W')[1])} ({start} - {self.date(sunday)})"
