"""`tuquan run --transport ...`: what starts, and the clear refusals when it cannot."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.cli import ROOT, clock_setting
from tests.zalo_fake import ZaloFake


async def run(database_url: str, *args: str, **env: str) -> tuple[int, str]:
    environment = {**os.environ, "TUQUAN_DATABASE_URL": database_url, **clock_setting(), **env}
    for unset in ("TELEGRAM_BOT_TOKEN", "ZALO_WEBHOOK_URL", "TUQUAN_FAILPOINTS"):
        if unset not in env:
            environment.pop(unset, None)
    if "ZALO_BOT_TOKEN" not in env:
        environment.pop("ZALO_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", *args,
        env=environment, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, stderr.decode()


@pytest.mark.slow
async def test_unknown_or_unconfigured_transports_are_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/run.sqlite3"
    code, told = await run(url, "--transport", "viber")
    assert code == 2 and "Phiên bản này không có nền tảng “viber”." in told
    assert "các nền tảng có: telegram, zalo." in told
    code, told = await run(url, "--transport", "telegram")
    assert code == 2 and "TELEGRAM_BOT_TOKEN is not set" in told
    code, told = await run(url, "--transport", "zalo")
    assert code == 2 and "ZALO_BOT_TOKEN is not set" in told
    code, told = await run(
        url,
        "--transport",
        "zalo",
        ZALO_BOT_TOKEN="1:abc",
        ZALO_WEBHOOK_URL="https://bot.example.invalid/zalo",
        ZALO_WEBHOOK_SECRET="short",
    )
    assert code == 2 and "ZALO_WEBHOOK_SECRET" in told


@pytest.mark.slow
async def test_a_refused_token_stops_the_bot_without_showing_the_token(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/run.sqlite3"
    async with ZaloFake() as zalo:
        wrong = "987654:the-wrong-token"
        code, told = await run(
            url, "--transport", "zalo", ZALO_BOT_TOKEN=wrong, ZALO_API_URL=zalo.base_url
        )
    assert code == 2
    assert "Zalo refused the bot token (401)" in told
    assert "the-wrong-token" not in told
