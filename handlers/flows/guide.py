"""Guides: browse the models and their sections, or ask in your own words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from handlers.access import Need
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import Flow, NoState, Step
from handlers.guides import Guide
from handlers.messages import Choice, InEvent
from handlers.steps import Steps
from storage.text import clean

if TYPE_CHECKING:
    from handlers.guides.search import Hit

MORE, TOPICS = "more", "topics"
GUIDE_PREFIX, SECTION_PREFIX = "g:", "s:"
MAX_QUESTION = 500
# A reply stays under the smallest limit we know of with room for the question after it;
# the transports split further where a platform needs it.
MAX_REPLY = 3300
OTHER_ANSWERS = 2


class At(Steps, flow="guide"):
    TOPICS = "topics"
    GUIDE = "guide"
    ANSWER = "answer"


async def start(ctx: Ctx) -> None:
    show_topics(ctx)


def show_topics(ctx: Ctx, intro: Markup | str | None = None, *, asking: bool = False) -> None:
    guides = ctx.guides.current().guides
    options = [Choice(id=f"{GUIDE_PREFIX}{g.slug}", label=g.title) for g in guides]
    question = ctx.t("guides.ask_question" if asking else "guides.topics")
    _ask(ctx, At.TOPICS, question, [*options, ctx.back_choice()], intro=intro)


def show_guide(ctx: Ctx, slug: str) -> None:
    guide = ctx.guides.current().by_slug(slug)
    if guide is None:
        show_topics(ctx, ctx.t("guides.gone"))
        return
    options = [
        Choice(id=f"{SECTION_PREFIX}{guide.slug}:{position}", label=section.title)
        for position, section in enumerate(guide.sections)
    ]
    options += [Choice(id=TOPICS, label=str(ctx.t("guides.other_topics"))), ctx.back_choice()]
    text = ctx.t("guides.guide", title=guide.title, summary=guide.summary)
    _ask(ctx, At.GUIDE, text, options)


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
    options += [Choice(id=MORE, label=str(ctx.t("guides.ask_more"))), ctx.back_choice()]
    _ask(ctx, At.ANSWER, ctx.t("guides.what_next"), options, intro=parts[-1])


def _ask(
    ctx: Ctx, at: At, text: Markup | str, options: list[Choice], intro: Markup | str | None = None
) -> None:
    """Ask as the guide, which remembers nothing: a person may come from another flow (the
    hamlet's models, the menu), whose state has no meaning here."""
    ctx.begin(NoState())
    ctx.ask(at, text, options, intro=intro)


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
        ctx.finish(ctx.t("guides.reloaded", count=result.count))
        return
    first = result.problems[0]
    ctx.finish(
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
    if choice_id == MORE:
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


# Each step offers the topics, a guide's sections and the answers, and takes a question.
_ANYWHERE = (At.TOPICS, At.GUIDE, At.ANSWER)
GUIDE = Flow(
    At,
    NoState,
    needs=Need.ANYONE,
    # A question typed at the menu is answered at once, or with the topics when none fits.
    entry=(At.TOPICS, At.ANSWER),
    steps={
        At.TOPICS: Step(on_choice_or_question, then=_ANYWHERE),
        At.GUIDE: Step(on_choice_or_question, then=_ANYWHERE),
        At.ANSWER: Step(on_choice_or_question, then=_ANYWHERE),
    },
)
# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (GUIDE,)
