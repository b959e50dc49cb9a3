"""A group chat on any channel: the engine touches no person and shows nothing there."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.messages import InEvent, OutMessage
from storage import outbox
from storage.models import Conversation, Identity, InviteCode
from tests.support import OFFICER, Harness
from tests.test_onboarding import make_invite

GROUP = "group-of-the-hamlet"


async def in_group(h: Harness, user: str, **fields: object) -> list[OutMessage]:
    event = InEvent.model_validate(
        {"channel": "console", "user_key": user, "chat_key": GROUP, "private": False, **fields}
    )
    await h.deliver(event)
    await h.engine.run_pending()
    async with h.sessions() as session, session.begin():
        items = await outbox.pending_for(session, "console", h.clock(), GROUP, limit=100)
        for item in items:
            outbox.mark_sent(item, h.clock())
        return [OutMessage.model_validate(item.message) for item in items]


async def test_a_command_in_a_group_gets_only_the_way_into_a_private_chat(
    harness: Harness,
) -> None:
    code = await make_invite(harness, "Nà Mò")
    for text in (f"/start {code}", "/lienket", "/sukien", f"/lienket {code}"):
        [reply] = await in_group(harness, "member-1", kind="text", text=text)
        assert reply.private_link and "nhắn riêng cho tôi" in reply.text
        assert reply.choices == [] and reply.menu == []
    [pressed] = await in_group(
        harness, "member-1", kind="choice", choice_token="r1", choice_id="ack"
    )
    assert pressed.private_link
    async with harness.sessions() as session:
        accounts = await session.scalar(
            select(func.count()).where(Identity.external_id == "member-1")
        )
        uses = await session.scalar(select(InviteCode.uses).where(InviteCode.code == code))
    assert (accounts, uses) == (0, 0)


async def test_the_group_s_own_talk_gets_no_answer(harness: Harness) -> None:
    assert await in_group(harness, "member-2", kind="text", text="Chiều nay họp thôn nhé") == []
    assert await in_group(harness, "member-2", kind="photo", photos=["p1"]) == []


async def test_an_officer_writing_in_a_group_keeps_their_step_and_private_chat(
    harness: Harness,
) -> None:
    await harness.say(OFFICER, "/tonghop")
    before = await harness.step_of(OFFICER)
    [reply] = await in_group(harness, OFFICER, kind="text", text="/menu")
    assert reply.private_link
    assert await harness.step_of(OFFICER) == before
    async with harness.sessions() as session:
        chat = await session.scalar(
            select(Identity.chat_key).where(Identity.external_id == OFFICER)
        )
        conversations = await session.scalar(select(func.count()).select_from(Conversation))
    assert chat == OFFICER and conversations is not None


def test_zalo_and_telegram_say_which_messages_come_from_a_group() -> None:
    from bot.telegram.incoming import unreadable
    from bot.zalo.updates import parse

    def zalo(chat_type: str) -> bool:
        found = parse(
            {
                "event_name": "message.text.received",
                "message": {
                    "message_id": "m1",
                    "chat": {"id": "g1", "chat_type": chat_type},
                    "from": {"id": "u1", "display_name": "Lan", "is_bot": False},
                    "text": "/lienket",
                },
            }
        )
        assert found is not None
        return found.event.private

    assert (zalo("PRIVATE"), zalo("GROUP")) == (True, False)
    group = {"id": -100, "type": "supergroup"}
    read = unreadable({"update_id": 1, "message": {"from": {"id": 5}, "chat": group}})
    assert read is not None and read.private is False
