"""Both webhooks, on loopback, against bodies nested far deeper than any update."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.webhook import SECRET_HEADER as TELEGRAM_SECRET_HEADER
from bot.zalo.webhook import SECRET_HEADER as ZALO_SECRET_HEADER
from storage.enums import Channel
from storage.models import InboxItem
from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator
from tests.telegram_flows.fake import EmulatorTelegram
from tests.telegram_flows.world import WEBHOOK_SECRET, Person, running_bot
from tests.zalo_rig import SECRET as ZALO_SECRET
from tests.zalo_rig import as_head
from tests.zalo_rig import running_bot as running_zalo_bot

DEEP = 100_000
QUIET = EmulatorConfig(rate_limits=RateLimits(enabled=False), webhook_retry_delay=0.05)
USER = 930_001


def nested_objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


# Deep enough for Python's parser to give up, and (a few hundred) deep enough to parse but
# to recurse again in whatever walks it next.
TELEGRAM_BODIES = {
    "lists": "[" * DEEP + "]" * DEEP,
    "objects": nested_objects(DEEP),
    "an update with a deep message": '{"update_id": 7, "message": ' + nested_objects(DEEP) + "}",
    "an update a parser can read": '{"update_id": 8, "message": ' + nested_objects(400) + "}",
}
ZALO_BODIES = {
    "lists": "[" * DEEP + "]" * DEEP,
    "objects": nested_objects(DEEP),
    "a wrapped update with a deep message": '{"ok": true, "result": {"message": '
    + nested_objects(DEEP)
    + "}}",
    "an update a parser can read": '{"event_name": "message.text.received", "message": '
    + nested_objects(400)
    + "}",
}


async def inbox_rows(sessions: async_sessionmaker[AsyncSession], channel: Channel) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(InboxItem).where(InboxItem.channel == channel)
        return int((await session.execute(query)).scalar_one())


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_telegram_s_webhook_refuses_deep_nesting_and_then_takes_an_update(
    database_url: str, runtime: str
) -> None:
    async with TelegramEmulator(QUIET) as telegram:
        fake = EmulatorTelegram(telegram)
        async with running_bot(fake, database_url, runtime, "webhook") as world:  # type: ignore[arg-type]
            assert world.webhook_url is not None
            await telegram.wait_for_requests("setWebhook")
            headers = {TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
            async with httpx.AsyncClient(timeout=30) as http:
                for name, body in TELEGRAM_BODIES.items():
                    answer = await http.post(world.webhook_url, content=body, headers=headers)
                    assert answer.status_code == 400, name
            assert await inbox_rows(world.observer, Channel.TELEGRAM) == 0

            person = Person(world, USER, "Lan")
            await fake.text(USER, "/menu", "Lan")
            person.updates += 1
            replies = await person.answers()
            assert replies.messages
            assert await inbox_rows(world.observer, Channel.TELEGRAM) == 1


async def test_zalo_s_webhook_refuses_deep_nesting_and_then_takes_an_update(
    database_url: str, tmp_path: Path
) -> None:
    async with running_zalo_bot(database_url, tmp_path, mode="webhook") as rig:
        assert rig.webhook_url is not None
        headers = {ZALO_SECRET_HEADER: ZALO_SECRET, "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=30) as http:
            for name, body in ZALO_BODIES.items():
                answer = await http.post(rig.webhook_url, content=body, headers=headers)
                assert answer.status_code == 400, name
        assert await inbox_rows(rig.sessions, Channel.ZALO) == 0

        head = rig.zalo.user("zl-deep")
        await as_head(rig.sessions, head)
        menu = await rig.say(head, "/menu")
        assert "1. Báo sự việc" in menu
        assert await inbox_rows(rig.sessions, Channel.ZALO) == 1
