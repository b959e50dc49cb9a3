"""Command menus in Vietnamese: one for everyone, one per role's chat; t.me invite links."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.commands import CommandSync
from bot.telegram.ptb_api import PtbApi
from storage.enums import Role
from storage.models import Identity, RoleAssignment
from tests.cli import PROCESS_CLOCK, ROOT, clock_setting
from tests.telegram_emulator import TelegramEmulator
from tests.telegram_process import telegram_reporter

HEAD, OTHER, OFFICER = 970_001, 970_002, 970_003
PRIVACY = ("dulieu", "quyenriengtu")  # in every list


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator() as emulator:
        for user in (HEAD, OTHER, OFFICER):
            emulator.register_user(user)
        yield emulator


def chat_scope(user: int) -> dict[str, object]:
    return {"type": "chat", "chat_id": user}


def names(commands: list[dict[str, object]]) -> list[object]:
    return [command["command"] for command in commands]


async def test_everyone_then_each_role_gets_its_own_commands(
    telegram: TelegramEmulator, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = PtbApi(telegram.token, telegram.base_url, 5.0, 1)
    await api.start()
    try:
        await telegram_reporter(sessions, HEAD, "Nà Phải", "Tuấn")
        await telegram_reporter(sessions, OFFICER, "1969", "Khoa", Role.OFFICER)
        sync = CommandSync(api, sessions, clock=PROCESS_CLOCK)
        await sync.register_defaults()
        stop = asyncio.Event()
        await sync.sync(None, stop)

        everyone = telegram.commands_for(None)
        assert names(everyone) == ["start", "menu", "trogiup", "huy", *PRIVACY]
        assert everyone[0]["description"] == "Bắt đầu, hoặc nhập mã mời"
        assert names(telegram.commands_for(None, "en")) == names(everyone)
        assert telegram.commands_for(None, "en")[1]["description"] == "Main menu"
        head = telegram.commands_for(chat_scope(HEAD))
        assert names(head) == ["menu", "huy", "trogiup", *PRIVACY]
        assert head[0]["description"] == "Báo sự việc, hoạt động, tuần bình thường"
        assert telegram.commands_for(chat_scope(OTHER)) == []
        officer = telegram.commands_for(chat_scope(OFFICER))
        assert names(officer) == [
            *("menu", "tonghop", "chuabao", "sukien", "xuatexcel", "web", "huy", "trogiup"),
            *PRIVACY,
        ]
        assert officer[0]["description"] == "Xem báo cáo mới trong địa bàn"

        since = PROCESS_CLOCK() - timedelta(seconds=1)
        async with sessions() as session, session.begin():
            identity = (
                await session.execute(select(Identity).where(Identity.external_id == str(HEAD)))
            ).scalar_one()
            for role in (
                await session.execute(
                    select(RoleAssignment).where(RoleAssignment.person_id == identity.person_id)
                )
            ).scalars():
                role.valid_to = PROCESS_CLOCK()
        await sync.sync(since, stop)
        assert telegram.commands_for(chat_scope(HEAD)) == []
    finally:
        await api.close()


async def tuquan_invite(env: dict[str, str], database_url: str, cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "invite",
        "create",
        "--unit",
        "na phai",
        "--role",
        "deputy",
        cwd=cwd,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("TUQUAN_", "TELEGRAM_"))},
            "TUQUAN_DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
            **clock_setting(),
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return int(process.returncode or 0), out.decode()


async def test_an_invite_prints_its_deep_link(
    telegram: TelegramEmulator, database_url: str, tmp_path: Path
) -> None:
    code, out = await tuquan_invite({}, database_url, tmp_path)
    assert code == 0 and len(out.split()) == 1  # no bot known: the code alone

    code, out = await tuquan_invite(
        {"TELEGRAM_BOT_USERNAME": "@tuquan_bot"}, database_url, tmp_path
    )
    invite, link = out.split()
    assert code == 0 and link == f"https://t.me/tuquan_bot?start={invite}"

    asked = {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.base_url}
    code, out = await tuquan_invite(asked, database_url, tmp_path)
    invite, link = out.split()
    assert code == 0 and link == f"https://t.me/tuquan_test_bot?start={invite}"
