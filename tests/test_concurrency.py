"""Updates that arrive together: the same one several times, or many of one person at once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from handlers.messages import InEvent
from storage.enums import ReportKind
from storage.models import InboxItem, OutboxItem
from tests.support import HEAD, Harness, text_of

INCIDENT = ["/menu", "1", "3", "2", "Xe tải làm gãy cột điện", "1", "bỏ qua", "bỏ qua"]


def text_event(text: str) -> InEvent:
    return InEvent(channel="console", user_key=HEAD, chat_key=HEAD, kind="text", text=text)


async def test_the_same_update_delivered_three_times_at_once(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    stored = await asyncio.gather(
        *(harness.deliver(text_event("3"), update_key="tg-777") for _ in range(3))
    )
    assert sum(row is not None for row in stored) == 1
    await asyncio.gather(harness.engine.run_pending(), harness.engine.run_pending())
    replies = await harness.read(HEAD)
    assert len(replies) == 1 and "bình thường" in text_of(replies)
    quiet = await harness.reports(kind=ReportKind.NOTHING, week="2026-W48")
    assert len([r for r in quiet if r.reporter_id is not None and r.source_inbox_id]) == 1


async def test_fifty_updates_of_one_person_together_keep_order_and_submit_once(
    harness: Harness,
) -> None:
    before = len(await harness.reports(kind=ReportKind.INCIDENT))
    confirmations = ["gửi báo cáo"] * (50 - len(INCIDENT))
    lines = [*INCIDENT, *confirmations]
    keys = [f"burst-{n}" for n in range(len(lines))]
    # Stored concurrently, as a webhook under load would; ids follow arrival, like the platform.
    for key, line in zip(keys, lines, strict=True):
        await harness.deliver(text_event(line), update_key=key)
    await asyncio.gather(*(harness.engine.run_pending() for _ in range(4)))

    incidents = (await harness.reports(kind=ReportKind.INCIDENT))[before:]
    assert [(r.category, r.text) for r in incidents] == [("traffic", "Xe tải làm gãy cột điện")]
    async with harness.sessions() as session:
        burst = dict(
            (
                await session.execute(
                    select(InboxItem.id, InboxItem.update_key).where(
                        InboxItem.update_key.like("burst-%")
                    )
                )
            ).all()
        )
        reply_keys = (
            (
                await session.execute(
                    select(OutboxItem.idempotency_key)
                    .where(OutboxItem.chat_key == HEAD, OutboxItem.idempotency_key.like("reply:%"))
                    .order_by(OutboxItem.id)
                )
            )
            .scalars()
            .all()
        )
    # Replies were written in the order their updates were processed: it must be arrival order.
    answered = [int(key.split(":")[1]) for key in reply_keys]
    answered = [inbox_id for inbox_id in answered if inbox_id in burst]
    assert [burst[i] for i in dict.fromkeys(answered)] == keys
