"""Hamlets from a CSV file: every row checked first, then all written or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from storage import units
from storage.enums import UnitKind
from storage.models import Unit
from storage.text import clean, fold

COLUMNS = ("commune", "name", "division_type", "code", "valid_from")
REQUIRED = ("commune", "name")
DEFAULT_DIVISION = "thôn"


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    added: list[Unit]
    errors: list[RowError]


async def import_csv(session: AsyncSession, content: str) -> ImportReport:
    """Adds hamlets under communes; with any error, adds nothing and lists every bad line."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return ImportReport([], [RowError(1, f"missing columns: {', '.join(missing)}")])
    errors: list[RowError] = []
    planned: list[Unit] = []
    seen: set[tuple[int, str]] = set()
    for row in reader:
        line = reader.line_num
        name = clean(row.get("name") or "")
        commune_query = clean(row.get("commune") or "")
        if not name or not commune_query:
            errors.append(RowError(line, "commune and name are required"))
            continue
        try:
            commune = await units.resolve(session, commune_query, (UnitKind.COMMUNE,))
        except units.Ambiguous as ambiguous:
            codes = ", ".join(str(u.code) for u in ambiguous.candidates)
            errors.append(
                RowError(line, f"commune '{commune_query}' is ambiguous; use a code: {codes}")
            )
            continue
        except LookupError:
            errors.append(RowError(line, f"no commune '{commune_query}'"))
            continue
        valid_from = None
        if row.get("valid_from"):
            try:
                valid_from = date.fromisoformat(str(row["valid_from"]).strip())
            except ValueError:
                errors.append(RowError(line, "valid_from must be YYYY-MM-DD"))
                continue
        key = (commune.id, fold(name))
        duplicate = key in seen or any(
            u.parent_id == commune.id for u in await units.find(session, name, (UnitKind.HAMLET,))
        )
        if duplicate:
            errors.append(RowError(line, f"'{name}' already exists in {commune.label}"))
            continue
        seen.add(key)
        hamlet = units.new_unit(
            kind=UnitKind.HAMLET,
            name=name,
            division_type=clean(row.get("division_type") or "") or DEFAULT_DIVISION,
            parent_id=commune.id,
            code=clean(row.get("code") or "") or None,
        )
        hamlet.valid_from = valid_from
        planned.append(hamlet)
    if errors:
        return ImportReport([], errors)
    session.add_all(planned)
    await session.flush()
    return ImportReport(planned, [])
