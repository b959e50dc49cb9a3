"""One inbox row → one conversation step → replies in the outbox, in one transaction."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import groups, router
from handlers.channels import traits_for
from handlers.context import Ctx
from handlers.guides import GuideLibrary, shared_library
from handlers.i18n import Translator
from handlers.messages import InEvent, OutMessage
from storage import conversations, failpoints, inbox, outbox, people
from storage.clock import Clock, system_clock
from storage.enums import InboxStatus
from storage.models import Identity, InboxItem, Person
from storage.retention import RetentionPolicy

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Rows of different people processed in one transaction: one commit (one fsync) for all.
BATCH_SIZE = 128
# When an account last wrote is kept to within this, so a conversation of several quick
# steps writes it once rather than at every step.
SEEN_PRECISION = timedelta(minutes=5)


class DatabaseUnavailable(Exception):
    """The database could not be reached; nothing was lost, try again later."""


@dataclass
class Engine:
    sessions: async_sessionmaker[AsyncSession]
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"
    clock: Clock = system_clock
    guides: GuideLibrary = field(default_factory=shared_library)
    # What the privacy notice says is kept, and for how long.
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    # The officers' pages (`…/web`), when this deployment serves them.
    web_url: str | None = None

    async def run_pending(self) -> int:
        """Process inbox rows until none is pending; how many were processed."""
        processed = 0
        while batch := await self.process_batch():
            processed += batch
        return processed

    async def process_batch(self, size: int = BATCH_SIZE) -> int:
        """The oldest pending rows of up to `size` people, in one transaction.

        Should any step fail, the whole batch is rolled back and its rows are taken one at a
        time, so the failing row is retried and recorded alone and the others still go through.
        """
        taken = 0
        try:
            async with self.sessions() as session, session.begin():
                items = await inbox.claim_heads(session, size)
                taken = len(items)
                if not items:
                    return 0
                await self._steps(session, items)
                failpoints.hit("engine_before_commit")
            failpoints.hit("after_engine_commit")
            return taken
        except (OperationalError, DBAPIError) as error:
            if _is_connection_problem(error):
                raise DatabaseUnavailable(str(error)) from error
            if not taken:
                raise
        except OSError as error:
            raise DatabaseUnavailable(str(error)) from error
        except Exception:
            if not taken:
                raise
        one_by_one = 0
        for _ in range(taken):
            if not await self.process_next():
                break
            one_by_one += 1
        return one_by_one

    async def process_next(self) -> bool:
        item_id: int | None = None
        try:
            async with self.sessions() as session, session.begin():
                item = await inbox.claim_next(session)
                if item is None:
                    return False
                item_id = item.id
                await self._steps(session, [item])
                failpoints.hit("engine_before_commit")
            failpoints.hit("after_engine_commit")
            return True
        except (OperationalError, DBAPIError) as error:
            if _is_connection_problem(error):
                raise DatabaseUnavailable(str(error)) from error
            if item_id is None:
                raise
            await self._record_failure(item_id, error)
            return True
        except OSError as error:
            raise DatabaseUnavailable(str(error)) from error
        except Exception as error:
            if item_id is None:
                raise
            await self._record_failure(item_id, error)
            return True

    async def _steps(self, session: AsyncSession, items: list[inbox.Claimed]) -> None:
        """Run the rows' steps; each row's user is distinct (see inbox.claim_heads).

        What every step needs is loaded for the whole batch first, one query each, and what
        the steps leave (conversations, replies, the rows done) is written at the end, one
        statement each, so a batch costs about the statements of a single row.
        """
        done = list(items)
        now = self.clock()
        outgoing: list[outbox.Outgoing] = []
        events = [InEvent.model_validate(item.event) for item in items]
        in_groups = [n for n, event in enumerate(events) if not event.private]
        for n in in_groups:
            outgoing += self._in_group(items[n], events[n])
        items = [item for n, item in enumerate(items) if n not in in_groups]
        events = [event for n, event in enumerate(events) if n not in in_groups]
        accounts = [
            people.Account(item.channel, item.user_key, item.chat_key, event.display_name)
            for item, event in zip(items, events, strict=True)
        ]
        known = await people.identities_for(session, accounts, now)
        identities = [known[account.key][0] for account in accounts]
        stored = await conversations.load(session, [i.id for i in identities])
        roles = await people.active_roles_of(session, {i.person_id for i in identities}, now)
        states: list[tuple[int, conversations.State]] = []
        for item, event, account in zip(items, events, accounts, strict=True):
            identity, person = known[account.key]
            ctx = self._context(session, item, identity, person, roles[person.id], now)
            state = stored.get(identity.id)
            if state is not None:
                ctx.flow, ctx.step = state.flow, state.step
                ctx.data, ctx.version = state.data, state.version
            await router.dispatch(ctx, event)
            if state is None and ctx.traits.announces_automation:
                ctx.replies.insert(0, OutMessage(text=str(ctx.t("notice.automated"))))
            states.append(
                (identity.id, conversations.State(ctx.flow, ctx.step, ctx.data, ctx.version))
            )
            outgoing += _outgoing(item, identity.id, ctx)
        await conversations.save(session, states, stored.keys(), now)
        await outbox.enqueue_many(session, outgoing, now)
        await people.mark_seen(session, [i.id for i in identities if _seen_long_ago(i, now)], now)
        await inbox.mark_done(session, [item.id for item in done], now)

    def _in_group(self, item: inbox.Claimed, event: InEvent) -> list[outbox.Outgoing]:
        """Nothing of a person is touched from a group: no account, no step, no data shown."""
        if not groups.answers(event):
            return []
        return _replies(
            item, None, [groups.write_privately(Translator(event.locale or self.locale))]
        )

    def _context(
        self,
        session: AsyncSession,
        item: inbox.Claimed,
        identity: Identity,
        person: Person,
        roles: list[people.ActiveRole],
        now: datetime,
    ) -> Ctx:
        return Ctx(
            session=session,
            identity=identity,
            person=person,
            roles=roles,
            now=now,
            tz=ZoneInfo(self.timezone),
            t=Translator(identity.locale or self.locale),
            inbox_id=item.id,
            guides=self.guides,
            traits=traits_for(item.channel),
            retention=self.retention,
            web_url=self.web_url,
        )

    async def _record_failure(self, item_id: int, error: BaseException) -> None:
        """A step that crashes is retried, then answered with an apology; the next row goes on."""
        # The frames, not the exception's text: a driver may quote a parameter in it.
        frames = "".join(traceback.format_tb(error.__traceback__))
        log.error("inbox row %s failed: %s\n%s", item_id, describe(error), frames)
        async with self.sessions() as session, session.begin():
            item = await session.get_one(InboxItem, item_id)
            item.attempts += 1
            item.error = describe(error)[:2000]
            if item.attempts < MAX_ATTEMPTS:
                return
            now = self.clock()
            item.status = InboxStatus.FAILED
            item.processed_at = now
            apology = OutMessage(text=str(Translator(self.locale)("error.internal")))
            await outbox.enqueue(
                session,
                idempotency_key=f"reply:{item.id}:failed",
                channel=item.channel,
                chat_key=item.chat_key,
                identity_id=None,
                message=apology.model_dump(exclude_defaults=True),
                now=now,
            )


def describe(error: BaseException) -> str:
    """The error's class and message: for a failed statement the driver's own words, not the
    statement and its parameters (what a person wrote, a signed URL)."""
    if isinstance(error, StatementError) and error.orig is not None:
        error = error.orig
    return f"{type(error).__name__}: {error}"


def _seen_long_ago(identity: Identity, now: datetime) -> bool:
    return identity.last_seen_at is None or identity.last_seen_at <= now - SEEN_PRECISION


def _outgoing(item: inbox.Claimed, identity_id: int, ctx: Ctx) -> list[outbox.Outgoing]:
    """The replies to the writer (keyed by the inbox row) and the notices to others."""
    return _replies(item, identity_id, ctx.replies) + [notice.outgoing() for notice in ctx.notices]


def _replies(
    item: inbox.Claimed, identity_id: int | None, replies: list[OutMessage]
) -> list[outbox.Outgoing]:
    return [
        outbox.Outgoing(
            idempotency_key=f"reply:{item.id}:{number}",
            channel=item.channel,
            chat_key=item.chat_key,
            identity_id=identity_id,
            message=reply.model_dump(exclude_defaults=True),
            standing=reply.standing_token,
        )
        for number, reply in enumerate(replies)
    ]


def _is_connection_problem(error: DBAPIError) -> bool:
    text = str(error.orig).lower() if error.orig else str(error).lower()
    return bool(error.connection_invalidated) or any(
        needle in text
        for needle in (
            "database is locked",
            "connection refused",
            "connection was closed",
            "cannot connect",
            "the database system is",
            "connection is closed",
            "connection does not exist",
            "terminating connection",
        )
    )
