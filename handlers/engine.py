"""One inbox row → one conversation step → replies in the outbox, in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import router
from handlers.channels import traits_for
from handlers.context import Ctx
from handlers.guides import GuideLibrary, shared_library
from handlers.i18n import Translator
from handlers.messages import InEvent, OutMessage
from storage import failpoints, inbox, outbox, people
from storage.clock import Clock, system_clock
from storage.enums import InboxStatus
from storage.models import Conversation, InboxItem, Person

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Rows of different people processed in one transaction: one commit (one fsync) for all.
BATCH_SIZE = 32


class DatabaseUnavailable(Exception):
    """The database could not be reached; nothing was lost, try again later."""


@dataclass
class Engine:
    sessions: async_sessionmaker[AsyncSession]
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"
    clock: Clock = system_clock
    guides: GuideLibrary = field(default_factory=shared_library)

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
                for item in items:
                    await self._step(session, item)
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
                await self._step(session, item)
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

    async def _step(self, session: AsyncSession, item: InboxItem) -> None:
        now = self.clock()
        event = InEvent.model_validate(item.event)
        identity = await people.identity_for(
            session, item.channel, item.user_key, item.chat_key, event.display_name, now
        )
        person = await session.get_one(Person, identity.person_id)
        conversation = await session.get(Conversation, identity.id)
        first_contact = conversation is None
        if conversation is None:
            conversation = Conversation(identity_id=identity.id, flow="menu", step="main", data={})
            session.add(conversation)
        ctx = Ctx(
            session=session,
            identity=identity,
            person=person,
            roles=await people.active_roles(session, person.id, now),
            now=now,
            tz=ZoneInfo(self.timezone),
            t=Translator(identity.locale or self.locale),
            inbox_id=item.id,
            guides=self.guides,
            traits=traits_for(item.channel),
            flow=conversation.flow,
            step=conversation.step,
            data=dict(conversation.data or {}),
            version=conversation.version or 0,
        )
        await router.dispatch(ctx, event)
        if first_contact and ctx.traits.announces_automation:
            ctx.replies.insert(0, OutMessage(text=str(ctx.t("notice.automated"))))
        conversation.flow, conversation.step = ctx.flow, ctx.step
        conversation.data, conversation.version = ctx.data, ctx.version
        conversation.updated_at = now
        await self._enqueue_replies(session, item, identity.id, ctx.replies)
        for notice in ctx.notices:
            await outbox.enqueue(
                session,
                idempotency_key=notice.key,
                channel=notice.channel,
                chat_key=notice.chat_key,
                identity_id=notice.identity_id,
                message=notice.message.model_dump(exclude_defaults=True),
            )
        item.status = InboxStatus.DONE
        item.processed_at = now
        item.attempts += 1

    async def _enqueue_replies(
        self, session: AsyncSession, item: InboxItem, identity_id: int, replies: list[OutMessage]
    ) -> None:
        for number, reply in enumerate(replies):
            await outbox.enqueue(
                session,
                idempotency_key=f"reply:{item.id}:{number}",
                channel=item.channel,
                chat_key=item.chat_key,
                identity_id=identity_id,
                message=reply.model_dump(exclude_defaults=True),
            )

    async def _record_failure(self, item_id: int, error: BaseException) -> None:
        """A step that crashes is retried, then answered with an apology; the next row goes on."""
        log.exception("inbox row %s failed", item_id, exc_info=error)
        async with self.sessions() as session, session.begin():
            item = await session.get_one(InboxItem, item_id)
            item.attempts += 1
            item.error = f"{type(error).__name__}: {error}"[:2000]
            if item.attempts < MAX_ATTEMPTS:
                return
            item.status = InboxStatus.FAILED
            item.processed_at = self.clock()
            apology = OutMessage(text=str(Translator(self.locale)("error.internal")))
            await outbox.enqueue(
                session,
                idempotency_key=f"reply:{item.id}:failed",
                channel=item.channel,
                chat_key=item.chat_key,
                identity_id=None,
                message=apology.model_dump(exclude_defaults=True),
            )


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
