"""A bot added to a Telegram group binds, links and shows nothing there: it answers a command
only with the way into the person's own chat, and everything for a person goes to that chat.

On the emulator through both runtimes and both ways in, checked in the database.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import func, select, update

from storage.enums import OutboxStatus, Role
from storage.models import Identity, InviteCode, LinkCode, OutboxItem, RoleAssignment
from tests.telegram_flows.fake import BotMessage, EmulatorTelegram
from tests.telegram_flows.scenarios import onboard
from tests.telegram_flows.world import (
    RUN_NAMES,
    RUNS,
    Person,
    Runtime,
    WayIn,
    World,
    on_the_emulator,
)

GROUP = -1_001_234_567_890
PRIVATE_LINK = "https://t.me/tuquan_test_bot"


async def in_group(world: World, person: Person, text: str) -> list[BotMessage]:
    """What the group sees after `person` writes `text` there (stored and processed first)."""
    fake = world.fake
    assert isinstance(fake, EmulatorTelegram)
    before = len(await fake.bot_messages(GROUP))
    fake.emulator.user_sends_group_text(GROUP, person.user_id, text, person.first_name)
    person.updates += 1
    await world.settle(person.user_id, person.updates)
    deadline = time.monotonic() + 10
    while await _unsent(world, str(GROUP)):
        assert time.monotonic() < deadline, "the group's replies were never sent"
        await asyncio.sleep(0.02)
    return (await fake.bot_messages(GROUP))[before:]


async def _unsent(world: World, chat: str) -> int:
    async with world.observer() as session:
        query = select(func.count()).where(
            OutboxItem.chat_key == chat, OutboxItem.status == OutboxStatus.PENDING
        )
        return int(await session.scalar(query) or 0)


async def _count(world: World, query: object) -> int:
    async with world.observer() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


def _only_the_way_in(shown: list[BotMessage]) -> None:
    [message] = shown
    assert "nhắn riêng cho tôi" in message.text
    assert message.buttons == [("Nhắn riêng cho tôi", PRIVATE_LINK)]


@pytest.mark.parametrize(RUN_NAMES, RUNS, indirect=["database_url"])
async def test_in_a_group_the_bot_only_points_to_a_private_chat(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> None:
    async with on_the_emulator(database_url, runtime, way_in) as world:
        code = await world.invite("Nà Mò", Role.DEPUTY)
        newcomer = Person(world, 940_001, "Lường")
        _only_the_way_in(await in_group(world, newcomer, f"/start@tuquan_test_bot {code}"))
        assert await in_group(world, newcomer, "chào cả nhà") == []
        accounts = select(func.count()).where(Identity.external_id == str(newcomer.user_id))
        assert await _count(world, accounts) == 0
        invite = select(InviteCode.uses).where(InviteCode.code == code)
        assert await _count(world, invite) == 0

        officer = await onboard(world, 940_002, "Hoa", "Phủ Thông", Role.OFFICER)
        links_before = await _count(world, select(func.count()).select_from(LinkCode))
        for command in ("/lienket", "/sukien", "/tonghop", "/menu"):
            _only_the_way_in(await in_group(world, officer, command))
        assert await _count(world, select(func.count()).select_from(LinkCode)) == links_before
        roles = select(func.count()).where(RoleAssignment.valid_to.is_(None))
        roles_before = await _count(world, roles)
        _only_the_way_in(await in_group(world, newcomer, f"/lienket {code}"))
        assert await _count(world, roles) == roles_before


@pytest.mark.parametrize(RUN_NAMES, RUNS[:1], indirect=["database_url"])
async def test_an_account_once_delivered_to_a_group_is_moved_to_its_private_chat(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> None:
    async with on_the_emulator(database_url, runtime, way_in) as world:
        officer = await onboard(world, 940_003, "Hoa", "Phủ Thông", Role.OFFICER)
        async with world.sessions() as session, session.begin():
            await session.execute(
                update(Identity)
                .where(Identity.external_id == str(officer.user_id))
                .values(chat_key=str(GROUP))
            )
        await officer.say("/menu")
        chat = select(Identity.chat_key).where(Identity.external_id == str(officer.user_id))
        async with world.observer() as session:
            assert await session.scalar(chat) == str(officer.user_id)
