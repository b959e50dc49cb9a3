"""Command menus in Vietnamese: one for everyone, one per role's chat; t.me invite links."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.api import BotCommand
from bot.telegram.commands import CommandSync, commands_for
from bot.telegram.ptb_api import PtbApi
from handlers.access import Audience
from handlers.i18n import Translator
from storage.enums import Role
from storage.models import Identity, RoleAssignment
from tests.cli import PROCESS_CLOCK, ROOT, clock_setting
from tests.telegram_emulator import TelegramEmulator
from tests.telegram_process import telegram_reporter

HEAD, OTHER, OFFICER = 970_001, 970_002, 970_003
PRIVACY = ("dulieu", "quyenriengtu")  # in every list
CHAT_METHODS = ("setMyCommands", "deleteMyCommands")


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


@pytest_asyncio.fixture
async def api(telegram: TelegramEmulator) -> AsyncIterator[PtbApi]:
    client = PtbApi(telegram.token, telegram.base_url, 5.0, 1)
    await client.start()
    try:
        yield client
    finally:
        await client.close()


def chat_calls(telegram: TelegramEmulator) -> list[tuple[str, object]]:
    """Every per-chat setMyCommands and deleteMyCommands the bot asked for, failed ones too."""
    calls: list[tuple[str, object]] = []
    for record in telegram.requests:
        if record.method not in CHAT_METHODS:
            continue
        scope = record.params.get("scope")
        if isinstance(scope, str):
            scope = json.loads(scope)
        if isinstance(scope, dict) and scope.get("type") == "chat":
            calls.append((record.method, scope["chat_id"]))
    return calls


async def start(
    api: PtbApi, sessions: async_sessionmaker[AsyncSession], telegram: TelegramEmulator
) -> list[tuple[str, object]]:
    """One start of the transport's sync, as a restart makes it: the per-chat calls it made."""
    before = len(chat_calls(telegram))
    await CommandSync(api, sessions, clock=PROCESS_CLOCK).sync(None, asyncio.Event())
    return chat_calls(telegram)[before:]


async def end_roles(sessions: async_sessionmaker[AsyncSession], user: int) -> None:
    async with sessions() as session, session.begin():
        identity = (
            await session.execute(select(Identity).where(Identity.external_id == str(user)))
        ).scalar_one()
        for role in (
            await session.execute(
                select(RoleAssignment).where(RoleAssignment.person_id == identity.person_id)
            )
        ).scalars():
            role.valid_to = PROCESS_CLOCK()


async def remembered(sessions: async_sessionmaker[AsyncSession], user: int) -> str | None:
    async with sessions() as session:
        menu: str | None = (
            await session.execute(
                select(Identity.command_menu).where(Identity.external_id == str(user))
            )
        ).scalar_one()
        return menu


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
        await end_roles(sessions, HEAD)
        await sync.sync(since, stop)
        assert telegram.commands_for(chat_scope(HEAD)) == []
    finally:
        await api.close()


