"""Commands that work at any step, then the step the person is at, as its flow declares it."""

from __future__ import annotations

from handlers import access
from handlers.context import BACK, Ctx, Picked
from handlers.flow import Graph
from handlers.flows import FLOWS, linking, menu, officer, onboarding, privacy, standing
from handlers.messages import InEvent
from storage.text import fold

MAX_TEXT = 4000

CANCEL_WORDS = {"huy", "/huy", "/cancel", "huy bo", "thoat"}
HELP_WORDS = {"/trogiup", "/help", "tro giup", "giup", "help"}
MENU_WORDS = {"/menu", "menu"}
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


async def _global(ctx: Ctx, text: str) -> bool:
    """Handle what works everywhere; False leaves the text to the current step."""
    stripped = text.strip()
    command, _, argument = stripped.partition(" ")
    command = command.split("@", 1)[0].lower()
    key = fold(stripped)
    if command == "/start":
        await _start(ctx, argument.strip())
        return True
    if command in officer.COMMANDS:
        await officer.command(ctx, command, argument.strip())
        return True
    if command in privacy.COMMANDS:
        await privacy.command(ctx, command)
        return True
    if command in CANCEL_WORDS or key in CANCEL_WORDS:
        _cancel(ctx)
        return True
    if command in HELP_WORDS or key in HELP_WORDS:
        ctx.reprompt(menu.help_text(ctx))
        if not ctx.data:
            ctx.finish()
        return True
    if command in MENU_WORDS or key in MENU_WORDS:
        if not ctx.is_idle:
            ctx.say(ctx.t("cancel.done"))
        ctx.finish()
        return True
    if command in linking.COMMANDS:
        await linking.handle(ctx, argument.strip())
        return True
    if key == LINK_PHRASE:
        await linking.issue(ctx)
        return True
    if stripped.startswith("/"):
        ctx.reprompt(ctx.t("error.unknown_command", command=command))
        if not ctx.data:
            ctx.finish()
        return True
    if not ctx.is_idle and await menu.start_by_label(ctx, stripped):
        return True
    if ctx.is_idle and onboarding.looks_like_code(stripped) and not ctx.roles:
        # A new account is also where a link code is typed, often without the command.
        if not await linking.redeem_if_known(ctx, stripped):
            await onboarding.redeem(ctx, stripped)
        return True
    return False


async def _start(ctx: Ctx, code: str) -> None:
    if code:
        await onboarding.redeem(ctx, code)
        return
    if not ctx.is_idle:
        ctx.reprompt(ctx.t("start.in_progress"))
        return
    ctx.say(menu.welcome(ctx))
    ctx.finish()


def _cancel(ctx: Ctx) -> None:
    ctx.say(ctx.t("cancel.nothing" if ctx.is_idle else "cancel.done"))
    ctx.finish()
