"""A resident picks a commune, then a hamlet: its models, or who heads it."""

from __future__ import annotations

from typing import Any, Final, Literal

from markupsafe import Markup

from handlers.access import Need
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import Flow, FlowState, Step
from handlers.flows import guide
from handlers.messages import Choice, InEvent
from handlers.services.hamlet_directory import hamlet_by_id
from handlers.steps import Steps
from handlers.titles import capitalized, role_word
from storage import directory, models_registry
from storage.directory import Place
from storage.enums import Role
from storage.models import Unit

# What the resident came for, and the buttons that switch between the two.
MODELS: Final = "models"
HEAD: Final = "head"
# Up to this many places are offered as buttons; more are asked for by name.
MAX_BUTTONS = 10


class At(Steps, flow="hamlet"):
    COMMUNE = "commune"
    HAMLET = "hamlet"
    RESULT = "result"


class HamletSearch(FlowState):
    """What the resident came for, and the commune and hamlet chosen so far."""

    purpose: Literal["models", "head"] = MODELS
    commune_id: int | None = None
    hamlet_id: int | None = None


async def start_models(ctx: Ctx) -> None:
    ctx.begin(HamletSearch(purpose=MODELS))
    await ask_commune(ctx)


async def start_head(ctx: Ctx) -> None:
    ctx.begin(HamletSearch(purpose=HEAD))
    await ask_commune(ctx)


async def ask_commune(ctx: Ctx) -> None:
    communes = await directory.communes_with_hamlets(ctx.session)
    if not communes:
        ctx.finish(ctx.t("hamlet.none_on_record"))
        return
    _ask_place(ctx, At.COMMUNE, communes, "hamlet.ask_commune", "hamlet.type_commune")


async def ask_hamlet(ctx: Ctx, commune_id: int) -> None:
    ctx.state(HamletSearch).commune_id = commune_id
    hamlets = await directory.hamlets_of(ctx.session, commune_id)
    _ask_place(ctx, At.HAMLET, hamlets, "hamlet.ask_hamlet", "hamlet.type_hamlet")


def _ask_place(ctx: Ctx, at: At, places: list[Place], pick_key: str, type_key: str) -> None:
    if len(places) > MAX_BUTTONS:
        ctx.ask(at, ctx.t(type_key), [ctx.back_choice()])
        return
    options = [Choice(id=str(place.id), label=_label(place)) for place in places]
    ctx.ask(at, ctx.t(pick_key), [*options, ctx.back_choice()])


def _label(place: Place) -> str:
    if place.parent_name:
        return f"{place.unit.label} ({place.parent_name})"
    return place.unit.label


async def _chosen_place(ctx: Ctx, at: At, event: InEvent, places: list[Place]) -> Place | None:
    """The place picked or typed at step `at`; None after answering what went wrong."""
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        chosen = next((p for p in places if str(p.id) == picked.id), None)
        if chosen is None:
            ctx.finish(ctx.t("hamlet.gone"))
        return chosen
    if isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return None
    typed = (event.text or "").strip() if event.kind == "text" else ""
    if not typed:
        ctx.reprompt(ctx.t("hamlet.name_expected"))
        return None
    found = directory.by_name(typed, places)
    if len(found) == 1:
        return found[0]
    if not found:
        ctx.reprompt(ctx.t("hamlet.not_found", name=typed[:60]))
        return None
    options = [Choice(id=str(place.id), label=_label(place)) for place in found[:MAX_BUTTONS]]
    ctx.ask(at, ctx.t("hamlet.which_one", name=typed[:60]), [*options, ctx.back_choice()])
    return None


async def on_commune(ctx: Ctx, event: InEvent) -> None:
    communes = await directory.communes_with_hamlets(ctx.session)
    chosen = await _chosen_place(ctx, At.COMMUNE, event, communes)
    if chosen is not None:
        await ask_hamlet(ctx, chosen.id)


