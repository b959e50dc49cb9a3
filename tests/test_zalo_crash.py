"""SIGKILL a real `tuquan run --transport zalo` while a hamlet head reports on Zalo: after a
restart (and Zalo sending the last message again) the report exists exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.models import Report
from tests.cli import ROOT, clock_setting
from tests.zalo_fake import ZaloFake
from tests.zalo_rig import FAST, answered, as_head

TEXT = "Sạt taluy đường vào bản sau mưa lớn"
LINES = ["/menu", "1", "6", "1", TEXT, "1", "km3 đường vào bản", "1", "1"]
SAVED = "Đã ghi nhận báo cáo số"


@asynccontextmanager
async def bot_process(
    zalo: ZaloFake, database_url: str, tmp_path: Path, failpoints: str | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "TUQUAN_DATABASE_URL": database_url,
        "TUQUAN_LOG_LEVEL": "WARNING",
        **clock_setting(),
        "TUQUAN_MEDIA_DIR": str(tmp_path / "media"),
        "ZALO_BOT_TOKEN": zalo.token,
        "ZALO_API_URL": zalo.base_url,
        "ZALO_POLL_TIMEOUT": "1",
        "ZALO_RATE_PER_SECOND": str(FAST.per_second),
        "ZALO_RATE_PER_CHAT_PER_SECOND": str(FAST.per_chat_per_second),
    }
    for unwanted in ("TUQUAN_FAILPOINTS", "TELEGRAM_BOT_TOKEN", "ZALO_WEBHOOK_URL"):
        env.pop(unwanted, None)
    if failpoints:
        env["TUQUAN_FAILPOINTS"] = failpoints
    with (tmp_path / "bot.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--transport", "zalo",
            env=env, cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def stored_reports(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).where(Report.text == TEXT)) or 0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("failpoint", "killed_at"),
    [
        ("after_inbox_commit", len(LINES)),
        ("after_inbox_commit", 3),
        ("engine_before_commit", len(LINES)),
        ("after_engine_commit", len(LINES)),
    ],
)
async def test_killed_while_reporting_then_restarted(
    database_url: str, tmp_path: Path, failpoint: str, killed_at: int
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with ZaloFake() as zalo:
        head = zalo.user("zl-crash", "Hoàng Văn Thào")
        await as_head(sessions, head)
        sent: list[str] = []
        async with bot_process(zalo, database_url, tmp_path, f"{failpoint}:{killed_at}") as bot:
            for line in LINES[: killed_at - 1]:
                sent.append(head.says(line))
                await answered(sessions, head, sent[-1])
            sent.append(head.says(LINES[killed_at - 1]))
            assert await asyncio.wait_for(bot.wait(), 60) == -signal.SIGKILL
        assert SAVED not in "\n".join(message.text for message in zalo.sent_to(head.chat_id))

        zalo.redeliver(sent[-1])
        async with bot_process(zalo, database_url, tmp_path) as bot:
            await answered(sessions, head, sent[-1])
            for line in LINES[killed_at:]:
                sent.append(head.says(line))
                await answered(sessions, head, sent[-1])
            await zalo.wait_until(lambda: zalo.pending == 0, what="the redelivery")
            await answered(sessions, head, sent[-1])
            bot.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(bot.wait(), 30) == 0

    texts = [message.text for message in zalo.sent_to(head.chat_id)]
    assert sum(SAVED in text for text in texts) == 1
    assert await stored_reports(sessions) == 1
    await engine.dispose()
