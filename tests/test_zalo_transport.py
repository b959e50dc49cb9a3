"""What the Zalo transport promises beyond the conversations: nothing stored twice or lost,
the webhook's secret, the platform's limits, photos copied within a size cap."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Hub
from bot.zalo import ingest
from bot.zalo.media import MediaFetcher
from bot.zalo.media_rules import FetchPolicy
from bot.zalo.render import render
from bot.zalo.updates import Incoming, parse
from handlers.messages import OutMessage
from storage import media
from storage.enums import Channel, MediaStatus, OutboxStatus
from storage.models import Identity, InboxItem, MediaFile, OutboxItem
from tests.databases import SEED_TIME
from tests.support import MutableClock
from tests.zalo_fake import ZaloFake
from tests.zalo_fake.state import BodyShape
from tests.zalo_rig import FAKE_PHOTOS, SECRET, Mode, as_head, running_bot, wait_for

PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096


async def inbox_rows(sessions: async_sessionmaker[AsyncSession], key: str | None = None) -> int:
    query = select(func.count()).where(InboxItem.channel == Channel.ZALO)
    if key is not None:
        query = query.where(InboxItem.update_key == key)
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_redelivered_update_is_stored_and_answered_once(
    database_url: str, tmp_path: Path, mode: Mode
) -> None:
    async with running_bot(database_url, tmp_path, mode=mode) as rig:
        head = rig.zalo.user("zl-again")
        await as_head(rig.sessions, head)
        message_id = head.says("/menu")
        first = await rig.exchange(head, message_id)
        rig.zalo.redeliver(message_id)
        await rig.zalo.wait_until(lambda: rig.zalo.pending == 0, what="the redelivery")
        again = await rig.say(head, "/trogiup")
        assert "Trợ giúp" in again and first not in again
        assert await inbox_rows(rig.sessions, message_id) == 1
        menus = [
            sent for sent in rig.zalo.sent_to(head.chat_id) if "Chọn việc cần làm:" in sent.text
        ]
        assert len(menus) == 2  # one for /menu, one after the help; none for the redelivery


async def test_the_webhook_refuses_a_missing_or_wrong_secret_and_reads_both_shapes(
    database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, mode="webhook") as rig:
        assert rig.webhook_url is not None
        user = rig.zalo.user("zl-shapes")
        update = {
            "event_name": "message.text.received",
            "message": {
                "message_id": "forged-1",
                "date": 1766619597466,
                "chat": {"id": user.chat_id, "chat_type": "PRIVATE"},
                "from": {"id": user.id, "display_name": "Ai đó", "is_bot": False},
                "text": "/menu",
            },
        }
        async with httpx.AsyncClient() as http:
            missing = await http.post(rig.webhook_url, json=update)
            wrong = await http.post(
                rig.webhook_url,
                json=update,
                headers={"X-Bot-Api-Secret-Token": SECRET[:-1] + "x"},
            )
            assert (missing.status_code, wrong.status_code) == (401, 403)
            assert await inbox_rows(rig.sessions) == 0

            right = {"X-Bot-Api-Secret-Token": SECRET}
            flat = await http.post(rig.webhook_url, json=update, headers=right)
            second = json.loads(json.dumps(update))
            second["message"]["message_id"] = "forged-2"
            wrapped = await http.post(
                rig.webhook_url, json={"ok": True, "result": second}, headers=right
            )
            garbage = await http.post(rig.webhook_url, content=b"{not json", headers=right)
        assert (flat.status_code, wrapped.status_code, garbage.status_code) == (200, 200, 400)
        assert await inbox_rows(rig.sessions) == 2


async def test_webhook_requests_that_arrive_together_are_committed_together(
    database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, mode="webhook") as rig:
        assert rig.webhook_url is not None
        users = [rig.zalo.user(f"zl-together-{n}") for n in range(24)]

        def update(n: int) -> dict[str, object]:
            return {
                "event_name": "message.text.received",
                "message": {
                    "message_id": f"together-{n}",
                    "date": 1766619597466,
                    "chat": {"id": users[n].chat_id, "chat_type": "PRIVATE"},
                    "from": {"id": users[n].id, "display_name": "Ai đó", "is_bot": False},
                    "text": "chào",
                },
            }

        right = {"X-Bot-Api-Secret-Token": SECRET}
        async with httpx.AsyncClient() as http:
            answers = await asyncio.gather(
                *(http.post(rig.webhook_url, json=update(n), headers=right) for n in range(24))
            )
        assert [answer.status_code for answer in answers] == [200] * 24
        async with rig.sessions() as session:
            query = select(InboxItem.received_at).where(InboxItem.channel == Channel.ZALO)
            moments = list((await session.execute(query)).scalars())
        assert len(moments) == 24
        # One commit stamps its rows with one moment: fewer moments than requests.
        assert len(set(moments)) < 24


@pytest.mark.parametrize("shape", ["flat", "wrapped"])
async def test_the_webhook_confirms_only_what_it_committed(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: BodyShape
) -> None:
    real_store = ingest.store_all
    failures = [RuntimeError("database restarting")]

    async def store_failing_once(hub: Hub, incomings: Sequence[Incoming]) -> int:
        if failures:
            raise failures.pop()
        return await real_store(hub, incomings)

    monkeypatch.setattr(ingest, "store_all", store_failing_once)
    async with (
        ZaloFake(webhook_shape=shape) as zalo,
        running_bot(database_url, tmp_path, mode="webhook", zalo=zalo) as rig,
    ):
        head = zalo.user("zl-503")
        await as_head(rig.sessions, head)
        answer = await rig.say(head, "/menu")
        assert "1. Báo sự việc" in answer
        assert [d.status for d in zalo.deliveries] == [503, 200]
        assert {d.shape for d in zalo.deliveries} == {shape}


async def test_polling_removes_a_webhook_left_from_before(
    database_url: str, tmp_path: Path
) -> None:
    async with ZaloFake() as zalo:
        async with httpx.AsyncClient() as http:
            await http.post(
                f"{zalo.base_url}/bot{zalo.token}/setWebhook",
                json={"url": "https://old.example.invalid/hook", "secret_token": "old-secret"},
            )
        async with running_bot(database_url, tmp_path, mode="polling", zalo=zalo) as rig:
            head = zalo.user("zl-switch")
            await as_head(rig.sessions, head)
            assert "1. Báo sự việc" in await rig.say(head, "/menu")
            assert zalo.state.webhook is None


async def test_429_pauses_the_sender_and_every_reply_arrives_once_in_order(
    database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path) as rig:
        head = rig.zalo.user("zl-flood")
        await as_head(rig.sessions, head)
        rig.zalo.limit_rate(2)
        asked = [head.says(text) for text in ("/menu", "1", "/huy", "/menu", "3")]
        for message_id in asked:
            await rig.settled(head, message_id)
        assert any(code == 429 for _, code, _ in rig.zalo.rejected)
        async with rig.sessions() as session:
            rows = list(
                (
                    await session.execute(
                        select(OutboxItem)
                        .where(OutboxItem.chat_key == head.chat_id)
                        .order_by(OutboxItem.id)
                    )
                ).scalars()
            )
        assert {row.status for row in rows} == {OutboxStatus.SENT}
        written = [render(OutMessage.model_validate(row.message)) for row in rows]
        assert [sent.text for sent in rig.zalo.sent_to(head.chat_id)] == written
        assert "Đã hủy" in written[3] and "bình thường" in written[-1]


async def test_a_person_who_blocked_the_bot_is_marked_inactive(
    database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path) as rig:
        head = rig.zalo.user("zl-blocked")
        await as_head(rig.sessions, head)
        rig.zalo.block(head)
        await rig.settled(head, head.says("/menu"))
        async with rig.sessions() as session:
            identity = await session.scalar(select(Identity).where(Identity.external_id == head.id))
            failed = await session.scalar(
                select(OutboxItem.last_error).where(OutboxItem.chat_key == head.chat_id)
            )
        assert identity is not None and identity.active is False
        assert failed is not None and failed.startswith("blocked")
        assert rig.zalo.sent_to(head.chat_id) == []


async def queue_photo(sessions: async_sessionmaker[AsyncSession], url: str, key: str) -> int:
    async with sessions() as session, session.begin():
        item = InboxItem(channel=Channel.ZALO, update_key=key, user_key="u", chat_key="u", event={})
        session.add(item)
        await session.flush()
        await media.queue(session, inbox_id=item.id, channel="zalo", urls=[url], now=SEED_TIME)
        return item.id


async def media_row(sessions: async_sessionmaker[AsyncSession], inbox_id: int) -> MediaFile:
    async with sessions() as session:
        row = await session.scalar(select(MediaFile).where(MediaFile.inbox_id == inbox_id))
        assert row is not None
        return row


async def test_a_photo_is_copied_after_failures_and_one_too_large_is_given_up(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, clock: MutableClock
) -> None:
    async with ZaloFake() as zalo:
        flaky = zalo.add_photo("flaky.png", PHOTO, "image/png")
        huge = zalo.add_photo("huge.jpg", b"\xff" * 20_000)
        zalo.fail_photo("flaky.png", 2)
        flaky_inbox = await queue_photo(sessions, flaky, "p1")
        huge_inbox = await queue_photo(sessions, huge, "p2")
        policy = FetchPolicy(max_bytes=10_000, reach=FAKE_PHOTOS)
        fetcher = MediaFetcher(sessions, tmp_path / "media", "zalo", policy=policy, clock=clock)
        try:
            assert await fetcher.fetch_due() == 2
            assert await fetcher.fetch_due() == 0  # the failed one waits for its retry time
            for _ in range(2):
                clock.advance(hours=1)
                await fetcher.fetch_due()
        finally:
            await fetcher.aclose()
        copied, refused = (
            await media_row(sessions, flaky_inbox),
            await media_row(sessions, huge_inbox),
        )
        assert (copied.status, copied.attempts, copied.size_bytes) == (
            MediaStatus.DONE,
            3,
            len(PHOTO),
        )
        assert copied.local_path == f"zalo/{copied.id}.png"
        assert (tmp_path / "media" / copied.local_path).read_bytes() == PHOTO
        assert refused.status is MediaStatus.FAILED and "too large" in (refused.error or "")
        assert refused.local_path is None
        assert list((tmp_path / "media" / "zalo").iterdir()) == [
            tmp_path / "media" / copied.local_path
        ]
        assert zalo.state.photo_requests.count("huge.jpg") == 1


async def test_a_photo_that_never_downloads_is_given_up_after_the_bound(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, clock: MutableClock
) -> None:
    async with ZaloFake() as zalo:
        gone = f"{zalo.base_url}/media/expired.jpg"
        inbox_id = await queue_photo(sessions, gone, "p3")
        policy = FetchPolicy(max_attempts=3, reach=FAKE_PHOTOS)
        fetcher = MediaFetcher(sessions, tmp_path / "media", "zalo", policy=policy, clock=clock)
        try:
            for _ in range(5):
                await fetcher.fetch_due()
                clock.advance(hours=2)
        finally:
            await fetcher.aclose()
        row = await media_row(sessions, inbox_id)
        assert (row.status, row.attempts) == (MediaStatus.FAILED, 3)
        assert "404" in (row.error or "")
        assert zalo.state.photo_requests.count("expired.jpg") == 3


async def test_a_photo_report_does_not_wait_for_the_copy(database_url: str, tmp_path: Path) -> None:
    """The photo host is down: the conversation goes on and the copy waits for later."""
    async with running_bot(database_url, tmp_path) as rig:
        head = rig.zalo.user("zl-slow-photo")
        await as_head(rig.sessions, head)
        url = rig.zalo.add_photo("later.jpg", PHOTO)
        rig.zalo.fail_photo("later.jpg", 1000)
        await rig.conversation(head, "/menu", "1", "1", "2", "Mất trộm xe đạp", "1", "1")
        got = await rig.exchange(head, head.sends_photo(url, "ảnh hiện trường", field="photo"))
        assert "Đã nhận 1 ảnh" in got
        await rig.say(head, "1")
        saved = await rig.say(head, "1")
        assert "Đã ghi nhận báo cáo số" in saved

        async def attempts() -> int:
            async with rig.sessions() as session:
                row = await session.scalar(select(MediaFile).where(MediaFile.source_url == url))
            assert row is not None and row.status is MediaStatus.PENDING
            return row.attempts

        async def recorded() -> bool:
            return await attempts() >= 1

        # The fake answers before the copier writes its outcome: wait for the row, not the request.
        await wait_for(recorded, "a first attempt recorded")
        assert "later.jpg" in rig.zalo.state.photo_requests


async def test_polling_waits_out_the_database_but_not_one_message_that_never_stores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    away: Exception = OperationalError("INSERT", {}, ConnectionRefusedError("refused"))
    outcomes: list[Exception | bool] = [*[away] * 7, True]
    poison: list[Exception | bool] = [ValueError("cannot be stored")] * 10

    async def store(hub: Hub, incoming: Incoming) -> bool:
        script = outcomes if incoming.update_key == "fine" else poison
        outcome = script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(ingest, "store", store)
    monkeypatch.setattr(ingest, "FIRST_RETRY_SECONDS", 0.001)
    monkeypatch.setattr(ingest, "MAX_RETRY_SECONDS", 0.001)
    stop = asyncio.Event()
    hub = cast(Hub, None)

    def update(key: str) -> Incoming:
        message = {
            "message_id": key,
            "chat": {"id": "c", "chat_type": "PRIVATE"},
            "from": {"id": "u", "is_bot": False},
            "text": "xin chào",
        }
        parsed = parse({"event_name": "message.text.received", "message": message})
        assert parsed is not None
        return parsed

    assert await ingest.store_until_kept(hub, update("fine"), stop) is True
    assert outcomes == []
    assert await ingest.store_until_kept(hub, update("poison"), stop) is False
    assert len(poison) == 10 - ingest.MAX_REFUSALS
