"""The model registry: the models the hamlets of the officer's subtree run, added and changed."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import access
from handlers.access import Need
from handlers.context import Ctx
from handlers.flow import Flow, FlowState, Step
from handlers.flows import incident
from handlers.flows.officer.common import MAX_CHOICES, ask_unit_in, unit_answer
from handlers.flows.officer.units import asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.services.model_registry import (
    add_model,
    model_parts,
    own_model,
    running_alike,
    set_model_status,
)
from handlers.steps import Steps
from handlers.titles import capitalized
from storage import alerts as alert_records
from storage import registry
from storage.enums import ModelStatus, UnitKind
from storage.models import ModelInstance


class At(Steps, flow="models"):
    MODELS = "models"
    MODEL = "model"
    STOP_CONFIRM = "model_stop_confirm"
    HAMLET = "model_hamlet"
    TYPE = "model_type"
    ORG = "model_org"
    CONFIRM = "model_confirm"


class ModelsState(FlowState):
    """The model looked at, or the hamlet, type and organization of the one being added."""

    instance_id: int | None = None
    hamlet_id: int | None = None
    model_type_id: int | None = None
    organization_id: int | None = None


async def list_models(ctx: Ctx, intro: Markup | None = None) -> None:
    if asks_unit_first(ctx, "models"):
        return
    unit = access.office(ctx)
    ctx.begin(ModelsState())
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
    ctx.ask(At.MODELS, question, [add, *options, ctx.back_choice()], intro=intro)


async def on_models(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    unit = access.office(ctx)
    if chosen == "add":
        await ask_unit_in(ctx, At.HAMLET, unit, (UnitKind.HAMLET,))
        return
    instance = await own_model(ctx.session, unit.id, int(chosen))
    if instance is None:
        raise access.NotAllowed
    await _show_model(ctx, instance)


async def _show_model(ctx: Ctx, instance: ModelInstance, intro: Markup | None = None) -> None:
    model_type, organization, hamlet = await model_parts(
        ctx.session, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    actions = {
        ModelStatus.ACTIVE: ("pause", "stop"),
        ModelStatus.PAUSED: ("resume", "stop"),
        ModelStatus.STOPPED: ("resume",),
    }[instance.status]
    options = [Choice(id=a, label=str(ctx.t(f"officer.model_{a}"))) for a in actions]
    ctx.state(ModelsState).instance_id = instance.id
    text = ctx.t(
        "officer.model_details",
        hamlet=hamlet.label,
        model=model_type.name,
        organization=organization.name,
        status=ctx.t(f"model_status.{instance.status.value}"),
        started=ctx.t.date(instance.started_on),
    )
    ctx.ask(At.MODEL, text, [*options, ctx.back_choice()], intro=intro)


MODEL_STATUS_BY_ACTION = {
    "pause": ModelStatus.PAUSED,
    "stop": ModelStatus.STOPPED,
    "resume": ModelStatus.ACTIVE,
}


async def _own_model(ctx: Ctx) -> ModelInstance:
    """The model the officer is looking at, when it is still in their subtree."""
    unit = access.office(ctx)
    instance_id = ctx.state(ModelsState).instance_id
    instance = await own_model(ctx.session, unit.id, instance_id) if instance_id else None
    if instance is None:
        raise access.NotAllowed
    return instance


async def on_model(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    instance = await _own_model(ctx)
    if chosen not in MODEL_STATUS_BY_ACTION:
        raise access.NotAllowed
    if chosen != "stop":
        await _set_model_status(ctx, instance, MODEL_STATUS_BY_ACTION[chosen])
        return
    model_type, _, hamlet = await model_parts(
        ctx.session, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    question = ctx.t("officer.model_stop_confirm", model=model_type.name, hamlet=hamlet.label)
    ctx.ask(At.STOP_CONFIRM, question, incident.yes_no(ctx))


async def on_model_stop_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    instance = await _own_model(ctx)
    if chosen == "yes":
        await _set_model_status(ctx, instance, ModelStatus.STOPPED)
    else:
        await _show_model(ctx, instance, ctx.t("officer.model_not_changed"))


async def _set_model_status(ctx: Ctx, instance: ModelInstance, status: ModelStatus) -> None:
    await set_model_status(ctx.session, instance, status, ctx.local_now.date())
    model_type, _, hamlet = await model_parts(
        ctx.session, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    done = ctx.t(f"officer.model_{status.value}_done", model=model_type.name, hamlet=hamlet.label)
    await list_models(ctx, done)


async def on_model_hamlet(ctx: Ctx, event: InEvent) -> None:
    unit = access.office(ctx)
    hamlet = await unit_answer(ctx, event, unit, (UnitKind.HAMLET,), at=At.HAMLET)
    if hamlet is None:
        return
    ctx.state(ModelsState).hamlet_id = hamlet.id
    types = await registry.model_types(ctx.session)
    options = [Choice(id=str(t.id), label=t.name) for t in types]
    ctx.ask(At.TYPE, ctx.t("officer.ask_model_type"), [*options, ctx.back_choice()])


async def on_model_type(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    ctx.state(ModelsState).model_type_id = int(chosen)
    found = await registry.organizations(ctx.session)
    options = [Choice(id=str(o.id), label=o.name) for o in found]
    ctx.ask(At.ORG, ctx.t("officer.ask_organization"), [*options, ctx.back_choice()])


async def _own_hamlet(ctx: Ctx) -> tuple[int, int]:
    """The hamlet and model type chosen, when the hamlet is still in the officer's subtree."""
    unit = access.office(ctx)
    state = ctx.state(ModelsState)
    if state.hamlet_id is None or state.model_type_id is None:
        raise access.NotAllowed
    if not await alert_records.in_subtree(ctx.session, unit.id, state.hamlet_id):
        raise access.NotAllowed
    return state.hamlet_id, state.model_type_id


