"""Reporting what one of the hamlet's self-management models did."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import access, when
from handlers.access import Need
from handlers.context import Ctx
from handlers.flow import Flow, Step
from handlers.flows import drafting
from handlers.flows.drafting import Draft, DraftFlow
from handlers.messages import Choice, InEvent
from handlers.services import filing
from handlers.steps import Steps
from storage import models_registry
from storage.models import ModelType, Organization

# More than a hamlet's people is a slip of the keyboard, not a turnout.
MAX_PARTICIPANTS = 10_000


class At(Steps, flow="activity"):
    MODEL = "model"
    TEXT = "text"
    WHEN = "when"
    DATE = "date"
    DAY_CONFIRM = "day_confirm"
    PARTICIPANTS = "participants"
    PHOTOS = "photos"
    CONFIRM = "confirm"
    EDIT = "edit"


class ActivityDraft(Draft):
    model_instance_id: int | None = None
    text: str | None = None
    participants: int | None = None


def model_label(model_type: ModelType, organization: Organization) -> str:
    return f"{model_type.name} ({organization.name})"


async def start(ctx: Ctx) -> None:
    hamlet = access.hamlet_of(ctx)
    if not await models_registry.active_in_hamlet(ctx.session, hamlet.id):
        ctx.finish(ctx.t("activity.no_models", unit=hamlet.label))
        return
    ctx.begin(ActivityDraft())
    await ask_model(ctx)


async def ask_model(ctx: Ctx) -> None:
    found = await models_registry.active_in_hamlet(ctx.session, access.hamlet_of(ctx).id)
    options = [Choice(id=str(i.id), label=model_label(t, o)) for i, t, o in found]
    ctx.ask(At.MODEL, ctx.t("activity.ask_model"), options)


async def ask_text(ctx: Ctx) -> None:
    ctx.ask(At.TEXT, ctx.t("activity.ask_text", limit=drafting.MAX_TEXT))


async def ask_participants(ctx: Ctx) -> None:
    ctx.ask(At.PARTICIPANTS, ctx.t("activity.ask_participants"))


async def on_model(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    REPORT.of(ctx).model_instance_id = int(chosen)
    await REPORT.advance(ctx, At.MODEL)


async def on_text(ctx: Ctx, event: InEvent) -> None:
    text = drafting.text_answer(ctx, event)
    if text is not None:
        REPORT.of(ctx).text = text
        await REPORT.advance(ctx, At.TEXT)


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
    REPORT.of(ctx).participants = count.value
    await REPORT.advance(ctx, At.PARTICIPANTS)


async def summarize(ctx: Ctx, draft: ActivityDraft) -> Markup:
    assert draft.model_instance_id is not None
    _, model_type, organization = await filing.model_of(ctx.session, draft.model_instance_id)
    return ctx.t(
        "activity.summary",
        model=model_label(model_type, organization),
        text=draft.text,
        date=drafting.when_text(ctx, draft.when),
        participants=draft.participants,
        photos=len(draft.photos),
    )


async def save(ctx: Ctx, draft: ActivityDraft) -> filing.Filed:
    assert draft.model_instance_id is not None and draft.text is not None
    assert draft.participants is not None
    report = await filing.file_activity(
        ctx.session,
        drafting.filer(ctx, access.hamlet_of(ctx)),
        instance_id=draft.model_instance_id,
        text=draft.text,
        occurred=drafting.occurred(ctx, draft.when),
        participants=draft.participants,
        photos=draft.photos,
    )
    return filing.Filed(report)


REPORT = DraftFlow(
    At,
    ActivityDraft,
    order=(At.MODEL, At.TEXT, At.WHEN, At.PARTICIPANTS, At.PHOTOS),
    askers={At.MODEL: ask_model, At.TEXT: ask_text, At.PARTICIPANTS: ask_participants},
    editable=(
        (At.MODEL, "field.model"),
        (At.TEXT, "field.text"),
        (At.WHEN, "field.when"),
        (At.PARTICIPANTS, "field.participants"),
        (At.PHOTOS, "field.photos"),
    ),
    summarize=summarize,
    save=save,
)

ACTIVITY = Flow(
    At,
    ActivityDraft,
    needs=Need.REPORTER,
    entry=(At.MODEL,),
    steps={
        At.MODEL: Step(on_model, then=(At.TEXT, At.CONFIRM)),
        At.TEXT: Step(on_text, then=(At.WHEN, At.CONFIRM)),
        At.PARTICIPANTS: Step(on_participants, then=(At.PHOTOS, At.CONFIRM)),
        # when, date, day_confirm, photos, confirm, edit
        **REPORT.steps(),
    },
)
# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (ACTIVITY,)
