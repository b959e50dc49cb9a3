"""Drive the real engine as a platform would, with a clock the test moves."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.engine import Engine
from handlers.messages import InEvent, Location, OutMessage
from storage import inbox, outbox
from storage.enums import Role
from storage.models import Conversation, Identity, Person, Report, RoleAssignment
from tests.databases import SEED_TIME

CHANNEL = "console"
HEAD = "demo-hamlet-head"
DEPUTY = "demo-deputy"
OFFICER = "demo-officer"
RESIDENT = "demo-resident"


class MutableClock:
    def __init__(self, start: datetime = SEED_TIME + timedelta(hours=1)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Harness:
    """Sends events through inbox → engine → outbox and returns what the person would read."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: MutableClock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.engine = Engine(sessions, clock=clock)
        self._keys = itertools.count(1)
        self.last: dict[str, OutMessage] = {}
        self.engine_tz = ZoneInfo(self.engine.timezone)

    async def deliver(self, event: InEvent, update_key: str | None = None) -> int | None:
        async with self.sessions() as session, session.begin():
            return await inbox.store(
                session,
                channel=CHANNEL,
                update_key=update_key or f"u{next(self._keys)}",
                user_key=event.user_key,
                chat_key=event.chat_key,
                event=event.model_dump(exclude_defaults=True),
                now=self.clock(),
            )

    async def event(
        self, user: str, update_key: str | None = None, **fields: object
    ) -> list[OutMessage]:
        event = InEvent.model_validate(
            {"channel": CHANNEL, "user_key": user, "chat_key": user, **fields}
        )
        await self.deliver(event, update_key)
        await self.engine.run_pending()
        return await self.read(user)

    async def read(self, user: str) -> list[OutMessage]:
        async with self.sessions() as session, session.begin():
            items = await outbox.pending_for(session, CHANNEL, self.clock(), user, limit=1000)
            for item in items:
                outbox.mark_sent(item, self.clock())
            replies = [OutMessage.model_validate(item.message) for item in items]
        if replies:
            self.last[user] = replies[-1]
        return replies

    async def say(self, user: str, text: str) -> list[OutMessage]:
        return await self.event(user, kind="text", text=text)

    async def tap(self, user: str, label: str) -> list[OutMessage]:
        """Press the button with this label on the last question, as a platform would."""
        prompt = self.last[user]
        chosen = next(c for c in prompt.choices if c.label == label)
        return await self.event(
            user, kind="choice", choice_token=prompt.choice_token, choice_id=chosen.id
        )

    async def tap_on(self, user: str, message: OutMessage, label: str) -> list[OutMessage]:
        """Press a button of an earlier message, e.g. an alert that stays on the screen."""
        chosen = next(c for c in message.choices if c.label == label)
        return await self.event(
            user, kind="choice", choice_token=message.choice_token, choice_id=chosen.id
        )

    async def photo(self, user: str, ref: str, caption: str | None = None) -> list[OutMessage]:
        return await self.event(user, kind="photo", photos=[ref], text=caption)

    async def location(self, user: str, lat: float, lon: float) -> list[OutMessage]:
        return await self.event(
            user, kind="location", location=Location(latitude=lat, longitude=lon)
        )

    async def reports(self, **filters: object) -> list[Report]:
        async with self.sessions() as session:
            query = select(Report).filter_by(**filters).order_by(Report.id)
            return list((await session.execute(query)).scalars())

    async def person(self, user: str) -> Person:
        """The person behind a console account, as stored now."""
        async with self.sessions() as session:
            found = await session.scalar(
                select(Person)
                .join(Identity, Identity.person_id == Person.id)
                .where(Identity.external_id == user)
            )
            assert found is not None, user
            return found

    async def roles_of(self, user: str) -> list[Role]:
        """The roles the person behind a console account holds now."""
        async with self.sessions() as session:
            found = await session.execute(
                select(RoleAssignment.role)
                .join(Identity, Identity.person_id == RoleAssignment.person_id)
                .where(Identity.external_id == user, RoleAssignment.valid_to.is_(None))
            )
            return list(found.scalars())

    async def step_of(self, user: str) -> str:
        """Where the person's conversation stands: "flow/step"."""
        async with self.sessions() as session:
            found = await session.scalar(
                select(Conversation)
                .join(Identity, Identity.id == Conversation.identity_id)
                .where(Identity.external_id == user)
            )
            assert found is not None, user
            return f"{found.flow}/{found.step}"


def text_of(replies: list[OutMessage]) -> str:
    return "\n".join(reply.text for reply in replies)


def labels(reply: OutMessage) -> list[str]:
    return [choice.label for choice in reply.choices]