async def on_model_org(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    hamlet_id, model_type_id = await _own_hamlet(ctx)
    organization_id = int(chosen)
    same, others = await running_alike(ctx.session, hamlet_id, model_type_id, organization_id)
    if same is not None:
        ctx.reprompt(await _model_duplicate(ctx, same))
        return
    await _ask_model_confirm(ctx, hamlet_id, model_type_id, organization_id, others)


async def _model_duplicate(ctx: Ctx, instance: ModelInstance) -> Markup:
    """The hamlet already has this very model by this organization: nothing is added."""
    model_type, organization, hamlet = await model_parts(
        ctx.session, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    return ctx.t(
        "officer.model_duplicate",
        hamlet=capitalized(hamlet.label),
        model=model_type.name,
        organization=organization.name,
        status=ctx.t(f"model_status.{instance.status.value}"),
        started=ctx.t.date(instance.started_on),
    )


async def _ask_model_confirm(
    ctx: Ctx, hamlet_id: int, model_type_id: int, organization_id: int, others: list[str]
) -> None:
    """Before a model is added: what exactly, and which organizations already run one."""
    ctx.state(ModelsState).organization_id = organization_id
    model_type, organization, hamlet = await model_parts(
        ctx.session, model_type_id, organization_id, hamlet_id
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
    ctx.ask(At.CONFIRM, Markup("\n").join(lines), incident.yes_no(ctx))


async def on_model_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    hamlet_id, model_type_id = await _own_hamlet(ctx)
    organization_id = ctx.state(ModelsState).organization_id
    if chosen != "yes" or organization_id is None:
        await list_models(ctx, ctx.t("officer.model_not_added"))
        return
    # Another officer may have added the same model while this one was asked.
    same, _ = await running_alike(ctx.session, hamlet_id, model_type_id, organization_id)
    if same is not None:
        await list_models(ctx, await _model_duplicate(ctx, same))
        return
    instance = await add_model(
        ctx.session,
        hamlet_id=hamlet_id,
        model_type_id=model_type_id,
        organization_id=organization_id,
        today=ctx.local_now.date(),
    )
    model_type, organization, hamlet = await model_parts(
        ctx.session, instance.model_type_id, instance.organization_id, hamlet_id
    )
    added = ctx.t(
        "officer.model_added",
        model=model_type.name,
        organization=organization.name,
        hamlet=hamlet.label,
    )
    await list_models(ctx, added)


MODELS = Flow(
    At,
    ModelsState,
    needs=Need.OFFICER,
    entry=(At.MODELS,),
    steps={
        At.MODELS: Step(on_models, then=(At.HAMLET, At.MODEL)),
        At.MODEL: Step(on_model, then=(At.STOP_CONFIRM,)),
        At.STOP_CONFIRM: Step(on_model_stop_confirm, then=(At.MODEL,)),
        At.HAMLET: Step(on_model_hamlet, then=(At.TYPE,)),
        At.TYPE: Step(on_model_type, then=(At.ORG,)),
        At.ORG: Step(on_model_org, then=(At.CONFIRM,)),
        At.CONFIRM: Step(on_model_confirm),
    },
)
FLOWS: tuple[Flow[Any], ...] = (MODELS,)
