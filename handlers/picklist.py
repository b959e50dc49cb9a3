"""A long list to pick from: a page of options at a time ("Trang sau", "Trang trước"), and a
typed name narrows it, diacritics optional, the way a resident finds a hamlet by its name
(`storage.directory.matching` reads the name for both).

The page and the name typed are kept in the conversation's data, so a later page of a
narrowed list stays narrowed. The caller computes the entries afresh at every answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from markupsafe import Markup

from handlers.context import Ctx, Picked, StaleChoice
from handlers.messages import Choice, InEvent
from handlers.steps import Steps
from storage.directory import matching

# Telegram shows a long keyboard badly and a typed number past 25 is easy to get wrong.
PAGE_SIZE = 25
NEXT, PREVIOUS = "page_next", "page_previous"
STATE_KEY = "_list"
MAX_NAME_SHOWN = 60


@dataclass(frozen=True)
class Entry:
    """One option; `names` are what a typed name is matched against, the first for typos."""

    id: str
    label: str
    names: tuple[str, ...]


def ask(
    ctx: Ctx,
    at: Steps,
    question: Markup,
    entries: list[Entry],
    tail: list[Choice],
    *,
    page: int = 0,
    narrowed: str = "",
    intro: Markup | None = None,
) -> None:
    """Ask with one page of the entries (those the name `narrowed` means, if given), the
    page turns, then `tail` (e.g. back to the menu)."""
    shown = narrow(entries, narrowed)
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    options = [Choice(id=e.id, label=e.label) for e in shown[start : start + PAGE_SIZE]]
    if page > 0:
        options.append(Choice(id=PREVIOUS, label=str(ctx.t("list.previous"))))
    if page < pages - 1:
        options.append(Choice(id=NEXT, label=str(ctx.t("list.next"))))
    text = question
    if pages > 1:
        text = Markup("\n").join([question, ctx.t("list.page", page=page + 1, pages=pages)])
    ctx.data[STATE_KEY] = {"page": page, "narrowed": narrowed}
    ctx.ask(at, text, [*options, *tail], intro=intro)


def narrow(entries: list[Entry], typed: str) -> list[Entry]:
    if not typed:
        return entries
    wanted = set(matching(typed, {entry.id: entry.names for entry in entries}))
    return [entry for entry in entries if entry.id in wanted]


async def answer(
    ctx: Ctx,
    event: InEvent,
    at: Steps,
    entries: list[Entry],
    question: Markup,
    tail: list[Choice],
    *,
    explain: Callable[[str], Awaitable[Markup]] | None = None,
) -> str | None:
    """The id of the entry (or `tail` option) picked or named at step `at`; None when the
    answer turned a page, narrowed the list to several, or was wrong, each answered here (a
    name that means no entry by `explain`, when given)."""
    state = ctx.data.get(STATE_KEY) or {}
    page, narrowed = int(state.get("page", 0)), str(state.get("narrowed", ""))
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        if picked.id in (NEXT, PREVIOUS):
            turned = page + (1 if picked.id == NEXT else -1)
            ask(ctx, at, question, entries, tail, page=turned, narrowed=narrowed)
            return None
        return picked.id
    if isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return None
    typed = (event.text or "").strip() if event.kind == "text" else ""
    if not typed:
        ctx.reprompt(ctx.t("list.name_expected"))
        return None
    found = narrow(entries, typed)
    if len(found) == 1:
        return found[0].id
    name = typed[:MAX_NAME_SHOWN]
    if not found:
        ctx.reprompt(await explain(typed) if explain else ctx.t("list.not_found", name=name))
        return None
    intro = ctx.t("list.narrowed", name=name, count=len(found))
    ask(ctx, at, question, entries, tail, narrowed=typed, intro=intro)
    return None
