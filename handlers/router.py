"""Commands that work at any step, then the step the person is at."""

from __future__ import annotations

from handlers.context import Ctx
from handlers.flows import linking, menu, officer, onboarding, privacy, standing
from handlers.messages import InEvent
from handlers.registry import STEPS
from storage.text import fold

MAX_TEXT = 4000

CANCEL_WORDS = {"huy", "/huy", "/cancel", "huy bo", "thoat"}
HELP_WORDS = {"/trogiup", "/help", "tro giup", "giup", "help"}
MENU_WORDS = {"/menu", "menu"}
LINK_PHRASE = "lien ket"


async def dispatch(ctx: Ctx, event: InEvent) -> None:
    if event.kind == "resume":
        if not ctx.resume():
            menu.show(ctx)
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
    handler = STEPS.get((ctx.flow, ctx.step))
    if handler is None:
        ctx.reset()
        menu.show(ctx)
        return
    await handler(ctx, event)


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
            menu.show(ctx)
        return True
    if command in MENU_WORDS or key in MENU_WORDS:
        had_draft = not ctx.is_idle
        ctx.reset()
        if had_draft:
            ctx.say(ctx.t("cancel.done"))
        menu.show(ctx)
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
            menu.show(ctx)
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
    menu.show(ctx)


def _cancel(ctx: Ctx) -> None:
    if ctx.is_idle:
        ctx.say(ctx.t("cancel.nothing"))
    else:
        ctx.reset()
        ctx.say(ctx.t("cancel.done"))
    menu.show(ctx)
