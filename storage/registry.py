"""Lists an officer works from: units, open incidents and models of their subtree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.digests import OPEN_STATUSES, history_tree
from storage.enums import ReportKind, UnitKind
from storage.models import ModelInstance, ModelType, Organization, Report, Unit
from storage.text import fold


async def current_units(
    session: AsyncSession, root_id: int, kinds: tuple[UnitKind, ...], limit: int
) -> list[Unit]:
    """Units of these kinds in the subtree that still exist, by name; at most `limit`."""
    tree = history_tree(root_id)
    query = (
        select(Unit)
        .where(
            Unit.id.in_(select(tree.c.id)),
            Unit.kind.in_(kinds),
            Unit.valid_to.is_(None),
            Unit.merged_into_id.is_(None),
        )
        .order_by(Unit.search_name, Unit.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def find_in_subtree(
    session: AsyncSession, root_id: int, text: str, kinds: tuple[UnitKind, ...]
) -> list[Unit]:
    """Units of the subtree whose code is `text` or whose name it matches, diacritics optional."""
    tree = history_tree(root_id)
    key = fold(text)
    for prefix in ("thon", "ban", "xom", "ap", "to dan pho", "khu pho", "pho", "xa", "phuong"):
        if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
            key = key[len(prefix) + 1 :]
            break
    query = (
        select(Unit)
        .where(
            Unit.id.in_(select(tree.c.id)),
            Unit.kind.in_(kinds),
            Unit.valid_to.is_(None),
            (Unit.search_name == key) | (Unit.code == text.strip()),
        )
        .order_by(Unit.id)
    )
    return list((await session.execute(query)).scalars())


async def open_incidents(session: AsyncSession, root_id: int, limit: int) -> list[Report]:
    tree = history_tree(root_id)
    query = (
        select(Report)
        .where(
            Report.unit_id.in_(select(tree.c.id)),
            Report.kind == ReportKind.INCIDENT,
            Report.status.in_(OPEN_STATUSES),
            Report.withdrawn_at.is_(None),
        )
        .order_by(Report.urgent.desc(), Report.received_at, Report.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def models_in(
    session: AsyncSession, root_id: int, limit: int, hamlet_id: int | None = None
) -> list[tuple[ModelInstance, ModelType, Organization, Unit]]:
    tree = history_tree(root_id)
    query = (
        select(ModelInstance, ModelType, Organization, Unit)
        .join(ModelType, ModelType.id == ModelInstance.model_type_id)
        .join(Organization, Organization.id == ModelInstance.organization_id)
        .join(Unit, Unit.id == ModelInstance.hamlet_id)
        .where(ModelInstance.hamlet_id.in_(select(tree.c.id)))
        .order_by(Unit.search_name, ModelType.id, Organization.name)
        .limit(limit)
    )
    if hamlet_id is not None:
        query = query.where(ModelInstance.hamlet_id == hamlet_id)
    return [(i, t, o, u) for i, t, o, u in (await session.execute(query)).all()]


async def model_types(session: AsyncSession) -> list[ModelType]:
    return list((await session.execute(select(ModelType).order_by(ModelType.id))).scalars())


async def organizations(session: AsyncSession) -> list[Organization]:
    query = select(Organization).order_by(Organization.id)
    return list((await session.execute(query)).scalars())
