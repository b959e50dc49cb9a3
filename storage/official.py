"""The official provinces and communes, from the vietnam-provinces package."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import UnitKind
from storage.models import Unit
from storage.text import fold
from storage.units import new_unit, split_division


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    total: int


DISPLAY_DIVISION = {"thành phố trung ương": "thành phố"}


def _code(number: int) -> str:
    return str(number)


async def sync(session: AsyncSession) -> SyncResult:
    """Insert or rename every current province and commune; keyed by official code."""
    # The whole country's tables, loaded by the commands that sync, not by every process.
    from vietnam_provinces import Province, Ward

    existing = {
        (unit.kind, unit.code): unit
        for unit in (
            await session.execute(
                select(Unit).where(
                    Unit.kind.in_((UnitKind.PROVINCE, UnitKind.COMMUNE)), Unit.code.is_not(None)
                )
            )
        ).scalars()
    }
    added = updated = 0
    provinces: dict[int, Unit] = {}
    for province in Province.iter_all():
        division = DISPLAY_DIVISION.get(province.division_type.value, province.division_type.value)
        unit, was_added, was_updated = _upsert(
            existing,
            UnitKind.PROVINCE,
            _code(province.code.value),
            split_division(province.name, division),
            division,
            None,
        )
        if was_added:
            session.add(unit)
        added, updated = added + was_added, updated + was_updated
        provinces[province.code.value] = unit
    await session.flush()
    for ward in Ward.iter_all():
        division = ward.division_type.value
        parent = provinces[ward.province_code.value]
        unit, was_added, was_updated = _upsert(
            existing,
            UnitKind.COMMUNE,
            _code(ward.code.value),
            split_division(ward.name, division),
            division,
            parent.id,
        )
        if was_added:
            session.add(unit)
        added, updated = added + was_added, updated + was_updated
    await session.flush()
    return SyncResult(added=added, updated=updated, total=len(existing))


def _upsert(
    existing: dict[tuple[UnitKind, str | None], Unit],
    kind: UnitKind,
    code: str,
    name: str,
    division: str,
    parent_id: int | None,
) -> tuple[Unit, bool, bool]:
    unit = existing.get((kind, code))
    if unit is None:
        unit = new_unit(
            kind=kind, name=name, division_type=division, parent_id=parent_id, code=code
        )
        existing[(kind, code)] = unit
        return unit, True, False
    changed = (unit.name, unit.division_type, unit.parent_id) != (name, division, parent_id)
    if changed:
        unit.name, unit.search_name = name, fold(name)
        unit.division_type, unit.parent_id = division, parent_id
    return unit, False, changed
