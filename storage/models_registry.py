"""Self-management model instances of a hamlet."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import ModelStatus
from storage.models import ModelInstance, ModelType, Organization


async def active_in_hamlet(
    session: AsyncSession, hamlet_id: int
) -> list[tuple[ModelInstance, ModelType, Organization]]:
    query = (
        select(ModelInstance, ModelType, Organization)
        .join(ModelType, ModelType.id == ModelInstance.model_type_id)
        .join(Organization, Organization.id == ModelInstance.organization_id)
        .where(ModelInstance.hamlet_id == hamlet_id, ModelInstance.status == ModelStatus.ACTIVE)
        .order_by(ModelType.id, Organization.id)
    )
    return [(i, t, o) for i, t, o in (await session.execute(query)).all()]


async def running_of_type(
    session: AsyncSession, hamlet_id: int, model_type_id: int
) -> list[tuple[ModelInstance, Organization]]:
    """The hamlet's models of one type that are not stopped (active or paused), oldest first."""
    query = (
        select(ModelInstance, Organization)
        .join(Organization, Organization.id == ModelInstance.organization_id)
        .where(
            ModelInstance.hamlet_id == hamlet_id,
            ModelInstance.model_type_id == model_type_id,
            ModelInstance.status != ModelStatus.STOPPED,
        )
        .order_by(ModelInstance.id)
    )
    return [(i, o) for i, o in (await session.execute(query)).all()]
