"""The pipeline's promises: stored once, in order, and one bad update never blocks the next."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from handlers import router
from handlers.messages import InEvent
from storage.enums import InboxStatus, OutboxStatus
from storage.models import Identity, InboxItem, OutboxItem
from tests.support import HEAD, Harness, text_of


def text_event(user: str, text: str) -> InEvent:
    return InEvent(channel="console", user_key=user, chat_key=user, kind="text", text=text)


async def test_a_redelivered_update_is_dropped(harness: Harness) -> None:
    first = await harness.deliver(text_event(HEAD, "/menu"), update_key="tg-100")
    again = await harness.deliver(text_event(HEAD, "/menu"), update_key="tg-100")
    assert first is not None and again is None
    await harness.engine.run_pending()
    assert len(await harness.read(HEAD)) == 1


async def test_updates_of_one_user_are_processed_in_order(harness: Harness) -> None:
    before = len(await harness.reports())
    script = [
        "/menu",
        "1",
        "3",
        "2",
        "Xe tải làm gãy cột điện",
        "1",
        "bỏ qua",
        "bỏ qua",
        "gửi báo cáo",
    ]
    for number, line in enumerate(script):
        await harness.deliver(text_event(HEAD, line), update_key=f"burst-{number}")
    await harness.engine.run_pending()
    stored = await harness.reports()
    assert len(stored) == before + 1
    assert stored[-1].category == "traffic" and stored[-1].text == "Xe tải làm gãy cột điện"


async def test_a_crashing_step_is_retried_then_answered_and_the_next_update_goes_on(
    harness: Harness, monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    original = router.dispatch

    async def explode_on_boom(ctx: object, event: InEvent) -> None:
        if event.text == "boom":
            raise RuntimeError("boom")
        await original(ctx, event)  # type: ignore[arg-type]

    monkeypatch.setattr(router, "dispatch", explode_on_boom)
    await harness.deliver(text_event(HEAD, "boom"), update_key="poison")
    await harness.deliver(text_event(HEAD, "/menu"), update_key="after-poison")
    await harness.engine.run_pending()
    replies = await harness.read(HEAD)
    assert "Xin lỗi" in replies[0].text
    assert "Chọn việc cần làm:" in text_of(replies[1:])
    async with harness.sessions() as session:
        poison = (
            await session.execute(select(InboxItem).where(InboxItem.update_key == "poison"))
        ).scalar_one()
    assert poison.status is InboxStatus.FAILED
    assert poison.attempts == 3
    assert "RuntimeError: boom" in (poison.error or "")


async def test_two_engines_racing_process_each_update_once(harness: Harness) -> None:
    for number in range(30):
        await harness.deliver(text_event(f"racer-{number % 5}", "/menu"), f"race-{number}")
    other = type(harness.engine)(harness.sessions, clock=harness.clock)
    counts = await asyncio.gather(harness.engine.run_pending(), other.run_pending())
    assert sum(counts) == 30
    async with harness.sessions() as session:
        done = await session.execute(
            select(func.count()).where(
                InboxItem.update_key.like("race-%"), InboxItem.status == InboxStatus.DONE
            )
        )
        replies = await session.execute(
            select(func.count()).where(
                OutboxItem.chat_key.like("racer-%"), OutboxItem.status == OutboxStatus.PENDING
            )
        )
    assert done.scalar_one() == 30
    assert replies.scalar_one() == 30


async def test_when_an_account_last_wrote_is_kept_to_within_minutes(harness: Harness) -> None:
    async def last_seen() -> object:
        async with harness.sessions() as session:
            query = select(Identity.last_seen_at).where(Identity.external_id == "newcomer")
            return (await session.execute(query)).scalar_one()

    first = harness.clock()
    await harness.say("newcomer", "/menu")
    assert await last_seen() == first
    harness.clock.advance(minutes=2)
    await harness.say("newcomer", "1")
    assert await last_seen() == first, "a quick next step leaves it as it was"
    harness.clock.advance(minutes=4)
    await harness.say("newcomer", "/menu")
    assert await last_seen() == harness.clock()
