"""SIGKILL of the real Telegram bot process: after a restart nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.enums import ReportKind
from storage.models import Identity, InboxItem, Report
from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator
from tests.telegram_flows.fake import EmulatorTelegram
from tests.telegram_flows.world import WEBHOOK_SECRET, Person, Runtime, WayIn, World
from tests.telegram_process import BotProcess, telegram_reporter

pytestmark = pytest.mark.slow
USER = 960_001
QUIET_PERIOD = 0.5


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[TelegramEmulator]:
    config = EmulatorConfig(rate_limits=RateLimits(enabled=False), webhook_retry_delay=0.1)
    async with TelegramEmulator(config) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    database = create_engine(database_url)
    yield session_factory(database)
    await database.dispose()


async def reports_by(sessions: async_sessionmaker[AsyncSession], kind: ReportKind) -> list[Report]:
    async with sessions() as session:
        query = (
            select(Report)
            .join(Identity, Identity.person_id == Report.reporter_id)
            .where(Identity.external_id == str(USER), Report.kind == kind)
        )
        return list((await session.execute(query)).scalars())


async def inbox_keys(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        query = select(InboxItem.update_key).where(InboxItem.user_key == str(USER))
        return list((await session.execute(query)).scalars())


@pytest.mark.parametrize(
    ("runtime", "way_in"),
    [("ptb", "polling"), ("aiogram", "polling"), ("ptb", "webhook"), ("aiogram", "webhook")],
)
async def test_killed_between_storing_an_update_and_confirming_it(
    telegram: TelegramEmulator,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
    runtime: Runtime,
    way_in: WayIn,
) -> None:
    await telegram_reporter(sessions, USER, "Nà Mò", "Hiền")
    bot = BotProcess(telegram, database_url, runtime, way_in, tmp_path)
    try:
        await bot.start(failpoints="after_inbox_commit:2")
        menu = telegram.user_sends_text(USER, "/menu", "Hiền")["update_id"]
        # Marked sent, too: a reply caught between sending and marking would wait out its
        # lease after the restart.
        await World(EmulatorTelegram(telegram), sessions, runtime, way_in, sessions).settle(USER, 1)
        update_id = telegram.user_sends_text(USER, "Tuần này bình thường", "Hiền")["update_id"]
        assert await bot.exited() == -signal.SIGKILL
        assert await inbox_keys(sessions) == [str(menu), str(update_id)]
        assert [u["update_id"] for u in telegram.pending_updates()] == [update_id]
        assert len(telegram.sent_messages(USER)) == 1

        await bot.start(log_level="DEBUG")
        _, answer = await telegram.wait_for_messages(USER, 2, timeout=20)
        assert "Đã ghi nhận: tuần" in (answer.text or "")
        await telegram.wait_until(lambda: telegram.pending_updates() == [], timeout=20)
        await asyncio.sleep(QUIET_PERIOD)
        assert await bot.stop() == 0
    finally:
        await bot.kill()
    assert len(telegram.sent_messages(USER)) == 2
    assert await inbox_keys(sessions) == [str(menu), str(update_id)]
    assert len(await reports_by(sessions, ReportKind.NOTHING)) == 1
    log = bot.output()
    assert "signed in as @tuquan_test_bot" in log
    assert telegram.token not in log
    assert telegram.token.split(":")[1] not in log
    assert WEBHOOK_SECRET not in log


TEXT = "Cây đổ chắn ngang đường vào thôn sau bão"


@pytest.mark.parametrize(
    ("failpoint", "runtime", "way_in", "shown"),
    [
        ("engine_before_commit", "ptb", "polling", 1),
        ("after_engine_commit", "aiogram", "webhook", 1),
        # Sent but not yet marked: shown once more after the restart, never lost.
        ("after_send_before_mark", "aiogram", "polling", 2),
    ],
)
async def test_killed_mid_conversation_it_goes_on_at_the_same_step(
    telegram: TelegramEmulator,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
    failpoint: str,
    runtime: Runtime,
    way_in: WayIn,
    shown: int,
) -> None:
    await telegram_reporter(sessions, USER, "Nà Phải", "Tuấn")
    observer = create_engine(database_url)
    world = World(EmulatorTelegram(telegram), sessions, runtime, way_in, session_factory(observer))
    person = Person(world, USER, "Tuấn")
    bot = BotProcess(telegram, database_url, runtime, way_in, tmp_path)
    try:
        # The text answer is the fifth step, and the fifth reply.
        await bot.start(failpoints=f"{failpoint}:5")
        await person.say("/menu")
        await person.tap("Báo sự việc")
        await person.tap("An toàn giao thông")
        await person.tap("Khẩn cấp")
        await world.fake.text(USER, TEXT, "Tuấn")
        person.updates += 1
        assert await bot.exited() == -signal.SIGKILL

        await bot.start()
        asked = await person.answers()
        assert [m.text for m in asked.messages] == ["Sự việc xảy ra khi nào?"] * shown
        await person.tap("Hôm nay")
        await person.tap("Bỏ qua")
        summary = await person.tap("Bỏ qua")
        assert f"Nội dung: {TEXT}" in summary.text
        saved = await person.tap("Gửi báo cáo")
        assert "Đã ghi nhận báo cáo số" in saved.text
        assert await bot.stop() == 0
    finally:
        await bot.kill()
        await observer.dispose()
    [report] = await reports_by(sessions, ReportKind.INCIDENT)
    assert (report.category, report.urgent, report.text) == ("traffic", True, TEXT)
    async with sessions() as session:
        duplicates = (
            await session.execute(
                select(InboxItem.update_key, func.count())
                .group_by(InboxItem.update_key)
                .having(func.count() > 1)
            )
        ).all()
    assert duplicates == []


async def test_a_token_telegram_does_not_know_stops_the_start_and_is_not_printed(
    telegram: TelegramEmulator, database_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(telegram, database_url, "aiogram", "polling", tmp_path)
    env = bot.environment(None, "DEBUG")
    env["TELEGRAM_BOT_TOKEN"] = "7100200300:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    text = (out + err).decode()
    assert "Telegram không nhận TELEGRAM_BOT_TOKEN này" in text
    assert "AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr" not in text
