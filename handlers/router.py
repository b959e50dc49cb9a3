"""Commands that work at any step, then the step the person is at, as its flow declares it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers import access
from handlers.context import BACK, Ctx, Picked
from handlers.flow import Graph
from handlers.flows import FLOWS, linking, menu, officer, onboarding, privacy, standing
from handlers.messages import InEvent
from storage.text import fold

MAX_TEXT = 4000

CANCEL_WORDS = frozenset({"huy", "/huy", "/cancel", "huy bo", "thoat"})
HELP_WORDS = frozenset({"/trogiup", "/help", "tro giup", "giup", "help"})
MENU_WORDS = frozenset({"/menu", "menu"})
LINK_PHRASE = "lien ket"

GRAPH = Graph.of(FLOWS)


async def dispatch(ctx: Ctx, event: InEvent) -> None:
    """Answer the event; whatever a step does, the person ends at a declared step or the menu."""
    try:
        await _dispatch(ctx, event)
    except access.NotAllowed:
        ctx.finish(ctx.t("officer.refused"))
    if ctx.menu_requested:
        menu.show(ctx, ctx.menu_intro)
    ctx.keep_state()


async def _dispatch(ctx: Ctx, event: InEvent) -> None:
    if ctx.is_outdated:
        ctx.finish(ctx.t("error.conversation_restarted"))
        return
    if event.kind == "resume":
        if not ctx.resume():
            ctx.finish()
        return
    pressed = event if standing.is_press(event) else await standing.typed_press(ctx, event)
    if pressed is not None:
        await standing.on_press(ctx, pressed)
        return
    if event.kind == "unsupported":
        located = ctx.traits.shares_location
        ctx.reprompt(ctx.t("error.unsupported" if located else "error.unsupported_with_location"))
        return
    text = event.text or ""
    if event.kind == "text" and len(text) > MAX_TEXT:
        ctx.reprompt(ctx.t("error.too_long", limit=MAX_TEXT, length=len(text)))
        return
    if event.kind == "text" and await _global(ctx, text):
        return
    if event.kind == "choice" and event.choice_token != str(ctx.version):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return
    await _step(ctx, event)


async def _step(ctx: Ctx, event: InEvent) -> None:
    before = (ctx.flow, ctx.step)
    flow = GRAPH.flows.get(ctx.flow)
    declared = GRAPH.step(*before)
    if flow is None or declared is None:
        # Stored at a step a newer version no longer has: start again, saying why.
        ctx.finish(ctx.t("error.conversation_restarted"))
        return
    if not access.admits(ctx, flow.needs):
        raise access.NotAllowed
    if ctx.pick(event, loose=False) == Picked(BACK):
        ctx.finish()
        return
    await declared.on(ctx, event)
    GRAPH.check(before, (ctx.flow, ctx.step))


@dataclass(frozen=True)
class Typed:
    """A message as the commands read it: its first word, the rest, and the whole folded."""

    text: str
    command: str
    argument: str
    key: str

    @classmethod
    def of(cls, text: str) -> Typed:
        stripped = text.strip()
        command, _, argument = stripped.partition(" ")
        return cls(stripped, command.split("@", 1)[0].lower(), argument.strip(), fold(stripped))


Anywhere = Callable[[Ctx, Typed], Awaitable[None]]


async def _start(ctx: Ctx, typed: Typed) -> None:
    if typed.argument:
        await onboarding.redeem(ctx, typed.argument)
        return
    if not ctx.is_idle:
        ctx.reprompt(ctx.t("start.in_progress"))
        return
    ctx.say(menu.welcome(ctx))
    ctx.finish()


async def _officer(ctx: Ctx, typed: Typed) -> None:
    await officer.command(ctx, typed.command, typed.argument)


async def _privacy(ctx: Ctx, typed: Typed) -> None:
    await privacy.command(ctx, typed.command)


async def _cancel(ctx: Ctx, typed: Typed) -> None:
    ctx.say(ctx.t("cancel.nothing" if ctx.is_idle else "cancel.done"))
    ctx.finish()


async def _help(ctx: Ctx, typed: Typed) -> None:
    ctx.reprompt(menu.help_text(ctx))
    if not ctx.data:
        ctx.finish()


async def _menu(ctx: Ctx, typed: Typed) -> None:
    if not ctx.is_idle:
        ctx.say(ctx.t("cancel.done"))
    ctx.finish()


async def _link(ctx: Ctx, typed: Typed) -> None:
    await linking.handle(ctx, typed.argument)


async def _issue_link(ctx: Ctx, typed: Typed) -> None:
    await linking.issue(ctx)


# What works at any step, first match first: a command (its first word) or words (the whole
# message, folded, so "Huỷ" and "huy" are one).
ANYWHERE: tuple[tuple[frozenset[str], Anywhere], ...] = (
    (frozenset({"/start"}), _start),
    (frozenset(officer.COMMANDS), _officer),
    (frozenset(privacy.COMMANDS), _privacy),
    (CANCEL_WORDS, _cancel),
    (HELP_WORDS, _help),
    (MENU_WORDS, _menu),
    (frozenset(linking.COMMANDS), _link),
    (frozenset({LINK_PHRASE}), _issue_link),
)


async def _global(ctx: Ctx, text: str) -> bool:
    """Handle what works everywhere; False leaves the text to the current step."""
    typed = Typed.of(text)
    for words, action in ANYWHERE:
        if typed.command in words or typed.key in words:
            await action(ctx, typed)
            return True
    if typed.text.startswith("/"):
        ctx.reprompt(ctx.t("error.unknown_command", command=typed.command))
        if not ctx.data:
            ctx.finish()
        return True
    if not ctx.is_idle and await menu.start_by_label(ctx, typed.text):
        return True
    if ctx.is_idle and onboarding.looks_like_code(typed.text) and not ctx.roles:
        # A new account is also where a link code is typed, often without the command.
        if not await linking.redeem_if_known(ctx, typed.text):
            await onboarding.redeem(ctx, typed.text)
        return True
    return False
