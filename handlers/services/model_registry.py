"""The model registry as an officer changes it: a model added to a hamlet, paused, resumed,
stopped."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from storage import alerts as alert_records
from storage import models_registry
from storage.enums import ModelStatus
from storage.models import ModelInstance, ModelType, Organization, Unit


async def own_model(session: AsyncSession, root_id: int, instance_id: int) -> ModelInstance | None:
    """The model, when its hamlet is in the subtree of `root_id`."""
    instance = await session.get(ModelInstance, instance_id)
    if instance is None or not await alert_records.in_subtree(session, root_id, instance.hamlet_id):
        return None
    return instance


async def model_parts(
    session: AsyncSession, model_type_id: int, organization_id: int, hamlet_id: int
) -> tuple[ModelType, Organization, Unit]:
    """What a model (or one about to be added) is, who runs it and where, for its wording."""
    return (
        await session.get_one(ModelType, model_type_id),
        await session.get_one(Organization, organization_id),
        await session.get_one(Unit, hamlet_id),
    )


async def running_alike(
    session: AsyncSession, hamlet_id: int, model_type_id: int, organization_id: int
) -> tuple[ModelInstance | None, list[str]]:
    """The hamlet's running model of this type by this very organization, if any, and the
    names of the other organizations running one of the type."""
    running = await models_registry.running_of_type(session, hamlet_id, model_type_id)
    same = next((i for i, o in running if o.id == organization_id), None)
    return same, list(dict.fromkeys(o.name for _, o in running))


async def set_model_status(
    session: AsyncSession, instance: ModelInstance, status: ModelStatus, today: date
) -> None:
    instance.status = status
    if status is ModelStatus.STOPPED:
        instance.stopped_on = today
    await session.flush()


async def add_model(
    session: AsyncSession, *, hamlet_id: int, model_type_id: int, organization_id: int, today: date
) -> ModelInstance:
    """A model the hamlet runs from today."""
    instance = ModelInstance(
        model_type_id=model_type_id,
        hamlet_id=hamlet_id,
        organization_id=organization_id,
        started_on=today,
        status=ModelStatus.ACTIVE,
    )
    session.add(instance)
    await session.flush()
    return instance