async def on_hamlet(ctx: Ctx, event: InEvent) -> None:
    state = ctx.state(HamletSearch)
    commune_id = state.commune_id
    hamlets = [] if commune_id is None else await directory.hamlets_of(ctx.session, commune_id)
    chosen = await _chosen_place(ctx, At.HAMLET, event, hamlets)
    if chosen is None:
        return
    state.hamlet_id = chosen.id
    if state.purpose == HEAD:
        await show_head(ctx, chosen.unit)
    else:
        await show_models(ctx, chosen.unit)


async def show_models(ctx: Ctx, hamlet: Unit) -> None:
    found = await models_registry.active_in_hamlet(ctx.session, hamlet.id)
    guides = {g.model_type: g for g in ctx.guides.current().guides}
    options: list[Choice] = []
    if found:
        lines = [
            ctx.t("hamlet.model_line", model=model_type.name, organization=organization.name)
            for _, model_type, organization in found
        ]
        text = ctx.t("hamlet.models", hamlet=hamlet.label) + Markup("\n") + Markup("\n").join(lines)
        for _, model_type, _ in found:
            readable = guides.get(model_type.code)
            choice_id = f"{guide.GUIDE_PREFIX}{readable.slug}" if readable else None
            if readable and all(option.id != choice_id for option in options):
                label = str(ctx.t("hamlet.read_guide", model=model_type.name))
                options.append(Choice(id=str(choice_id), label=label))
    else:
        text = ctx.t("hamlet.no_models", hamlet=hamlet.label)
    options += [
        Choice(id=HEAD, label=str(ctx.t("hamlet.see_head"))),
        ctx.back_choice(),
    ]
    ctx.ask(At.RESULT, text, options)


async def show_head(ctx: Ctx, hamlet: Unit) -> None:
    head = await directory.hamlet_head(ctx.session, hamlet.id, ctx.now)
    role = role_word(ctx.t, Role.REPORTER, hamlet)
    words = {"hamlet": hamlet.label, "role": role, "Role": capitalized(role)}
    if head is None:
        text = ctx.t("hamlet.no_head", **words)
    elif head.share_phone and head.phone:
        text = ctx.t("hamlet.head_with_phone", **words, name=head.full_name, phone=head.phone)
    else:
        text = ctx.t("hamlet.head", **words, name=head.full_name)
    options = [
        Choice(id=MODELS, label=str(ctx.t("hamlet.see_models"))),
        ctx.back_choice(),
    ]
    ctx.ask(At.RESULT, text, options)


async def on_result(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    if not isinstance(picked, Picked):
        if isinstance(picked, StaleChoice):
            ctx.reprompt(ctx.t("error.stale_choice"))
        elif event.kind == "text" and (event.text or "").strip():
            await guide.answer(ctx, event.text or "")
        else:
            ctx.reprompt(ctx.t("error.pick_one"))
        return
    hamlet_id = ctx.state(HamletSearch).hamlet_id
    hamlet = None if hamlet_id is None else await hamlet_by_id(ctx.session, hamlet_id)
    if hamlet is None:
        ctx.finish()
    elif picked.id == HEAD:
        await show_head(ctx, hamlet)
    elif picked.id == MODELS:
        await show_models(ctx, hamlet)
    elif picked.id.startswith(guide.GUIDE_PREFIX):
        guide.show_guide(ctx, picked.id.removeprefix(guide.GUIDE_PREFIX))


HAMLET = Flow(
    At,
    HamletSearch,
    needs=Need.ANYONE,
    entry=(At.COMMUNE,),
    steps={
        At.COMMUNE: Step(on_commune, then=(At.HAMLET,)),
        At.HAMLET: Step(on_hamlet, then=(At.RESULT,)),
        # A model's guide, or the answer to a question typed here.
        At.RESULT: Step(on_result, then=(guide.At.GUIDE, guide.At.TOPICS, guide.At.ANSWER)),
    },
)
# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (HAMLET,)
