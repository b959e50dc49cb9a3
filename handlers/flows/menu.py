"""The main menu: what each role can start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from markupsafe import Markup

from handlers import access, titles
from handlers.choices import match
from handlers.context import IDLE_FLOW, IDLE_STEP, Ctx, Picked, StaleChoice
from handlers.flow import Flow, NoState, Step
from handlers.flows import (
    activity,
    guide,
    hamlets,
    incident,
    officer,
    onboarding,
    pause,
    recent,
)
from handlers.messages import Choice, InEvent
from handlers.steps import Steps
from storage.enums import Role
from storage.text import fold

Starter = Callable[[Ctx], Awaitable[None]]


class At(Steps, flow=IDLE_FLOW):
    MAIN = IDLE_STEP


def _actions(ctx: Ctx) -> list[tuple[str, str, Starter]]:
    """This person's menu, as `handlers.access.MENU` declares it for their audience, and
    "Đổi đơn vị" before the guides for an officer of several units."""
    found = [(key, *STARTERS[key]) for key in access.MENU[access.audience_of(ctx)]]
    keys = [key for key, _, _ in found]
    at = keys.index("guides") if "guides" in keys else len(found)
    return [*found[:at], *officer.menu_extras(ctx), *found[at:]]


def choices(ctx: Ctx) -> list[Choice]:
    return [Choice(id=key, label=str(ctx.t(label))) for key, label, _ in _actions(ctx)]


def show(ctx: Ctx, intro: Markup | str | None = None) -> None:
    options = choices(ctx)
    ctx.reset()
    labels = [option.label for option in options]
    if ctx.is_resident:
        question = ctx.t("menu.question_resident")
    else:
        header = titles.who_am_i(ctx.t, ctx.person.full_name, ctx.roles)
        question = Markup("\n").join([header, ctx.t("menu.question")])
    ctx.ask(At.MAIN, question, options, menu=labels, intro=intro)


def welcome(ctx: Ctx) -> Markup:
    hamlet = ctx.hamlet
    if hamlet is not None:
        return ctx.t("welcome.reporter", name=ctx.person.full_name, unit=hamlet.label)
    officer_unit = ctx.role_unit(Role.OFFICER, Role.ADMIN)
    if officer_unit is not None:
        return ctx.t("welcome.officer", name=ctx.person.full_name, unit=officer_unit.label)
    return ctx.t("welcome.resident")


def help_text(ctx: Ctx) -> Markup:
    if ctx.hamlet is not None:
        parts = [ctx.t("help.reporter"), ctx.t("help.linking")]
    elif ctx.role_unit(Role.OFFICER, Role.ADMIN) is not None:
        parts = [ctx.t("help.officer"), ctx.t("help.linking")]
    else:
        parts = [ctx.t("help.resident")]
    return Markup("\n").join([*parts, ctx.t("help.privacy")])


async def _help(ctx: Ctx) -> None:
    show(ctx, help_text(ctx))


# Each menu key: its label and what it starts; `handlers.access.MENU` says who sees it.
STARTERS: dict[str, tuple[str, Starter]] = {
    "inc": ("menu.incident", incident.start),
    "act": ("menu.activity", activity.start),
    "ok": ("menu.nothing", incident.nothing_to_report),
    "mine": ("menu.recent", recent.start),
    "pause": ("menu.pause", pause.ask_pause),
    "sum": ("menu.summary", officer.ask_summary),
    "missing": ("menu.missing", officer.show_missing),
    "open": ("menu.open_incidents", officer.list_open),
    "unit": ("menu.unit_reports", recent.start),
    "xlsx": ("menu.export", officer.ask_export),
    "docx": ("menu.report", officer.ask_report),
    "web": ("menu.web", officer.open_pages),
    "invite": ("menu.invite", officer.ask_invite_role),
    "models": ("menu.models", officer.list_models),
    "settings": ("menu.settings", officer.show_settings),
    "guides": ("menu.guides", guide.start),
    "reload": ("menu.reload_guides", guide.reload),
    "here": ("menu.hamlet_models", hamlets.start_models),
    "head": ("menu.hamlet_head", hamlets.start_head),
    "code": ("menu.enter_code", onboarding.ask_code),
    "me": ("menu.me", onboarding.show_profile),
    "help": ("menu.help", _help),
}


async def start_by_label(ctx: Ctx, text: str) -> bool:
    """A tap on the persistent keyboard starts its action from any step."""
    options = choices(ctx)
    found = match(text, options)
    if found is None or text.strip().isdecimal():
        return False
    label = next(option.label for option in options if option.id == found)
    if fold(label) != fold(text):
        return False
    if not ctx.is_idle:
        ctx.reset()
        ctx.say(ctx.t("cancel.done"))
    await _start(ctx, found)
    return True


async def _start(ctx: Ctx, action: str) -> None:
    for key, _, starter in _actions(ctx):
        if key == action:
            ctx.reset()
            await starter(ctx)
            return


async def on_menu(ctx: Ctx, event: InEvent) -> None:
    # A resident's words are a question, so only a number or a whole label picks an action.
    picked = ctx.pick(event, loose=not ctx.is_resident)
    if isinstance(picked, Picked):
        await _start(ctx, picked.id)
    elif isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
    elif ctx.is_resident and event.kind == "text":
        await guide.answer(ctx, event.text or "")
    elif ctx.is_resident:
        ctx.reprompt(ctx.t("guides.text_or_choice"))
    else:
        ctx.reprompt(ctx.t("error.menu_expected"))


MENU = Flow(At, NoState, entry=(At.MAIN,), steps={At.MAIN: Step(on_menu)})
FLOWS: tuple[Flow[Any], ...] = (MENU,)
