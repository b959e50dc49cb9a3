"""Sending to Telegram: its errors, its limits, and every reply once whatever it answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.ratelimit import Limits
from bot.sender import Blocked, Rejected, RetryAfter, Transient
from bot.telegram.aiogram_api import AiogramApi
from bot.telegram.api import TelegramApi
from bot.telegram.client import TelegramClient
from bot.telegram.ptb_api import PtbApi
from bot.telegram.rendering import Chunk, render
from bot.telegram.service import TELEGRAM_LIMITS, sign_in
from bot.telegram.waiting import Backoff
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage
from storage import outbox
from storage.enums import OutboxStatus
from storage.models import Identity, OutboxItem
from tests.cli import PROCESS_CLOCK
from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator
from tests.telegram_flows.fake import EmulatorTelegram
from tests.telegram_flows.world import Person, Runtime, World, running_bot

USER = 930_001
RUNTIMES: list[Runtime] = ["ptb", "aiogram"]
ApiFactory = Callable[[TelegramEmulator, float], TelegramApi]
FACTORIES: dict[str, ApiFactory] = {
    "ptb": lambda telegram, timeout: PtbApi(telegram.token, telegram.base_url, timeout, 1),
    "aiogram": lambda telegram, timeout: AiogramApi(telegram.token, telegram.base_url, timeout, 1),
}


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(EmulatorConfig(rate_limits=RateLimits(enabled=False))) as emulator:
        emulator.register_user(USER, "Lan")
        yield emulator


@pytest_asyncio.fixture(params=RUNTIMES)
async def api(
    request: pytest.FixtureRequest, telegram: TelegramEmulator
) -> AsyncIterator[TelegramApi]:
    made = FACTORIES[request.param](telegram, 0.5)
    await made.start()
    yield made
    await made.close()


@pytest.mark.parametrize(
    ("arm", "error"),
    [
        (lambda t: t.fail_with_flood_wait("sendMessage", retry_after=7), RetryAfter),
        (lambda t: t.fail_with_blocked("sendMessage"), Blocked),
        (
            lambda t: t.fail_next(
                "sendMessage", status=400, description="Bad Request: chat not found"
            ),
            Rejected,
        ),
        (lambda t: t.fail_with_server_error("sendMessage"), Transient),
        (lambda t: t.fail_with_bad_gateway("sendMessage", html_body=True), Transient),
        (lambda t: t.hang_next("sendMessage", seconds=2, apply_call=False), Transient),
        (lambda t: t.drop_next("sendMessage"), Transient),
    ],
    ids=["429", "403", "400", "500", "502-html", "timeout", "dropped"],
)
async def test_each_failure_is_told_to_the_sender_as_what_it_means(
    telegram: TelegramEmulator,
    api: TelegramApi,
    arm: Callable[[TelegramEmulator], None],
    error: type[Exception],
) -> None:
    arm(telegram)
    with pytest.raises(error) as raised:
        await api.send(USER, Chunk("Nhắc báo cáo tuần"))
    if isinstance(raised.value, RetryAfter):
        assert raised.value.seconds == 7
    assert telegram.sent_messages(USER) == []
    assert telegram.token not in str(raised.value)


async def test_a_long_message_retried_after_a_failure_in_the_middle_is_not_repeated(
    telegram: TelegramEmulator, api: TelegramApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TelegramClient(api, Translator("vi"))
    lines = "\n".join(f"Dòng {n}: thôn Nà Phải báo cáo bình thường" for n in range(300))
    message = OutMessage(text=lines)
    original = api.send
    sent = 0

    async def fail_after_the_first(chat_id: int, chunk: Chunk, *, html: bool = True) -> int:
        nonlocal sent
        sent += 1
        if sent == 2:
            telegram.fail_with_server_error("sendMessage")
        return await original(chat_id, chunk, html=html)

    monkeypatch.setattr(api, "send", fail_after_the_first)
    with pytest.raises(Transient):
        await client.send(str(USER), message)
    await client.send(str(USER), message)
    texts = [m.text or "" for m in telegram.sent_messages(USER)]
    assert len(texts) == len(render(message, client.t)) > 2
    assert "\n".join(texts).split("\n") == lines.split("\n")


async def test_markup_telegram_refuses_still_reaches_the_person_as_text(
    telegram: TelegramEmulator, api: TelegramApi
) -> None:
    client = TelegramClient(api, Translator("vi"))
    await client.send(str(USER), OutMessage(text="Đường <b>trơn & sạt"))
    [message] = telegram.sent_messages(USER)
    assert message.text == "Đường trơn & sạt"


async def test_the_place_keyboard_goes_once_the_place_is_answered(
    telegram: TelegramEmulator, api: TelegramApi
) -> None:
    client = TelegramClient(api, Translator("vi"))
    place = OutMessage(
        text="Xảy ra ở đâu?",
        choices=[Choice(id="skip", label="Bỏ qua")],
        choice_token="5",
        ask_location=True,
    )
    photos = OutMessage(
        text="Gửi ảnh nếu có.", choices=[Choice(id="skip", label="Bỏ qua")], choice_token="6"
    )
    for message in (place, photos, OutMessage(text="Mô tả?"), OutMessage(text="Cảm ơn!")):
        await client.send(str(USER), message)
    markups = [m.reply_markup for m in telegram.sent_messages(USER)]
    assert markups[0] is not None and markups[0]["one_time_keyboard"] is True
    assert markups[0]["keyboard"][0][0]["request_location"] is True
    assert markups[1] is not None and "inline_keyboard" in markups[1]
    assert markups[2:] == [{"remove_keyboard": True}, None]


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_start_while_telegram_cannot_be_reached_waits_for_it(
    telegram: TelegramEmulator, runtime: str
) -> None:
    telegram.fail_with_server_error("getMe", times=2)
    telegram.drop_next("getMe")
    api = FACTORIES[runtime](telegram, 0.5)
    try:
        info = await sign_in(api, Backoff(first=0.01))
    finally:
        await api.close()
    assert info.username == "tuquan_test_bot"
    assert len(telegram.requests_for("getMe")) == 4


async def wait_for(predicate: Callable[[], bool], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_burst_of_200_replies_through_429_500_and_timeouts_arrives_once_each(
    database_url: str, runtime: Runtime
) -> None:
    """Telegram's limits scaled up tenfold on both sides, so that this takes seconds."""
    users = [940_000 + n for n in range(200)]
    config = EmulatorConfig(rate_limits=RateLimits(global_per_second=300, private_burst=3))
    async with TelegramEmulator(config) as telegram:
        for user in users:
            telegram.user_sends_text(user, "/menu", f"Người {user}")
        telegram.fail_with_flood_wait("sendMessage", retry_after=1, times=2)
        telegram.fail_with_server_error("sendMessage", times=4)
        telegram.fail_with_bad_gateway("sendMessage", times=2)
        telegram.hang_next("sendMessage", seconds=3, apply_call=False, times=3)
        telegram.drop_next("sendMessage", times=2)
        limits = Limits(per_second=300, per_chat_per_second=1, chat_burst=3)
        fake = EmulatorTelegram(telegram)
        async with running_bot(
            fake, database_url, runtime, "polling", limits=limits, call_timeout=1.0
        ) as world:
            await wait_for(lambda: all(telegram.sent_messages(user) for user in users))
            await settled(world)
        assert [len(telegram.sent_messages(user)) for user in users] == [1] * 200
        assert all(
            (m.text or "").startswith("Anh/chị muốn làm gì?")
            for u in users
            for m in telegram.sent_messages(u)
        )
        assert telegram.stats.injected_faults == 13
        assert telegram.stats.rate_limited == 0


