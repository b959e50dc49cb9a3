"""The command menu Telegram shows, in Vietnamese: one for everyone, one per role's chat.

Telegram keeps command lists per scope. The default list speaks to someone who has just
arrived; a hamlet head's or an officer's private chat gets their own. Role changes are
picked up by looking at role assignments that began or ended since the last look (at
start-up: every Telegram account that holds a role or has a list of its own), so nothing
needs to notify us. Each account remembers the fingerprint of the list last set for its
chat (`Identity.command_menu`), and a chat is called only when the list it should have
differs: a restart with nothing changed makes no per-chat call.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
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

CommandList = Callable[[Audience, Translator], list[BotCommand]]


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


def fingerprint(audience: Audience, locale: str, commands: Sequence[BotCommand]) -> str | None:
    """What a chat's list is remembered by: a changed text or command changes it too.

    None for a resident, whose chat has no list of its own and shows the default one."""
    if audience is Audience.RESIDENT:
        return None
    listed = json.dumps([[c.command, c.description] for c in commands], ensure_ascii=False)
    digest = hashlib.sha256(listed.encode()).hexdigest()[:16]
    return f"{audience.value}:{locale}:{digest}"


@dataclass(frozen=True)
class Pending:
    """A chat whose list differs from the one it should have."""

    identity_id: int
    user_id: int
    locale: str
    audience: Audience
    wanted: str | None


class CommandSync:
    def __init__(
        self,
        api: TelegramApi,
        sessions: async_sessionmaker[AsyncSession],
        *,
        default_locale: str = "vi",
        interval: float = SYNC_SECONDS,
        clock: Clock = system_clock,
        commands: CommandList = commands_for,
    ) -> None:
        self.api = api
        self.clock = clock
        self.sessions = sessions
        self.default_locale = default_locale
        self.interval = interval
        self.commands = commands
        self._wanted: dict[tuple[Audience, str], str | None] = {}
        # Accounts whose last call failed: looked at again at the next pass, not only at start.
        self._failed: set[int] = set()

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
                    self.commands(Audience.RESIDENT, Translator(locale)),
                    chat_id=None,
                    language=language,
                )
            except Exception as error:
                log.warning("setMyCommands for everyone (%s) failed: %s", locale, error)

    def wanted(self, audience: Audience, locale: str) -> str | None:
        """The fingerprint of the list a chat of this audience and language should have."""
        key = (audience, locale)
        if key not in self._wanted:
            listed = self.commands(audience, Translator(locale))
            self._wanted[key] = fingerprint(audience, locale, listed)
        return self._wanted[key]

    async def sync(self, since: datetime | None, stop: asyncio.Event) -> None:
        for pending in await self._changed(since):
            if stop.is_set():
                return
            if await self._apply(pending):
                await self._remember(pending)
                self._failed.discard(pending.identity_id)
            else:
                self._failed.add(pending.identity_id)
            await asyncio.sleep(PAUSE_BETWEEN_CHATS)

    async def _changed(self, since: datetime | None) -> list[Pending]:
        """The Telegram accounts whose chat's list is not the one their roles call for.

        Two queries of plain columns, whatever the number of accounts: at start every head
        of every hamlet is in it, and ORM objects and a query per account would hold
        SQLite's write lock (every transaction takes it) and memory for minutes."""
        now = self.clock()
        changed: ColumnElement[bool]
        if since is None:
            changed = people.holds_role(now)
        else:
            changed = or_(RoleAssignment.valid_from >= since, RoleAssignment.valid_to >= since)
        if self._failed:
            failed = select(Identity.person_id).where(Identity.id.in_(self._failed))
            changed = or_(changed, RoleAssignment.person_id.in_(failed))
        concerned = select(RoleAssignment.person_id).where(changed)
        held = select(RoleAssignment.person_id, RoleAssignment.role).where(
            people.holds_role(now), RoleAssignment.person_id.in_(concerned)
        )
        looked_at: ColumnElement[bool] = Identity.person_id.in_(concerned)
        if since is None:
            # Whoever lost a role while the bot was stopped still has a list of their own.
            looked_at = or_(looked_at, Identity.command_menu.is_not(None))
        accounts = select(
            Identity.id,
            Identity.person_id,
            Identity.external_id,
            Identity.locale,
            Identity.command_menu,
        ).where(Identity.channel == CHANNEL, Identity.active, looked_at)
        roles: dict[int, list[Role]] = {}
        found: list[Pending] = []
        async with self.sessions() as session:
            for person_id, role in await session.execute(held):
                roles.setdefault(person_id, []).append(role)
            for identity_id, person_id, external_id, locale, remembered in await session.execute(
                accounts
            ):
                if not external_id.lstrip("-").isdecimal():
                    continue
                audience = audience_for(roles.get(person_id, []))
                effective = locale or self.default_locale
                wanted = self.wanted(audience, effective)
                if wanted != remembered:
                    found.append(
                        Pending(identity_id, int(external_id), effective, audience, wanted)
                    )
        return found

    async def _apply(self, pending: Pending) -> bool:
        """Commands for the person's private chat, whose id on Telegram is their user id."""
        for _ in range(2):
            try:
                if pending.audience is Audience.RESIDENT:
                    await self.api.delete_commands(chat_id=pending.user_id)
                else:
                    commands = self.commands(pending.audience, Translator(pending.locale))
                    await self.api.set_commands(commands, chat_id=pending.user_id, language="")
                return True
            except RetryAfter as wait:
                await asyncio.sleep(wait.seconds)
            except Exception as error:
                log.warning("setMyCommands for chat %s failed: %s", pending.user_id, error)
                return False
        return False

    async def _remember(self, pending: Pending) -> None:
        """Only after Telegram took it: a failed call is tried again at the next start."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Identity)
                .where(Identity.id == pending.identity_id)
                .values(command_menu=pending.wanted)
            )
