"""A conversation keeps its typed state between messages; one left by an earlier version of
the bot, whose state this one cannot read, starts again from the menu and files nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from handlers.context import STATE_KEY
from handlers.i18n import Translator
from storage.models import Conversation, Identity
from tests.support import HEAD, Harness, text_of


async def test_every_conversation_under_way_has_its_state_stored(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.say(HEAD, "1")
    async with harness.sessions() as session:
        conversation = await conversation_of(session)
    assert conversation.flow == "incident"
    assert isinstance(conversation.data.get(STATE_KEY), dict)


async def test_a_conversation_from_an_earlier_version_starts_again(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.say(HEAD, "1")
    await harness.say(HEAD, "1")
    before = len(await harness.reports())
    async with harness.sessions() as session, session.begin():
        conversation = await conversation_of(session)
        conversation.data = {"draft": {"category": "security"}}
        flag_modified(conversation, "data")

    replies = await harness.say(HEAD, "2")

    assert Translator("vi")("error.conversation_restarted") in text_of(replies)
    assert await harness.step_of(HEAD) == "menu/main"
    assert len(await harness.reports()) == before


async def test_a_conversation_at_a_step_no_flow_has_any_more_starts_again(
    harness: Harness,
) -> None:
    """The officer's steps once all lived in one flow "officer"; a person stored there when
    the bot is updated is told why they are back at the menu."""
    await harness.say(HEAD, "/menu")
    async with harness.sessions() as session, session.begin():
        conversation = await conversation_of(session)
        conversation.flow, conversation.step = "officer", "summary"
        conversation.data = {STATE_KEY: {}}
        flag_modified(conversation, "data")

    replies = await harness.say(HEAD, "1")

    assert Translator("vi")("error.conversation_restarted") in text_of(replies)
    assert await harness.step_of(HEAD) == "menu/main"


async def conversation_of(session: AsyncSession) -> Conversation:
    found = await session.scalar(
        select(Conversation)
        .join(Identity, Identity.id == Conversation.identity_id)
        .where(Identity.external_id == HEAD)
    )
    assert found is not None
    return found
