"""Reporting what one of the hamlet's self-management models did."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows import drafting, menu
from handlers.flows.drafting import DraftFlow, draft
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage import models_registry, reports
from storage.clock import iso_week
from storage.enums import ReportKind
from storage.models import ModelInstance, ModelType, Organization, Report

FLOW = "activity"
# More than a hamlet's people is a slip of the keyboard, not a turnout.
MAX_PARTICIPANTS = 10_000


def model_label(model_type: ModelType, organization: Organization) -> str:
    return f"{model_type.name} ({organization.name})"


async def start(ctx: Ctx) -> None:
    hamlet = ctx.hamlet
    assert hamlet is not None
    if not await models_registry.active_in_hamlet(ctx.session, hamlet.id):
        menu.show(ctx, ctx.t("activity.no_models", unit=hamlet.label))
        return
    ctx.data = {drafting.DRAFT: {"kind": ReportKind.ACTIVITY.value}}
    await ask_model(ctx)


async def ask_model(ctx: Ctx) -> None:
    hamlet = ctx.hamlet
    assert hamlet is not None
    found = await models_registry.active_in_hamlet(ctx.session, hamlet.id)
    options = [Choice(id=str(i.id), label=model_label(t, o)) for i, t, o in found]
    ctx.legacy_ask(FLOW, "model", ctx.t("activity.ask_model"), options)


async def ask_text(ctx: Ctx) -> None:
    ctx.legacy_ask(FLOW, "text", ctx.t("activity.ask_text", limit=drafting.MAX_TEXT))


async def ask_when(ctx: Ctx) -> None:
    await drafting.ask_when(ctx, ACTIVITY)


async def ask_participants(ctx: Ctx) -> None:
    ctx.legacy_ask(FLOW, "participants", ctx.t("activity.ask_participants"))


async def ask_photos(ctx: Ctx) -> None:
    await drafting.ask_photos(ctx, ACTIVITY)


@step(FLOW, "model")
async def on_model(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    draft(ctx)["model_instance_id"] = int(chosen)
    await drafting.advance(ctx, ACTIVITY, "model")


@step(FLOW, "text")
async def on_text(ctx: Ctx, event: InEvent) -> None:
    text = drafting.text_answer(ctx, event)
    if text is not None:
        draft(ctx)["text"] = text
        await drafting.advance(ctx, ACTIVITY, "text")


@step(FLOW, "participants")
async def on_participants(ctx: Ctx, event: InEvent) -> None:
    count = when.read_count(event.text or "") if event.kind == "text" else when.Count(None)
    if count.negative or count.value == 0:
        ctx.reprompt(ctx.t("activity.participants_positive"))
        return
    if count.value is None:
        ctx.reprompt(ctx.t("activity.participants_expected"))
        return
    if count.value > MAX_PARTICIPANTS:
        limit = f"{MAX_PARTICIPANTS:,}".replace(",", ".")
        ctx.reprompt(ctx.t("activity.participants_too_many", limit=limit))
        return
    draft(ctx)["participants"] = count.value
    await drafting.advance(ctx, ACTIVITY, "participants")


async def _model(ctx: Ctx, instance_id: int) -> tuple[ModelInstance, ModelType, Organization]:
    instance = await ctx.session.get_one(ModelInstance, instance_id)
    model_type = await ctx.session.get_one(ModelType, instance.model_type_id)
    organization = await ctx.session.get_one(Organization, instance.organization_id)
    return instance, model_type, organization


async def summarize(ctx: Ctx, values: dict[str, Any]) -> Markup:
    _, model_type, organization = await _model(ctx, values["model_instance_id"])
    return ctx.t(
        "activity.summary",
        model=model_label(model_type, organization),
        text=values["text"],
        date=drafting.when_text(ctx, values),
        participants=values["participants"],
        photos=len(values.get("photos", [])),
    )


async def save(ctx: Ctx, values: dict[str, Any]) -> Report:
    hamlet = ctx.hamlet
    assert hamlet is not None
    instance, model_type, _ = await _model(ctx, values["model_instance_id"])
    moment, time_known = drafting.occurred(ctx, values)
    report = Report(
        unit_id=hamlet.id,
        reporter_id=ctx.person.id,
        kind=ReportKind.ACTIVITY,
        category=model_type.code,
        text=values["text"],
        occurred_at=moment,
        occurred_time_known=time_known,
        received_at=ctx.now,
        week=iso_week(moment.astimezone(ctx.tz)),
        model_instance_id=instance.id,
        participants=values["participants"],
        source_inbox_id=ctx.inbox_id,
    )
    return await reports.add(
        ctx.session, report, values.get("photos", []), ctx.identity.channel, ctx.person.id
    )


ACTIVITY = DraftFlow(
    name=FLOW,
    order=("model", "text", "when", "participants", "photos"),
    askers={
        "model": ask_model,
        "text": ask_text,
        "when": ask_when,
        "participants": ask_participants,
        "photos": ask_photos,
    },
    editable=(
        ("model", "field.model"),
        ("text", "field.text"),
        ("when", "field.when"),
        ("participants", "field.participants"),
        ("photos", "field.photos"),
    ),
    summarize=summarize,
    save=save,
)
drafting.register(ACTIVITY)


# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
