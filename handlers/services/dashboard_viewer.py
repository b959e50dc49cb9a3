"""Who is looking at the officers' web pages, and which of their units a page is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import officer_units_of
from storage import people
from storage.models import Person, Unit
from storage.people import ActiveRole


@dataclass(frozen=True)
class Viewer:
    person_id: int
    name: str
    roles: list[ActiveRole]
    # The units they are an officer of; none: not an officer, no page is theirs.
    units: list[Unit]
    # The unit they chose to act for in the chat, the pages' default.
    acting_unit_id: int | None = None

    @property
    def is_officer(self) -> bool:
        return bool(self.units)


async def viewer(session: AsyncSession, person_id: int, now: datetime) -> Viewer:
    person = await session.get(Person, person_id)
    roles = await people.active_roles(session, person_id, now)
    if person is None:
        return Viewer(person_id, "", [], [])
    units = officer_units_of(roles)
    return Viewer(person_id, person.full_name, roles, units, person.acting_unit_id)


def unit_for(viewer: Viewer, unit_id: int | None, acting_unit_id: int | None) -> Unit | None:
    """The unit asked for when it is one of the viewer's; without one, the unit they act for
    in the chat, else their first. None: asked for a unit not theirs, or not an officer."""
    by_id = {unit.id: unit for unit in viewer.units}
    if unit_id is not None:
        return by_id.get(unit_id)
    if acting_unit_id is not None and acting_unit_id in by_id:
        return by_id[acting_unit_id]
    return viewer.units[0] if viewer.units else None
