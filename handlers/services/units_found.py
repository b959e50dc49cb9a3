"""The units of an officer's subtree a typed name may mean, when it names none exactly."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from storage import alerts as alert_records
from storage import registry
from storage import units as unit_records
from storage.enums import UnitKind
from storage.models import Unit


@dataclass(frozen=True)
class Unfound:
    """Why a name named no unit of the subtree: another area's unit (`outside`), or a typo
    with the names it may have meant (a merged unit's successor first)."""

    outside: bool = False
    nearest: list[Unit] = field(default_factory=list)


async def why_unfound(
    session: AsyncSession, root_id: int, typed: str, kinds: tuple[UnitKind, ...]
) -> Unfound:
    anywhere = await unit_records.find(session, typed, kinds)
    ours = [u for u in anywhere if await alert_records.in_subtree(session, root_id, u.id)]
    if anywhere and not ours:
        return Unfound(outside=True)
    merged = [await unit_records.successor(session, u) for u in ours]
    successors = [u for u in merged if u is not None]
    return Unfound(nearest=successors or await unit_records.nearest(session, root_id, typed, kinds))


async def example_name(
    session: AsyncSession, root: Unit, typed: str, kinds: tuple[UnitKind, ...]
) -> str:
    """A name to show in an example: the nearest to what was typed, else a hamlet of the
    subtree, else the root's own."""
    nearest = await unit_records.nearest(session, root.id, typed, kinds, limit=1)
    example = nearest or await registry.current_units(session, root.id, (UnitKind.HAMLET,), 1)
    return (example or [root])[0].name
