"""Personal data is kept only as long as it is needed, and a person can be forgotten.

The clean-up goes table by table in batches of `BATCH` rows, each batch its own transaction:
a long backlog never becomes one huge transaction, and what one batch deleted stays deleted.
A row goes together with every row that points at it, so no foreign key stops it
(`REPORT_CHILDREN`, `INBOX_CHILDREN`; tests/test_retention.py checks that none is missed).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Delete, Update, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import audit, mentions
from storage.enums import FileKind, InboxStatus, OutboxStatus
from storage.models import (
    Conversation,
    Identity,
    InboxItem,
    IncidentEvent,
    InviteFailure,
    LinkCode,
    MediaFile,
    OutboxItem,
    Person,
    Report,
    ReportChange,
    ReportPhoto,
    RoleAssignment,
    StoredFile,
    UrgentAlert,
    WebSession,
    WebSignIn,
)

FORGOTTEN_NAME = "(đã xóa)"
BATCH = 1000
DEFAULT_MEDIA_DIR = Path("data/media")

# Deleted with the report they belong to.
REPORT_CHILDREN: tuple[Column[int], ...] = cast(
    tuple[Column[int], ...],
    (ReportPhoto.report_id, ReportChange.report_id, IncidentEvent.report_id, UrgentAlert.report_id),
)
# A photo copied from an update goes with the update (and its file on disk); a report only
# forgets which update it came from.
INBOX_CHILDREN: tuple[Column[int], ...] = cast(
    tuple[Column[int], ...], (MediaFile.inbox_id, Report.source_inbox_id)
)

CLEANED_KINDS = (
    "reports",
    "report_photos",
    "report_history",
    "incident_events",
    "urgent_alerts",
    "inbox",
    "media_files",
    "photos_on_disk",
    "outbox",
    "conversations",
    "files",
    "link_codes",
    "invite_failures",
    "web_sign_ins",
    "web_sessions",
)


@dataclass(frozen=True)
class RetentionPolicy:
    reports: timedelta = timedelta(days=5 * 365)
    raw_updates: timedelta = timedelta(days=30)
    conversations: timedelta = timedelta(days=7)
    files: timedelta = timedelta(days=30)
    # TUQUAN_MEDIA_DIR: the folder the paths of `media_files.local_path` are inside.
    media_dir: Path = DEFAULT_MEDIA_DIR


@dataclass
class Cleaned:
    counts: dict[str, int] = field(default_factory=dict)


Pick = Callable[[AsyncSession, int], Awaitable[list[Any]]]
Work = Callable[[AsyncSession, list[Any]], Awaitable[dict[str, int]]]


async def clean(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    policy: RetentionPolicy,
    *,
    batch: int = BATCH,
) -> Cleaned:
    """Delete what is past its keeping time; the rest stays as it is. Counts per table.

    Sign-in links and sessions of the pages go a month after they expired, used or not.
    Kept: the audit log; link codes that were used (the record of who joined whom); inbox
    rows not yet processed; outbox rows not yet sent, and the stored files they name.
    """
    raw_cutoff = now - policy.raw_updates
    finished = InboxItem.status.in_((InboxStatus.DONE, InboxStatus.FAILED))
    over = OutboxItem.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED))

    async def inbox_rows(session: AsyncSession, ids: list[int]) -> dict[str, int]:
        return await _delete_inbox_rows(session, ids, policy.media_dir)

    plan: list[tuple[Pick, Work]] = [
        (_first(Report.id, Report.received_at < now - policy.reports), _delete_reports),
        (
            _first(InboxItem.id, InboxItem.received_at < raw_cutoff, finished),
            inbox_rows,
        ),
        (
            _first(OutboxItem.id, OutboxItem.created_at < raw_cutoff, over),
            _deleting(OutboxItem.id, "outbox"),
        ),
        (
            _first(Conversation.identity_id, Conversation.updated_at < now - policy.conversations),
            _deleting(Conversation.identity_id, "conversations"),
        ),
        (_unsent_files(now - policy.files), _deleting(StoredFile.id, "files")),
        (
            _first(LinkCode.id, LinkCode.used_at.is_(None), LinkCode.expires_at < raw_cutoff),
            _deleting(LinkCode.id, "link_codes"),
        ),
        (
            _first(InviteFailure.id, InviteFailure.at < raw_cutoff),
            _deleting(InviteFailure.id, "invite_failures"),
        ),
        (
            _first(WebSignIn.id, WebSignIn.expires_at < raw_cutoff),
            _deleting(WebSignIn.id, "web_sign_ins"),
        ),
        (
            _first(WebSession.id, WebSession.expires_at < raw_cutoff),
            _deleting(WebSession.id, "web_sessions"),
        ),
    ]
    counts: Counter[str] = Counter(dict.fromkeys(CLEANED_KINDS, 0))
    for pick, work in plan:
        counts.update(await _in_batches(sessions, pick, work, batch))
    return Cleaned(dict(counts))


async def _in_batches(
    sessions: async_sessionmaker[AsyncSession], pick: Pick, work: Work, batch: int
) -> Counter[str]:
    """`work` must remove every id it is given from what `pick` chooses, or this never ends."""
    done: Counter[str] = Counter()
    while True:
        async with sessions() as session, session.begin():
            ids = await pick(session, batch)
            if ids:
                done.update(await work(session, ids))
        if len(ids) < batch:
            return done


def _first(key: Any, *conditions: Any) -> Pick:
    async def pick(session: AsyncSession, limit: int) -> list[Any]:
        query = select(key).where(*conditions).order_by(key).limit(limit)
        return list((await session.execute(query)).scalars())

    return pick


def _deleting(key: Any, kind: str) -> Work:
    async def work(session: AsyncSession, ids: list[Any]) -> dict[str, int]:
        return {kind: await _deleted(session, delete(key.class_).where(key.in_(ids)))}

    return work


def _unsent_files(cutoff: datetime) -> Pick:
    """Stored files older than `cutoff` that no outbox row still waiting to be sent names."""

    async def pick(session: AsyncSession, limit: int) -> list[Any]:
        waiting = await _attached_to_pending(session)
        query = (
            select(StoredFile.id)
            .where(StoredFile.created_at < cutoff, StoredFile.id.not_in(waiting))
            .order_by(StoredFile.id)
            .limit(limit)
        )
        return list((await session.execute(query)).scalars())

    return pick


async def _attached_to_pending(session: AsyncSession) -> set[int]:
    query = select(OutboxItem.message).where(OutboxItem.status == OutboxStatus.PENDING)
    return {
        int(message["attachment"]["file_id"])
        for message in (await session.execute(query)).scalars()
        if isinstance(message.get("attachment"), dict)
    }


async def _delete_reports(session: AsyncSession, ids: list[int]) -> dict[str, int]:
    counts = {}
    for column in REPORT_CHILDREN:
        statement = delete(column.table).where(column.in_(ids))
        counts[column.table.name] = await _deleted(session, statement)
    counts["reports"] = await _deleted(session, delete(Report).where(Report.id.in_(ids)))
    return counts


async def _delete_inbox_rows(
    session: AsyncSession, ids: list[int], media_dir: Path
) -> dict[str, int]:
    copies = await _delete_media(session, MediaFile.inbox_id.in_(ids))
    await session.execute(
        update(Report).where(Report.source_inbox_id.in_(ids)).values(source_inbox_id=None)
    )
    inbox = await _deleted(session, delete(InboxItem).where(InboxItem.id.in_(ids)))
    # Before the commit: should it fail, the rows are deleted next time, the files already
    # are; after it, a crash would leave photos on disk that nothing points to any more.
    on_disk = await _remove_media(media_dir, copies.paths)
    return {"inbox": inbox, "media_files": copies.rows, "photos_on_disk": on_disk}


@dataclass(frozen=True)
class _MediaDeleted:
    rows: int
    paths: list[str]


async def _delete_media(session: AsyncSession, which: Any) -> _MediaDeleted:
    query = select(MediaFile.local_path).where(which, MediaFile.local_path.is_not(None))
    paths = [str(path) for path in (await session.execute(query)).scalars()]
    rows = await _deleted(session, delete(MediaFile).where(which))
    return _MediaDeleted(rows, paths)


async def _remove_media(folder: Path, paths: Iterable[str]) -> int:
    """Delete these files of the media folder; how many were there."""
    return await asyncio.to_thread(_remove_inside, folder, list(paths))


def _remove_inside(folder: Path, paths: list[str]) -> int:
    root = folder.resolve()
    removed = 0
    for relative in paths:
        target = (root / relative).resolve()
        # The paths are ours, written by the media fetcher; one leading elsewhere is not.
        if not target.is_relative_to(root):
            continue
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed


async def _deleted(session: AsyncSession, statement: Delete | Update) -> int:
    """How many rows the statement deleted (or changed)."""
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount or 0)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


# Forgetting a person ------------------------------------------------------------------------

FORGOTTEN_KINDS = (
    "people",
    "identities",
    "conversations",
    "inbox",
    "media_files",
    "photos_on_disk",
    "outbox",
    "outbox_without_workbook",
    "files",
    "roles",
    "link_codes",
    "invite_failures",
    "web_sign_ins",
)
WORKBOOK_ERASED = "its workbook was erased with a forgotten person's data"


@dataclass
class Forgotten:
    """What was erased, by kind; and per table, the rows a name or phone was taken out of."""

    counts: dict[str, int]
    mentions: dict[str, int]


async def forget_person(
    session: AsyncSession, person_id: int, now: datetime, media_dir: Path = DEFAULT_MEDIA_DIR
) -> Forgotten | None:
    """Erase a person's name, phone and accounts; their reports stay, no longer theirs by name.

    The person includes everyone absorbed into them when two accounts were joined
    (`link_codes.kept_person_id`): those rows held the same person's name and phone.
    Erased: their accounts, unfinished conversations, the messages they sent (inbox rows
    keep only that something arrived, with no content nor error text) and every message to
    them; the photos copied from their updates and for their reports (rows and files on
    disk; a report keeps the platform's reference to its photo); their name and phone
    wherever other rows copied them (alerts, digests, notes: `storage.mentions`); and the
    workbooks stored since their first report, since a workbook names each report's
    reporter and its bytes cannot be searched. A workbook still waiting to be sent is not
    sent; asked for again, it is made without the name. Charts hold counts only and stay.
    Their roles end. The audit log records what was done, by kind, never the name.

    None when there is no such person.
    """
    person = await session.get(Person, person_id)
    if person is None:
        return None
    group = await _with_absorbed(session, person_id)
    people = list((await session.execute(select(Person).where(Person.id.in_(group)))).scalars())
    found = mentions.Mentions.of(
        [p.full_name for p in people if p.full_name != FORGOTTEN_NAME],
        [p.phone for p in people if p.phone],
        FORGOTTEN_NAME,
    )
    counts: Counter[str] = Counter(dict.fromkeys(FORGOTTEN_KINDS, 0))
    identities = list(
        (await session.execute(select(Identity).where(Identity.person_id.in_(group)))).scalars()
    )
    paths = await _forget_media(session, identities, group, counts)
    for identity in identities:
        await _forget_account(session, identity, now, counts)
    counts["roles"] = await _deleted(
        session,
        update(RoleAssignment)
        .where(RoleAssignment.person_id.in_(group), RoleAssignment.valid_to.is_(None))
        .values(valid_to=now),
    )
    # The pages' links and sessions end with the person: a cookie must not outlive them.
    counts["web_sign_ins"] = await _deleted(
        session, delete(WebSignIn).where(WebSignIn.person_id.in_(group))
    ) + await _deleted(session, delete(WebSession).where(WebSession.person_id.in_(group)))
    for someone in people:
        someone.full_name, someone.phone, someone.share_phone = FORGOTTEN_NAME, None, False
        someone.forgotten_at = someone.forgotten_at or now
    counts["people"] = len(people)
    await _forget_workbooks(session, group, counts)
    taken_out = await mentions.erase(session, found)
    counts["photos_on_disk"] = await _remove_media(media_dir, paths)
    audit.record(
        session,
        at=now,
        person_id=None,
        action="forget",
        subject=f"person:{person_id}",
        **counts,
        mentions=taken_out,
    )
    return Forgotten(dict(counts), taken_out)


async def _with_absorbed(session: AsyncSession, person_id: int) -> list[int]:
    group, newest = [person_id], [person_id]
    while newest:
        query = select(LinkCode.merged_person_id).where(
            LinkCode.kept_person_id.in_(newest), LinkCode.merged_person_id.is_not(None)
        )
        merged = {found for found in (await session.execute(query)).scalars() if found is not None}
        newest = sorted(merged - set(group))
        group += newest
    return group


def _sent_by(identity: Identity) -> Any:
    return and_(InboxItem.channel == identity.channel, InboxItem.user_key == identity.external_id)


async def _forget_media(
    session: AsyncSession, identities: list[Identity], group: list[int], counts: Counter[str]
) -> list[str]:
    """Delete the photos copied from their updates and for their reports; the paths on disk."""
    their_photos = (
        select(ReportPhoto.file_ref)
        .join(Report, Report.id == ReportPhoto.report_id)
        .where(Report.reporter_id.in_(group))
    )
    sources = [MediaFile.source_url.in_(their_photos)]
    if identities:
        theirs = select(InboxItem.id).where(or_(*(_sent_by(i) for i in identities)))
        sources.append(MediaFile.inbox_id.in_(theirs))
    copies = await _delete_media(session, or_(*sources))
    counts["media_files"] += copies.rows
    return copies.paths


async def _forget_account(
    session: AsyncSession, identity: Identity, now: datetime, counts: Counter[str]
) -> None:
    alias = f"forgotten-{identity.id}"
    received = list(
        (await session.execute(select(InboxItem.id).where(_sent_by(identity)))).scalars()
    )
    for ids in _chunks(received):
        await session.execute(
            update(InboxItem)
            .where(InboxItem.id.in_(ids))
            .values(payload=None, event={}, error=None, user_key=alias, chat_key=alias)
        )
        # Nothing is left to process: the engine would only apologize to nobody.
        await session.execute(
            update(InboxItem)
            .where(InboxItem.id.in_(ids), InboxItem.status == InboxStatus.PENDING)
            .values(status=InboxStatus.DONE, processed_at=now)
        )
    counts["inbox"] += len(received)
    by_identity = (
        (Conversation, Conversation.identity_id, "conversations"),
        (OutboxItem, OutboxItem.identity_id, "outbox"),
        (InviteFailure, InviteFailure.identity_id, "invite_failures"),
    )
    for model, column, kind in by_identity:
        counts[kind] += await _deleted(session, delete(model).where(column == identity.id))
    # A code not yet used would still join an account to this person.
    counts["link_codes"] += await _deleted(
        session,
        delete(LinkCode).where(LinkCode.identity_id == identity.id, LinkCode.used_at.is_(None)),
    )
    identity.external_id = alias
    identity.chat_key = alias
    identity.display_name = None
    identity.active = False
    counts["identities"] += 1


async def _forget_workbooks(session: AsyncSession, group: list[int], counts: Counter[str]) -> None:
    first_report = (
        await session.execute(
            select(func.min(Report.received_at)).where(Report.reporter_id.in_(group))
        )
    ).scalar_one()
    if first_report is None:
        return
    query = select(StoredFile.id).where(
        StoredFile.kind == FileKind.DOCUMENT, StoredFile.created_at >= first_report
    )
    erased = set((await session.execute(query)).scalars())
    if not erased:
        return
    waiting = select(OutboxItem).where(OutboxItem.status == OutboxStatus.PENDING)
    for item in (await session.execute(waiting)).scalars():
        attachment = item.message.get("attachment")
        if isinstance(attachment, dict) and int(attachment["file_id"]) in erased:
            item.status, item.last_error = OutboxStatus.FAILED, WORKBOOK_ERASED
            counts["outbox_without_workbook"] += 1
    for ids in _chunks(sorted(erased)):
        counts["files"] += await _deleted(session, delete(StoredFile).where(StoredFile.id.in_(ids)))
