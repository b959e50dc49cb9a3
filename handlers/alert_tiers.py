"""Whom an urgent alert is told to, tier by tier: the commune's officers on duty, then its
deputies, then the officers on duty and deputies of each unit above it, nearest first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage import units
from storage.enums import AlertDuty
from storage.models import Unit


@dataclass(frozen=True)
class Tier:
    unit_id: int
    duties: tuple[AlertDuty, ...]


async def tiers(session: AsyncSession, commune_id: int) -> list[Tier]:
    found = [Tier(commune_id, (AlertDuty.ON_DUTY,)), Tier(commune_id, (AlertDuty.DEPUTY,))]
    commune = await session.get_one(Unit, commune_id)
    for above in reversed((await units.ancestors(session, commune))[:-1]):
        found.append(Tier(above.id, (AlertDuty.ON_DUTY, AlertDuty.DEPUTY)))
    return found
