"""Who is due a reminder: hamlets with no report this week, and the heads who report for them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Role, UnitKind
from storage.models import Report, RoleAssignment, Unit
from storage.people import holds_role


@dataclass(frozen=True)
class Due:
    hamlet_id: int
    hamlet_label: str
    person_id: int


async def silent_hamlet_heads(
    session: AsyncSession, week: str, monday: date, now: datetime
) -> list[Due]:
    """Hamlet heads (deputies where a hamlet has no head) of hamlets with no report in `week`."""
    reported = select(Report.unit_id).where(Report.week == week, Report.withdrawn_at.is_(None))
    query = (
        select(
            Unit.id, Unit.division_type, Unit.name, RoleAssignment.person_id, RoleAssignment.role
        )
        .join(RoleAssignment, RoleAssignment.unit_id == Unit.id)
        .where(
            Unit.kind == UnitKind.HAMLET,
            or_(Unit.valid_to.is_(None), Unit.valid_to >= monday),
            Unit.id.not_in(reported),
            RoleAssignment.role.in_((Role.REPORTER, Role.DEPUTY)),
            holds_role(now),
        )
        .order_by(Unit.id, RoleAssignment.id)
    )
    heads: dict[int, list[Due]] = {}
    deputies: dict[int, list[Due]] = {}
    for unit_id, division, name, person_id, role in (await session.execute(query)).all():
        target = heads if role is Role.REPORTER else deputies
        target.setdefault(unit_id, []).append(Due(unit_id, f"{division} {name}".strip(), person_id))
    found: list[Due] = []
    for unit_id in sorted({*heads, *deputies}):
        found += heads.get(unit_id) or deputies[unit_id]
    return found


def without_paused(
    due: list[Due],
    ancestors: Mapping[int, Collection[int]],
    paused_units: set[int],
    paused_people: set[int],
) -> list[Due]:
    return [
        d
        for d in due
        if d.person_id not in paused_people and not (set(ancestors[d.hamlet_id]) & paused_units)
    ]
