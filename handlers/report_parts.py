"""What the Front's report is made of: plain text in `Section`s and `Table`s, lists cut to a
length a page can hold, the words for its periods, and `Drafting`, what every part of one
report is drafted from.

Every word comes from the catalogs (`report.*`) as markup and is printed as plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from handlers.digest_contents import Digest
from handlers.digest_models import model_lines
from handlers.digest_text import period_label
from handlers.i18n import Translator
from handlers.periods import Period
from storage.digests import UnitRow

MAX_LISTED = 20
_MARKUP = re.compile(r"</?(?:b|i)>")
# What XML 1.0 cannot hold: a control character typed into a report would break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def plain(text: Markup | str) -> str:
    """Catalog markup as the words a document prints."""
    return _NOT_XML.sub("", html.unescape(_MARKUP.sub("", str(text)))).strip()


@dataclass(frozen=True)
class Table:
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    after_table: tuple[str, ...] = ()
    parts: tuple[Section, ...] = ()


def period_words(t: Translator, period: Period) -> str:
    """ "tháng 11 năm 2026", "quý IV năm 2026", "6 tháng cuối năm 2026", "năm 2026"."""
    if period.kind == "month":
        return plain(
            t("report.period_month", month=period.first_day.month, year=period.first_day.year)
        )
    if period.kind == "week":
        return plain(t("report.period_week", week=t.week(period.key)))
    return plain(period_label(t, period))


def inline(t: Translator, items: Sequence[str]) -> str:
    """Items in one sentence, the first MAX_LISTED of them and how many more."""
    shown = "; ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += " " + plain(t("report.and_more_inline", count=len(items) - MAX_LISTED))
    return shown


def listed(t: Translator, lines: Sequence[str]) -> tuple[str, ...]:
    """Lines one under the other, the first MAX_LISTED of them and how many more."""
    shown = tuple(lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        shown += (plain(t("report.and_more", count=len(lines) - MAX_LISTED)),)
    return shown


class Drafting:
    """One report being drafted: its digest, the reader's words, when and where it is drafted,
    and what several of its parts read."""

    def __init__(
        self,
        digest: Digest,
        t: Translator,
        *,
        now: datetime,
        tz: ZoneInfo,
        parent: UnitRow | None,
    ) -> None:
        self.digest = digest
        self.t = t
        self.now = now
        self.tz = tz
        self.parent = parent
        self.unit = digest.root
        self.label = {u.id: u.label for u in digest.units.values()}
        self.models = model_lines(digest)
        self.period_text = period_words(t, digest.period)
        self.before_text = period_words(t, digest.period.previous())

    def where(self, hamlet_id: int) -> str:
        return self.label.get(hamlet_id, "")
