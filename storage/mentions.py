"""A forgotten person's name and phone, taken out of every free text that still holds them.

Alerts, digests, notes, drafts and error texts copy a person's name and phone when they are
written; erasing the person's own row leaves those copies. Every text and JSON column of every
table is searched, except the tables of places and things (whose names are not about people)
and the rows of people and accounts, which forgetting erases whole, so that a namesake's own
row is never touched. A name is replaced only where it stands as whole words, and only when it
has two words or more: a single word ("An") is also an ordinary word ("An ninh").
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import escape
from sqlalchemy import JSON, Column, ColumnElement, Enum, String, Table, Text, cast, or_, select
from sqlalchemy import update as update_statement
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

# Names of places and things, and the rows forgetting erases itself.
NOT_SEARCHED = frozenset({"units", "organizations", "model_types", "people", "identities"})
BATCH = 1000


@dataclass(frozen=True)
class Mentions:
    """What to look for and what to write in its place."""

    names: frozenset[str]
    phones: frozenset[str]
    replacement: str

    @classmethod
    def of(cls, names: Iterable[str], phones: Iterable[str], replacement: str) -> Mentions:
        whole = frozenset(name.strip() for name in names if len(name.split()) >= 2)
        numbers = frozenset(phone.strip() for phone in phones if phone.strip())
        return cls(whole, numbers, replacement)

    @property
    def empty(self) -> bool:
        return not self.names and not self.phones

    def written(self) -> set[str]:
        """Each name and phone as a text may hold it: as typed, HTML-escaped, and a phone
        also in its international forms."""
        forms = {form for name in self.names for form in (name, str(escape(name)))}
        for phone in self.phones:
            forms.add(phone)
            if phone.startswith("0"):
                forms |= {"+84" + phone[1:], "84" + phone[1:]}
        return forms

    def in_json(self) -> set[str]:
        """The same as JSON stores them: non-ASCII letters as \\u escapes."""
        return {json.dumps(form)[1:-1] for form in self.written()} | self.written()

    def pattern(self) -> re.Pattern[str]:
        names = {form for name in self.names for form in (name, str(escape(name)))}
        phones = self.written() - names
        parts = [rf"(?<!\w)(?:{_either(names)})(?!\w)"] if names else []
        if phones:
            parts.append(rf"(?<!\d)(?:{_either(phones)})(?!\d)")
        return re.compile("|".join(parts))


def _either(forms: Collection[str]) -> str:
    # Longest first, so that "+84912..." is not cut at "84912...".
    return "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))


def searched_columns(table: Table) -> list[Column[Any]]:
    return [
        column
        for column in table.columns
        if isinstance(column.type, String | JSON) and not isinstance(column.type, Enum)
    ]


def searched_tables() -> list[Table]:
    return [
        table
        for table in Base.metadata.sorted_tables
        if table.name not in NOT_SEARCHED and searched_columns(table)
    ]


async def erase(session: AsyncSession, mentions: Mentions) -> dict[str, int]:
    """Replace every mention; how many rows changed, per table (only tables with changes)."""
    if mentions.empty:
        return {}
    pattern = mentions.pattern()
    changed: dict[str, int] = {}
    for table in searched_tables():
        count = await _erase_in(session, table, mentions, pattern)
        if count:
            changed[table.name] = count
    return changed


async def _erase_in(
    session: AsyncSession, table: Table, mentions: Mentions, pattern: re.Pattern[str]
) -> int:
    [key] = table.primary_key.columns
    columns = searched_columns(table)
    found = or_(*(_holds(column, mentions) for column in columns))
    changed, last = 0, None
    while True:
        query = select(key, *columns).where(found).order_by(key).limit(BATCH)
        if last is not None:
            query = query.where(key > last)
        rows = (await session.execute(query)).all()
        for row in rows:
            values = {}
            for column, value in zip(columns, row[1:], strict=True):
                replaced = _replace(value, pattern, mentions.replacement)
                if replaced != value:
                    values[column.name] = replaced
            if values:
                await session.execute(update_statement(table).where(key == row[0]).values(**values))
                changed += 1
        if len(rows) < BATCH:
            return changed
        last = rows[-1][0]


def _holds(column: Column[Any], mentions: Mentions) -> ColumnElement[bool]:
    """A cheap first look in SQL; the pattern decides."""
    if isinstance(column.type, JSON):
        as_text = cast(column, Text)
        return or_(*(as_text.contains(form, autoescape=True) for form in mentions.in_json()))
    return or_(*(column.contains(form, autoescape=True) for form in mentions.written()))


def _replace(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(lambda _match: replacement, value)
    if isinstance(value, list):
        return [_replace(item, pattern, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, pattern, replacement) for key, item in value.items()}
    return value