async def settled(world: World) -> None:
    for _ in range(400):
        async with world.observer() as session:
            pending = (
                await session.execute(
                    select(OutboxItem.id).where(OutboxItem.status == OutboxStatus.PENDING)
                )
            ).all()
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("replies still pending")


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_within_telegrams_own_limits_nothing_is_refused(
    runtime: Runtime, database_url: str
) -> None:
    """30 messages a second overall, 1 a second per chat after a burst of 3: no 429."""
    many = [950_000 + n for n in range(45)]
    async with TelegramEmulator() as telegram:
        for user in many:
            telegram.user_sends_text(user, "/menu")
        for text in ("/menu", "/huy", "/menu"):
            telegram.user_sends_text(USER, text)
        fake = EmulatorTelegram(telegram)
        async with running_bot(
            fake, database_url, runtime, "polling", limits=TELEGRAM_LIMITS
        ) as world:
            await wait_for(lambda: len(telegram.sent_messages(USER)) >= 4)
            await settled(world)
        assert telegram.stats.rate_limited == 0, telegram.stats.rate_limited_by_chat
        assert all(len(telegram.sent_messages(user)) == 1 for user in many)


async def test_a_person_who_blocked_the_bot_is_marked_inactive_and_not_retried(
    database_url: str,
) -> None:
    async with TelegramEmulator(EmulatorConfig(rate_limits=RateLimits(enabled=False))) as telegram:
        fake = EmulatorTelegram(telegram)
        async with running_bot(fake, database_url, "ptb", "polling") as world:
            await Person(world, USER, "Lan").say("/menu")
            telegram.user_blocks_bot(USER)
            async with world.sessions() as session, session.begin():
                identity = (
                    await session.execute(select(Identity).where(Identity.external_id == str(USER)))
                ).scalar_one()
                for week in ("2026-W48", "2026-W49"):
                    await outbox.enqueue(
                        session,
                        idempotency_key=f"reminder:{week}:{identity.id}",
                        channel="telegram",
                        chat_key=str(USER),
                        identity_id=identity.id,
                        message=OutMessage(text="Nhắc: tuần này chưa có báo cáo").model_dump(),
                        now=PROCESS_CLOCK(),
                    )
            await settled(world)
            async with world.sessions() as session:
                rows = (
                    (
                        await session.execute(
                            select(OutboxItem).where(OutboxItem.idempotency_key.like("reminder:%"))
                        )
                    )
                    .scalars()
                    .all()
                )
                assert {row.status for row in rows} == {OutboxStatus.FAILED}
                assert all("blocked" in (row.last_error or "") for row in rows)
                assert (await session.get_one(Identity, identity.id)).active is False
        assert [r.status for r in telegram.requests_for("sendMessage")].count(403) == 1


async def test_a_redraw_edits_the_message_in_place_or_sends_it_anew_when_it_is_gone(
    telegram: TelegramEmulator, api: TelegramApi
) -> None:
    client = TelegramClient(api, Translator("vi"))
    buttons = [Choice(id="ack", label="Đã nhận"), Choice(id="note", label="Ghi chú")]
    alert = OutMessage(text="<b>Sự việc khẩn #7</b>", choices=buttons, choice_token="r7")
    first = await client.send(str(USER), alert)
    assert first is not None
    taken = OutMessage(
        text="<b>Sự việc khẩn #7</b>\nđã nhận", choices=buttons[1:], choice_token="r7"
    )
    assert await client.send(str(USER), taken, replacing=first) == first
    assert await client.send(str(USER), taken, replacing=first) == first  # unchanged: fine
    [shown] = telegram.sent_messages(USER)
    assert shown.text == "Sự việc khẩn #7\nđã nhận"
    assert [b["text"] for b in shown.inline_buttons] == ["Ghi chú"]

    anew = await client.send(str(USER), taken, replacing="999999")
    assert anew is not None and anew != first
    assert [m.text for m in telegram.sent_messages(USER)] == ["Sự việc khẩn #7\nđã nhận"] * 2
