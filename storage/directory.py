"""Where residents live and who heads their hamlet: communes, hamlets, hamlet heads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from rapidfuzz import fuzz, process
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.enums import Role, UnitKind
from storage.models import Person, RoleAssignment, Unit
from storage.text import fold

# How alike a typed name must be to a unit's name to count as a typo of it (0-100).
MIN_NAME_SIMILARITY = 85
Key = TypeVar("Key")


@dataclass(frozen=True)
class Place:
    """A unit with the name of the unit above it, to tell same-named ones apart."""

    unit: Unit
    parent_name: str | None

    @property
    def id(self) -> int:
        return self.unit.id


async def communes_with_hamlets(session: AsyncSession) -> list[Place]:
    """Current communes that have at least one current hamlet on record."""
    hamlet, province = aliased(Unit), aliased(Unit)
    has_hamlet = (
        select(hamlet.id)
        .where(
            hamlet.parent_id == Unit.id,
            hamlet.kind == UnitKind.HAMLET,
            hamlet.valid_to.is_(None),
        )
        .exists()
    )
    query = (
        select(Unit, province.name)
        .outerjoin(province, province.id == Unit.parent_id)
        .where(Unit.kind == UnitKind.COMMUNE, Unit.valid_to.is_(None), has_hamlet)
        .order_by(Unit.search_name, Unit.id)
    )
    return [Place(unit, name) for unit, name in (await session.execute(query)).all()]


async def hamlets_of(session: AsyncSession, commune_id: int) -> list[Place]:
    query = (
        select(Unit)
        .where(
            Unit.parent_id == commune_id,
            Unit.kind == UnitKind.HAMLET,
            Unit.valid_to.is_(None),
        )
        .order_by(Unit.search_name, Unit.id)
    )
    return [Place(unit, None) for unit in (await session.execute(query)).scalars()]


async def hamlet_head(session: AsyncSession, hamlet_id: int, now: datetime) -> Person | None:
    """The person who holds the hamlet head's role there now."""
    query = (
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(
            RoleAssignment.unit_id == hamlet_id,
            RoleAssignment.role == Role.REPORTER,
            RoleAssignment.valid_from <= now,
            or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to > now),
        )
        .order_by(RoleAssignment.valid_from.desc(), RoleAssignment.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


def by_name(typed: str, places: Sequence[Place]) -> list[Place]:
    """The places a typed name means, with or without diacritics or its kind ('xã ...')."""
    wanted = set(matching(typed, {p.id: (p.unit.name, p.unit.label) for p in places}))
    return [p for p in places if p.id in wanted]


def matching(typed: str, names: Mapping[Key, tuple[str, ...]]) -> list[Key]:
    """The keys whose names a typed name means, diacritics optional, in the given order.

    The same name in full first; then names that contain what was typed; then typos of the
    first name (the unit's own name, say, rather than its label).
    """
    key = fold(typed)
    if not key:
        return []
    folded = {k: [fold(name) for name in given] for k, given in names.items()}
    exact = [k for k, found in folded.items() if key in found]
    if exact:
        return exact
    partial = [k for k, found in folded.items() if any(key in name for name in found)]
    if partial:
        return partial
    first = {k: found[0] for k, found in folded.items() if found}
    close = process.extract(
        key,
        first,
        scorer=fuzz.ratio,
        score_cutoff=MIN_NAME_SIMILARITY,
        limit=len(first),
    )
    similar = {found[2] for found in close}
    return [k for k in names if k in similar]
