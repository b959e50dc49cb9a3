"""Ingest: stored and committed before Telegram is told; redeliveries dropped; secrets checked."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import Hub
from bot.telegram.aiogram_api import AiogramApi
from bot.telegram.api import RawUpdate
from bot.telegram.incoming import ALLOWED_UPDATES
from bot.telegram.ingest import Ingest
from bot.telegram.ptb_api import PtbApi
from bot.telegram.webhook import SECRET_HEADER
from handlers.engine import Engine
from storage.db import create_engine, session_factory
from storage.models import InboxItem
from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator
from tests.telegram_flows.fake import EmulatorTelegram
from tests.telegram_flows.world import WEBHOOK_SECRET, Person, Runtime, World, running_bot

USER = 920_001
QUIET = EmulatorConfig(rate_limits=RateLimits(enabled=False), webhook_retry_delay=0.05)


async def inbox_rows(world: World, update_key: str | None = None) -> int:
    async with world.observer() as session:
        query = select(func.count()).select_from(InboxItem).where(InboxItem.channel == "telegram")
        if update_key is not None:
            query = query.where(InboxItem.update_key == update_key)
        return int((await session.execute(query)).scalar_one())


async def test_a_redelivered_update_is_stored_once(database_url: str) -> None:
    async with TelegramEmulator(QUIET) as telegram:
        raw = telegram.user_sends_text(USER, "/menu", "Lan")
        database = create_engine(database_url)
        sessions = session_factory(database)
        api = PtbApi(telegram.token, telegram.base_url, 5.0, 1)
        ingest = Ingest(Hub(sessions, Engine(sessions)), api)
        try:
            assert await ingest.store([raw]) == 1
            assert await ingest.store([raw, raw]) == 0
            async with sessions() as session:
                keys = (await session.execute(select(InboxItem.update_key))).scalars().all()
            assert keys.count(str(raw["update_id"])) == 1
        finally:
            await ingest.close()
            await database.dispose()


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_the_offset_moves_past_an_update_only_after_its_commit(
    database_url: str, runtime: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt to store fails, for whatever reason (tests/test_database_outage.py
    takes a real database away): the update stays at Telegram and comes again."""
    original = Ingest.store
    attempts: list[list[int]] = []

    async def failing_once(self: Ingest, updates: Sequence[RawUpdate]) -> int:
        attempts.append([int(u["update_id"]) for u in telegram.pending_updates()])
        if len(attempts) == 1:
            raise ConnectionError("the store failed")
        return await original(self, updates)

    monkeypatch.setattr(Ingest, "store", failing_once)
    async with TelegramEmulator(QUIET) as telegram:
        fake = EmulatorTelegram(telegram)
        async with running_bot(fake, database_url, runtime, "polling") as world:  # type: ignore[arg-type]
            person = Person(world, USER, "Lan")
            update_id = await fake.text(USER, "/menu", "Lan")
            person.updates += 1
            replies = await person.answers()
        assert "Anh/chị muốn làm gì?" in replies.text
        assert [update_id] == attempts[0] == attempts[1]
        assert telegram.pending_updates() == []
        assert len(telegram.sent_messages(USER)) == 1


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_a_quiet_long_poll_longer_than_the_request_timeout_ends_empty(runtime: str) -> None:
    """Telegram holds a poll with nothing to give for its whole timeout; that is no failure."""
    async with TelegramEmulator(QUIET) as telegram:
        make = AiogramApi if runtime == "aiogram" else PtbApi
        api = make(telegram.token, telegram.base_url, 0.25, 1)
        await api.start()
        try:
            assert await api.get_updates(None, 1, ALLOWED_UPDATES) == []
        finally:
            await api.close()


async def test_the_webhook_answers_only_after_storing_and_drops_a_redelivery(
    database_url: str,
) -> None:
    async with TelegramEmulator(QUIET) as telegram:
        fake = EmulatorTelegram(telegram)
        async with running_bot(fake, database_url, "aiogram", "webhook") as world:
            assert world.webhook_url is not None
            await telegram.wait_for_requests("setWebhook")
            person = Person(world, USER, "Lan")
            await fake.text(USER, "/menu", "Lan")
            person.updates += 1
            await person.answers()
            [delivery] = telegram.webhook_deliveries
            assert delivery.delivered
            redelivered = {
                "update_id": delivery.update_id,
                "message": {
                    "message_id": 1,
                    "date": 1_800_000_000,
                    "chat": {"id": USER, "type": "private"},
                    "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
                    "text": "/menu",
                },
            }
            status = await post(world.webhook_url, redelivered, WEBHOOK_SECRET)
            assert status == 200
            assert await inbox_rows(world, str(delivery.update_id)) == 1
            await person.answers()
        assert len(telegram.sent_messages(USER)) == 1


