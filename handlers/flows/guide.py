"""Guides: browse the models and their sections, or ask in your own words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import Flow
from handlers.flows import menu
from handlers.guides import Guide
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage.text import clean

if TYPE_CHECKING:
    from handlers.guides.search import Hit

FLOW = "guide"
MENU, MORE, TOPICS = "menu", "more", "topics"
GUIDE_PREFIX, SECTION_PREFIX = "g:", "s:"
MAX_QUESTION = 500
# A reply stays under the smallest limit we know of with room for the question after it;
# the transports split further where a platform needs it.
MAX_REPLY = 3300
OTHER_ANSWERS = 2


async def start(ctx: Ctx) -> None:
    show_topics(ctx)


def show_topics(ctx: Ctx, intro: Markup | str | None = None, *, asking: bool = False) -> None:
    guides = ctx.guides.current().guides
    options = [Choice(id=f"{GUIDE_PREFIX}{g.slug}", label=g.title) for g in guides]
    question = ctx.t("guides.ask_question" if asking else "guides.topics")
    ctx.legacy_ask(FLOW, "topics", question, [*options, _menu_choice(ctx)], intro=intro)


def show_guide(ctx: Ctx, slug: str) -> None:
    guide = ctx.guides.current().by_slug(slug)
    if guide is None:
        show_topics(ctx, ctx.t("guides.gone"))
        return
    options = [
        Choice(id=f"{SECTION_PREFIX}{guide.slug}:{position}", label=section.title)
        for position, section in enumerate(guide.sections)
    ]
    options += [Choice(id=TOPICS, label=str(ctx.t("guides.other_topics"))), _menu_choice(ctx)]
    text = ctx.t("guides.guide", title=guide.title, summary=guide.summary)
    ctx.legacy_ask(FLOW, "guide", text, options)


def show_section(ctx: Ctx, guide: Guide, position: int, others: list[Hit] | None = None) -> None:
    """The section's text; then the other answers found, 'Hỏi tiếp' and 'Về menu'."""
    section = guide.sections[position]
    header = ctx.t("guides.section_header", guide=guide.title, section=section.title)
    parts = split_for_reply(Markup(f"{header}\n\n{render(section.body)}"))
    for part in parts[:-1]:
        ctx.say(part)
    options = [
        Choice(
            id=f"{SECTION_PREFIX}{hit.guide.slug}:{hit.position}",
            label=str(
                ctx.t("guides.other_answer", section=hit.section.title, guide=hit.guide.title)
            ),
        )
        for hit in others or []
    ]
    if not others:
        options.append(
            Choice(id=f"{GUIDE_PREFIX}{guide.slug}", label=str(ctx.t("guides.other_sections")))
        )
    options += [Choice(id=MORE, label=str(ctx.t("guides.ask_more"))), _menu_choice(ctx)]
    ctx.legacy_ask(FLOW, "answer", ctx.t("guides.what_next"), options, intro=parts[-1])


async def answer(ctx: Ctx, text: str) -> None:
    """The passage that best answers a typed question, or the topics when none does."""
    question = clean(text)
    if not question:
        ctx.reprompt(ctx.t("guides.text_or_choice"))
        return
    if len(question) > MAX_QUESTION:
        ctx.reprompt(ctx.t("guides.question_too_long", limit=MAX_QUESTION))
        return
    hits = ctx.guides.current().index.search(question, limit=1 + OTHER_ANSWERS)
    if not hits:
        show_topics(ctx, ctx.t("guides.not_found"))
        return
    best, others = hits[0], hits[1:]
    show_section(ctx, best.guide, best.position, others)


async def reload(ctx: Ctx) -> None:
    """An officer's 'Tải lại hướng dẫn': read the files now, say what was wrong."""
    result = ctx.guides.reload()
    if not result.problems:
        menu.show(ctx, ctx.t("guides.reloaded", count=result.count))
        return
    first = result.problems[0]
    menu.show(
        ctx,
        ctx.t(
            "guides.reload_problems",
            problems=len(result.problems),
            file=first.path.name,
            line=first.line,
            count=result.count,
        ),
    )


def render(body: str) -> Markup:
    """A section's Markdown as the bot's markup: text escaped, list items as bullets."""
    lines = []
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("- ", "* ")):
            lines.append(Markup("• ") + escape(stripped[2:].strip()))
        else:
            lines.append(escape(stripped))
    return Markup("\n").join(lines)


def split_for_reply(text: Markup, limit: int = MAX_REPLY) -> list[Markup]:
    """Parts under `limit`, cut between paragraphs, else lines, else words; never in a tag.

    Only the header carries tags, and it opens and closes them on one short line.
    """
    parts: list[str] = []
    current = ""
    for piece in _pieces(str(text), limit):
        joined = f"{current}\n\n{piece}" if current else piece
        if len(joined) <= limit:
            current = joined
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return [Markup(part) for part in parts] or [Markup("")]


def _pieces(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        line_group = ""
        for line in paragraph.split("\n"):
            for chunk in _words_within(line, limit):
                joined = f"{line_group}\n{chunk}" if line_group else chunk
                if len(joined) <= limit:
                    line_group = joined
                else:
                    pieces.append(line_group)
                    line_group = chunk
        if line_group:
            pieces.append(line_group)
    return pieces


def _words_within(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    chunks: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > limit:  # one unbroken run of characters; escaped text has no tags
            chunks.append(word[:limit])
            word = word[limit:]
        joined = f"{current} {word}" if current else word
        if len(joined) <= limit:
            current = joined
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks


def _menu_choice(ctx: Ctx) -> Choice:
    return Choice(id=MENU, label=str(ctx.t("common.back_to_menu")))


async def on_choice_or_question(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        await _open(ctx, picked.id)
    elif isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
    elif event.kind == "text":
        await answer(ctx, event.text or "")
    else:
        ctx.reprompt(ctx.t("guides.text_or_choice"))


async def _open(ctx: Ctx, choice_id: str) -> None:
    if choice_id == MENU:
        menu.show(ctx)
    elif choice_id == MORE:
        show_topics(ctx, asking=True)
    elif choice_id == TOPICS:
        show_topics(ctx)
    elif choice_id.startswith(GUIDE_PREFIX):
        show_guide(ctx, choice_id.removeprefix(GUIDE_PREFIX))
    elif choice_id.startswith(SECTION_PREFIX):
        slug, _, position = choice_id.removeprefix(SECTION_PREFIX).rpartition(":")
        guide = ctx.guides.current().by_slug(slug)
        if guide is None or not position.isdecimal() or int(position) >= len(guide.sections):
            show_topics(ctx, ctx.t("guides.gone"))
            return
        show_section(ctx, guide, int(position))


for _step in ("topics", "guide", "answer"):
    step(FLOW, _step)(on_choice_or_question)


# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
