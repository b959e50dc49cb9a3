"""What a digest's buttons act on: its unit, for an officer of it or of a unit above it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from storage import alerts as alert_records
from storage.models import Unit
from storage.people import ActiveRole


async def unit_overseen(
    session: AsyncSession, roles: Iterable[ActiveRole], unit_id: int
) -> Unit | None:
    """The unit, when one of `roles` is an officer's over it; None otherwise."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return None
    for active in roles:
        if active.role in alert_records.OFFICER_ROLES and await alert_records.in_subtree(
            session, active.unit.id, unit.id
        ):
            return unit
    return None