async def post(url: str, body: object, secret: str | None, raw: bytes | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    data = raw if raw is not None else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=data, headers=headers) as answer,
    ):
        return answer.status


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_the_webhook_refuses_a_missing_or_wrong_secret_and_stores_nothing(
    database_url: str, runtime: str
) -> None:
    async with TelegramEmulator(QUIET) as telegram:
        fake = EmulatorTelegram(telegram)
        async with running_bot(fake, database_url, runtime, "webhook") as world:  # type: ignore[arg-type]
            assert world.webhook_url is not None
            await telegram.wait_for_requests("setWebhook")
            [hook] = telegram.requests_for("setWebhook")
            assert hook.params["secret_token"] == WEBHOOK_SECRET
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1_800_000_000,
                    "chat": {"id": USER, "type": "private"},
                    "from": {"id": USER, "is_bot": False, "first_name": "Kẻ giả"},
                    "text": "/menu",
                },
            }
            assert await post(world.webhook_url, update, None) == 401
            assert await post(world.webhook_url, update, "") == 403
            assert await post(world.webhook_url, update, WEBHOOK_SECRET[:-1] + "x") == 403
            assert await post(world.webhook_url, update, "ngắn") == 403
            assert await post(world.webhook_url, update, WEBHOOK_SECRET * 2) == 403
            assert await post(world.webhook_url, None, WEBHOOK_SECRET, raw=b"{not json") == 400
            assert await inbox_rows(world) == 0
            assert await post(world.webhook_url, update, WEBHOOK_SECRET) == 200
            assert await inbox_rows(world) == 1


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_an_update_the_framework_cannot_read_is_kept_and_the_batch_goes_on(
    database_url: str, runtime: str
) -> None:
    async with TelegramEmulator(QUIET) as telegram:
        telegram.user_sends_text(USER, "Hỏi", "Lan")
        broken = telegram.inject_update(
            {
                "callback_query": {
                    "id": "4012",
                    "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
                    "data": "1:x",
                }
            }
        )
        fine = telegram.user_sends_text(USER, "/menu", "Lan")
        fake = EmulatorTelegram(telegram)
        async with running_bot(fake, database_url, runtime, "polling") as world:  # type: ignore[arg-type]
            person = Person(world, USER, "Lan")
            person.updates = 3
            await person.answers()
            async with world.observer() as session:
                events = {
                    key: event["kind"]
                    for key, event in (
                        await session.execute(select(InboxItem.update_key, InboxItem.event))
                    ).all()
                }
        assert events[str(broken["update_id"])] == "unsupported"
        assert events[str(fine["update_id"])] == "text"
        assert telegram.pending_updates() == []


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_webhook_requests_pushed_together_are_committed_together_each_in_order(
    database_url: str, runtime: Runtime
) -> None:
    """As Telegram pushes them: up to 40 requests at once, each chat's one after another."""
    people, each = 30, 3
    config = EmulatorConfig(
        rate_limits=RateLimits(enabled=False), webhook_retry_delay=0.05, webhook_parallel=True
    )
    async with TelegramEmulator(config) as telegram:
        for number in range(each):
            for person in range(people):
                telegram.user_sends_text(USER + person, f"tin số {number}", "Lan")
        fake = EmulatorTelegram(telegram)
        async with running_bot(fake, database_url, runtime, "webhook") as world:
            await telegram.wait_until(
                lambda: sum(d.delivered for d in telegram.webhook_deliveries) == people * each,
                timeout=60,
            )
            async with world.observer() as session:
                query = (
                    select(InboxItem.user_key, InboxItem.update_key, InboxItem.received_at)
                    .where(InboxItem.channel == "telegram")
                    .order_by(InboxItem.id)
                )
                rows = (await session.execute(query)).all()
        assert telegram.webhook_most_at_once > 1
    assert len(rows) == people * each
    assert all(delivery.delivered for delivery in telegram.webhook_deliveries)
    by_person: dict[str, list[int]] = {}
    for user_key, update_key, _ in rows:
        by_person.setdefault(user_key, []).append(int(update_key))
    assert len(by_person) == people
    assert all(keys == sorted(keys) for keys in by_person.values())
    # One commit stamps its rows with one moment: fewer moments than rows, fewer commits.
    assert len({received_at for _, _, received_at in rows}) < len(rows) / 2
