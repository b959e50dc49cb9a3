"""The model registry: the models the hamlets of the officer's subtree run, added and changed."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows import incident
from handlers.flows.officer.common import (
    FLOW,
    MAX_CHOICES,
    _ask_unit_in,
    _back,
    _picked,
    _refuse,
    _unit_answer,
    unit_of,
)
from handlers.flows.officer.units import _asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.registry import step
from handlers.titles import capitalized
from storage import alerts as alert_records
from storage import models_registry, registry
from storage.enums import ModelStatus, UnitKind
from storage.models import (
    ModelInstance,
    ModelType,
    Organization,
    Unit,
)


async def list_models(ctx: Ctx, intro: Markup | None = None) -> None:
    if _asks_unit_first(ctx, "models"):
        return
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    found = await registry.models_in(ctx.session, unit.id, MAX_CHOICES)
    options = [
        Choice(
            id=str(instance.id),
            label=str(
                ctx.t(
                    "officer.model_line",
                    hamlet=hamlet.label,
                    model=model_type.name,
                    organization=organization.name,
                    status=ctx.t(f"model_status.{instance.status.value}"),
                )
            ),
        )
        for instance, model_type, organization, hamlet in found
    ]
    add = Choice(id="add", label=str(ctx.t("officer.model_add")))
    question = ctx.t("officer.models" if options else "officer.no_models")
    ctx.legacy_ask(FLOW, "models", question, [add, *options, _back(ctx)], intro=intro)


@step(FLOW, "models")
async def on_models(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    if unit is None:
        _refuse(ctx)
        return
    if chosen == "add":
        await _ask_unit_in(ctx, "model_hamlet", unit, (UnitKind.HAMLET,))
        return
    instance = await ctx.session.get(ModelInstance, int(chosen))
    if instance is None or not await alert_records.in_subtree(
        ctx.session, unit.id, instance.hamlet_id
    ):
        _refuse(ctx)
        return
    await _show_model(ctx, instance)


async def _model_parts(
    ctx: Ctx, model_type_id: int, organization_id: int, hamlet_id: int
) -> tuple[ModelType, Organization, Unit]:
    return (
        await ctx.session.get_one(ModelType, model_type_id),
        await ctx.session.get_one(Organization, organization_id),
        await ctx.session.get_one(Unit, hamlet_id),
    )


async def _show_model(ctx: Ctx, instance: ModelInstance, intro: Markup | None = None) -> None:
    model_type, organization, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    actions = {
        ModelStatus.ACTIVE: ("pause", "stop"),
        ModelStatus.PAUSED: ("resume", "stop"),
        ModelStatus.STOPPED: ("resume",),
    }[instance.status]
    options = [Choice(id=a, label=str(ctx.t(f"officer.model_{a}"))) for a in actions]
    ctx.data["instance_id"] = instance.id
    text = ctx.t(
        "officer.model_details",
        hamlet=hamlet.label,
        model=model_type.name,
        organization=organization.name,
        status=ctx.t(f"model_status.{instance.status.value}"),
        started=ctx.t.date(instance.started_on),
    )
    ctx.legacy_ask(FLOW, "model", text, [*options, _back(ctx)], intro=intro)


MODEL_STATUS_BY_ACTION = {
    "pause": ModelStatus.PAUSED,
    "stop": ModelStatus.STOPPED,
    "resume": ModelStatus.ACTIVE,
}


async def _own_model(ctx: Ctx) -> ModelInstance | None:
    """The model the officer is looking at, when it is still in their subtree."""
    unit = unit_of(ctx)
    instance = await ctx.session.get(ModelInstance, int(ctx.data.get("instance_id", 0)))
    if (
        unit is None
        or instance is None
        or not await alert_records.in_subtree(ctx.session, unit.id, instance.hamlet_id)
    ):
        return None
    return instance


@step(FLOW, "model")
async def on_model(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    instance = await _own_model(ctx)
    if instance is None or chosen not in MODEL_STATUS_BY_ACTION:
        _refuse(ctx)
        return
    if chosen != "stop":
        await _set_model_status(ctx, instance, MODEL_STATUS_BY_ACTION[chosen])
        return
    model_type, _, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    question = ctx.t("officer.model_stop_confirm", model=model_type.name, hamlet=hamlet.label)
    ctx.legacy_ask(FLOW, "model_stop_confirm", question, incident.yes_no(ctx))


@step(FLOW, "model_stop_confirm")
async def on_model_stop_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    instance = await _own_model(ctx)
    if instance is None:
        _refuse(ctx)
    elif chosen == "yes":
        await _set_model_status(ctx, instance, ModelStatus.STOPPED)
    else:
        await _show_model(ctx, instance, ctx.t("officer.model_not_changed"))


async def _set_model_status(ctx: Ctx, instance: ModelInstance, status: ModelStatus) -> None:
    instance.status = status
    if status is ModelStatus.STOPPED:
        instance.stopped_on = ctx.local_now.date()
    model_type, _, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    done = ctx.t(f"officer.model_{status.value}_done", model=model_type.name, hamlet=hamlet.label)
    await list_models(ctx, done)


@step(FLOW, "model_hamlet")
async def on_model_hamlet(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    hamlet = await _unit_answer(ctx, event, unit, (UnitKind.HAMLET,))
    if hamlet is None:
        return
    ctx.data["hamlet_id"] = hamlet.id
    types = await registry.model_types(ctx.session)
    options = [Choice(id=str(t.id), label=t.name) for t in types]
    ctx.legacy_ask(FLOW, "model_type", ctx.t("officer.ask_model_type"), [*options, _back(ctx)])


@step(FLOW, "model_type")
async def on_model_type(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    ctx.data["model_type_id"] = int(chosen)
    found = await registry.organizations(ctx.session)
    options = [Choice(id=str(o.id), label=o.name) for o in found]
    ctx.legacy_ask(FLOW, "model_org", ctx.t("officer.ask_organization"), [*options, _back(ctx)])


@step(FLOW, "model_org")
async def on_model_org(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    hamlet_id = int(ctx.data.get("hamlet_id", 0))
    if unit is None or not await alert_records.in_subtree(ctx.session, unit.id, hamlet_id):
        _refuse(ctx)
        return
    model_type_id, organization_id = int(ctx.data.get("model_type_id", 0)), int(chosen)
    running = await models_registry.running_of_type(ctx.session, hamlet_id, model_type_id)
    same = next((i for i, o in running if o.id == organization_id), None)
    if same is not None:
        ctx.reprompt(await _model_duplicate(ctx, same))
        return
    others = list(dict.fromkeys(o.name for _, o in running))
    await _ask_model_confirm(ctx, organization_id, others)


async def _model_duplicate(ctx: Ctx, instance: ModelInstance) -> Markup:
    """The hamlet already has this very model by this organization: nothing is added."""
    model_type, organization, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    return ctx.t(
        "officer.model_duplicate",
        hamlet=capitalized(hamlet.label),
        model=model_type.name,
        organization=organization.name,
        status=ctx.t(f"model_status.{instance.status.value}"),
        started=ctx.t.date(instance.started_on),
    )


async def _ask_model_confirm(ctx: Ctx, organization_id: int, others: list[str]) -> None:
    """Before a model is added: what exactly, and which organizations already run one."""
    ctx.data["organization_id"] = organization_id
    model_type, organization, hamlet = await _model_parts(
        ctx, int(ctx.data["model_type_id"]), organization_id, int(ctx.data["hamlet_id"])
    )
    lines = [
        ctx.t(
            "officer.model_add_confirm",
            model=model_type.name,
            organization=organization.name,
            hamlet=hamlet.label,
        )
    ]
    if others:
        lines.insert(0, ctx.t("officer.model_overlap", organizations=", ".join(others)))
    ctx.legacy_ask(FLOW, "model_confirm", Markup("\n").join(lines), incident.yes_no(ctx))


@step(FLOW, "model_confirm")
async def on_model_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    hamlet_id = int(ctx.data.get("hamlet_id", 0))
    if unit is None or not await alert_records.in_subtree(ctx.session, unit.id, hamlet_id):
        _refuse(ctx)
        return
    if chosen != "yes":
        await list_models(ctx, ctx.t("officer.model_not_added"))
        return
    model_type_id = int(ctx.data["model_type_id"])
    organization_id = int(ctx.data["organization_id"])
    # Another officer may have added the same model while this one was asked.
    running = await models_registry.running_of_type(ctx.session, hamlet_id, model_type_id)
    same = next((i for i, o in running if o.id == organization_id), None)
    if same is not None:
        await list_models(ctx, await _model_duplicate(ctx, same))
        return
    instance = ModelInstance(
        model_type_id=model_type_id,
        hamlet_id=hamlet_id,
        organization_id=organization_id,
        started_on=ctx.local_now.date(),
        status=ModelStatus.ACTIVE,
    )
    ctx.session.add(instance)
    await ctx.session.flush()
    model_type, organization, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, hamlet_id
    )
    added = ctx.t(
        "officer.model_added",
        model=model_type.name,
        organization=organization.name,
        hamlet=hamlet.label,
    )
    await list_models(ctx, added)


# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
