"""The command menu Telegram shows, in Vietnamese: one for everyone, one per role's chat.

Telegram keeps command lists per scope. The default list speaks to someone who has just
arrived; a hamlet head's or an officer's private chat gets their own. Role changes are
picked up by looking at role assignments that began or ended since the last look (at
start-up: every Telegram account that holds a role), so nothing needs to notify us.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import RetryAfter
from bot.telegram.api import BotCommand, TelegramApi
from bot.telegram.incoming import CHANNEL
from bot.waiting import sleep_or_stop
from handlers.access import Audience, audience_for
from handlers.i18n import SUPPORTED_LOCALES, Translator
from storage import people
from storage.clock import Clock, system_clock
from storage.enums import Role
from storage.models import Identity, RoleAssignment

log = logging.getLogger(__name__)
SYNC_SECONDS = 60.0
# Role rows are stamped with the engine's clock before their transaction commits.
LATE_COMMIT_MARGIN = timedelta(seconds=30)
PAUSE_BETWEEN_CHATS = 0.05


def commands_for(audience: Audience, t: Translator) -> list[BotCommand]:
    if audience is Audience.REPORTER:
        return [
            BotCommand("menu", str(t("command.menu_reporter"))),
            BotCommand("huy", str(t("command.cancel"))),
            BotCommand("trogiup", str(t("command.help"))),
            *_privacy(t),
        ]
    if audience is Audience.OFFICER:
        return [
            BotCommand("menu", str(t("command.menu_officer"))),
            BotCommand("tonghop", str(t("command.summary"))),
            BotCommand("chuabao", str(t("command.missing"))),
            BotCommand("sukien", str(t("command.open"))),
            BotCommand("xuatexcel", str(t("command.export"))),
            BotCommand("web", str(t("command.web"))),
            BotCommand("huy", str(t("command.cancel"))),
            BotCommand("trogiup", str(t("command.help"))),
            *_privacy(t),
        ]
    return [
        BotCommand("start", str(t("command.start"))),
        BotCommand("menu", str(t("command.menu"))),
        BotCommand("trogiup", str(t("command.help"))),
        BotCommand("huy", str(t("command.cancel"))),
        *_privacy(t),
    ]


def _privacy(t: Translator) -> list[BotCommand]:
    """Everyone may read the notice and see their own data, whatever their role."""
    return [
        BotCommand("dulieu", str(t("command.my_data"))),
        BotCommand("quyenriengtu", str(t("command.privacy"))),
    ]


class CommandSync:
    def __init__(
        self,
        api: TelegramApi,
        sessions: async_sessionmaker[AsyncSession],
        *,
        default_locale: str = "vi",
        interval: float = SYNC_SECONDS,
        clock: Clock = system_clock,
    ) -> None:
        self.api = api
        self.clock = clock
        self.sessions = sessions
        self.default_locale = default_locale
        self.interval = interval

    async def run(self, stop: asyncio.Event) -> None:
        await self.register_defaults()
        since: datetime | None = None
        while not stop.is_set():
            started = self.clock()
            try:
                await self.sync(since, stop)
                since = started - LATE_COMMIT_MARGIN
            except Exception:
                log.exception("updating the command lists failed")
            await sleep_or_stop(stop, self.interval)

    async def register_defaults(self) -> None:
        """The list for everyone: Vietnamese for any language, English for English clients."""
        for locale in SUPPORTED_LOCALES:
            language = "" if locale == self.default_locale else locale
            try:
                await self.api.set_commands(
                    commands_for(Audience.RESIDENT, Translator(locale)),
                    chat_id=None,
                    language=language,
                )
            except Exception as error:
                log.warning("setMyCommands for everyone (%s) failed: %s", locale, error)

    async def sync(self, since: datetime | None, stop: asyncio.Event) -> None:
        for user_id, locale, audience in await self._changed(since):
            if stop.is_set():
                return
            await self._apply(user_id, locale, audience)
            await asyncio.sleep(PAUSE_BETWEEN_CHATS)

    async def _changed(self, since: datetime | None) -> list[tuple[int, str, Audience]]:
        """The Telegram accounts whose people gained or lost a role, each with its audience.

        Two queries of plain columns, whatever the number of accounts: at start every head
        of every hamlet is in it, and ORM objects and a query per account would hold
        SQLite's write lock (every transaction takes it) and memory for minutes."""
        now = self.clock()
        changed: ColumnElement[bool]
        if since is None:
            changed = people.holds_role(now)
        else:
            changed = or_(RoleAssignment.valid_from >= since, RoleAssignment.valid_to >= since)
        concerned = select(RoleAssignment.person_id).where(changed)
        held = select(RoleAssignment.person_id, RoleAssignment.role).where(
            people.holds_role(now), RoleAssignment.person_id.in_(concerned)
        )
        accounts = select(Identity.person_id, Identity.external_id, Identity.locale).where(
            Identity.channel == CHANNEL, Identity.active, Identity.person_id.in_(concerned)
        )
        roles: dict[int, list[Role]] = {}
        found: list[tuple[int, str, Audience]] = []
        async with self.sessions() as session:
            for person_id, role in await session.execute(held):
                roles.setdefault(person_id, []).append(role)
            for person_id, external_id, locale in await session.execute(accounts):
                if external_id.lstrip("-").isdecimal():
                    found.append((int(external_id), locale, audience_for(roles.get(person_id, []))))
        return found

    async def _apply(self, user_id: int, locale: str, audience: Audience) -> None:
        """Commands for the person's private chat, whose id on Telegram is their user id."""
        for _ in range(2):
            try:
                if audience is Audience.RESIDENT:
                    await self.api.delete_commands(chat_id=user_id)
                else:
                    commands = commands_for(audience, Translator(locale or self.default_locale))
                    await self.api.set_commands(commands, chat_id=user_id, language="")
                return
            except RetryAfter as wait:
                await asyncio.sleep(wait.seconds)
            except Exception as error:
                log.warning("setMyCommands for chat %s failed: %s", user_id, error)
                return