async def test_a_restart_with_nothing_changed_calls_no_chat(
    telegram: TelegramEmulator, api: PtbApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await telegram_reporter(sessions, HEAD, "Nà Phải", "Tuấn")
    await telegram_reporter(sessions, OFFICER, "1969", "Khoa", Role.OFFICER)
    await telegram_reporter(sessions, OTHER, "Nà Phải", "Lan")
    await end_roles(sessions, OTHER)  # a resident who never had a list of their own

    assert sorted(await start(api, sessions, telegram)) == [
        ("setMyCommands", HEAD),
        ("setMyCommands", OFFICER),
    ]
    assert await start(api, sessions, telegram) == []
    assert await start(api, sessions, telegram) == []
    assert await remembered(sessions, OTHER) is None
    assert names(telegram.commands_for(chat_scope(HEAD))) == ["menu", "huy", "trogiup", *PRIVACY]


async def test_a_failed_call_is_not_remembered_and_is_tried_at_the_next_start(
    telegram: TelegramEmulator, api: PtbApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await telegram_reporter(sessions, HEAD, "Nà Phải", "Tuấn")
    telegram.fail_next("setMyCommands", status=400, description="Bad Request: chat not found")
    assert await start(api, sessions, telegram) == [("setMyCommands", HEAD)]
    assert telegram.commands_for(chat_scope(HEAD)) == []
    assert await remembered(sessions, HEAD) is None

    telegram.fail_with_flood_wait("setMyCommands", retry_after=1, times=2)
    assert await start(api, sessions, telegram) == [("setMyCommands", HEAD)] * 2
    assert await remembered(sessions, HEAD) is None

    assert await start(api, sessions, telegram) == [("setMyCommands", HEAD)]
    assert names(telegram.commands_for(chat_scope(HEAD)))[0] == "menu"
    assert await start(api, sessions, telegram) == []


async def test_a_call_that_failed_while_running_is_tried_at_the_next_look(
    telegram: TelegramEmulator, api: PtbApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await telegram_reporter(sessions, HEAD, "Nà Phải", "Tuấn")
    sync = CommandSync(api, sessions, clock=PROCESS_CLOCK)
    telegram.fail_next("setMyCommands", status=400, description="Bad Request: chat not found")
    await sync.sync(None, asyncio.Event())
    assert await remembered(sessions, HEAD) is None
    # The minute's look asks only for role changes since the last one: none here.
    since = PROCESS_CLOCK() + timedelta(hours=1)
    before = len(chat_calls(telegram))
    await sync.sync(since, asyncio.Event())
    assert chat_calls(telegram)[before:] == [("setMyCommands", HEAD)]
    assert await remembered(sessions, HEAD) is not None
    await sync.sync(since, asyncio.Event())
    assert len(chat_calls(telegram)) == before + 1


async def test_a_role_change_calls_that_chat_once(
    telegram: TelegramEmulator, api: PtbApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await telegram_reporter(sessions, HEAD, "Nà Phải", "Tuấn")
    await telegram_reporter(sessions, OFFICER, "1969", "Khoa", Role.OFFICER)
    await start(api, sessions, telegram)

    await end_roles(sessions, HEAD)  # while the bot was stopped
    assert await start(api, sessions, telegram) == [("deleteMyCommands", HEAD)]
    assert telegram.commands_for(chat_scope(HEAD)) == []
    assert await remembered(sessions, HEAD) is None
    assert await start(api, sessions, telegram) == []

    since = PROCESS_CLOCK() - timedelta(seconds=1)
    await end_roles(sessions, OFFICER)  # while it runs: the minute's look finds it
    sync = CommandSync(api, sessions, clock=PROCESS_CLOCK)
    await sync.sync(since, asyncio.Event())
    assert chat_calls(telegram)[-1] == ("deleteMyCommands", OFFICER)
    assert await start(api, sessions, telegram) == []


async def test_a_changed_command_list_refreshes_each_chat_once(
    telegram: TelegramEmulator, api: PtbApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await telegram_reporter(sessions, HEAD, "Nà Phải", "Tuấn")
    await telegram_reporter(sessions, OFFICER, "1969", "Khoa", Role.OFFICER)
    await start(api, sessions, telegram)

    def with_a_new_command(audience: Audience, t: Translator) -> list[BotCommand]:
        return [*commands_for(audience, t), BotCommand("moi", "Lệnh mới")]

    async def start_with_the_new_list() -> list[tuple[str, object]]:
        before = len(chat_calls(telegram))
        sync = CommandSync(api, sessions, clock=PROCESS_CLOCK, commands=with_a_new_command)
        await sync.sync(None, asyncio.Event())
        return chat_calls(telegram)[before:]

    assert sorted(await start_with_the_new_list()) == [
        ("setMyCommands", HEAD),
        ("setMyCommands", OFFICER),
    ]
    assert await start_with_the_new_list() == []
    assert names(telegram.commands_for(chat_scope(OFFICER)))[-1] == "moi"


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
