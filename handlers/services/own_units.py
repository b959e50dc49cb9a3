"""A unit an officer names, checked against their own subtree."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from storage import alerts as alert_records
from storage.enums import UnitKind
from storage.models import Unit


async def unit_in_area(
    session: AsyncSession, root_id: int, unit_id: int, kinds: Collection[UnitKind] | None = None
) -> Unit | None:
    """The unit, when it is of one of `kinds` (any, if not given) and in the subtree of
    `root_id`; None otherwise, so an answer naming another area's unit is refused."""
    unit = await session.get(Unit, unit_id)
    if unit is None or (kinds is not None and unit.kind not in kinds):
        return None
    if not await alert_records.in_subtree(session, root_id, unit.id):
        return None
    return unit
