"""The Front's periodic report as the messages that carry it: the Word document, and the
workbook as its annex. The CLI and the officer's menu both come here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import charts, digest_text, front_report
from handlers.digest import build
from handlers.digest_contents import Digest
from handlers.digest_delivery import slug, workbook_message
from handlers.i18n import Translator
from handlers.messages import Attachment, OutMessage
from handlers.periods import Period
from storage import audit, files
from storage.digests import UnitRow
from storage.enums import FileKind
from storage.models import Unit


@dataclass(frozen=True)
class Drafted:
    digest: Digest
    draft: front_report.Draft
    docx: bytes


async def _parent(session: AsyncSession, unit: UnitRow) -> UnitRow | None:
    if unit.parent_id is None:
        return None
    found = await session.get(Unit, unit.parent_id)
    if found is None:
        return None
    return UnitRow(
        id=found.id,
        parent_id=found.parent_id,
        kind=found.kind,
        division_type=found.division_type,
        name=found.name,
        valid_from=found.valid_from,
        valid_to=found.valid_to,
        merged_into_id=found.merged_into_id,
    )


async def draft_report(
    session: AsyncSession,
    unit_id: int,
    period: Period,
    now: datetime,
    tz: ZoneInfo,
    t: Translator,
) -> Drafted:
    """The report of a unit for a period, from the digest of that period."""
    # python-docx is imported on the first report asked for, not by every bot that starts.
    from handlers import report_docx

    digest = await build(session, unit_id, period, now, tz)
    draft = front_report.draft(
        digest, t, now=now, tz=tz, parent=await _parent(session, digest.root)
    )
    chart = None if digest.is_empty else await asyncio.to_thread(charts.render_png, digest, t)
    content = await asyncio.to_thread(report_docx.render, draft, chart)
    return Drafted(digest, draft, content)


def file_name(digest: Digest) -> str:
    return f"bao-cao-mat-tran-{slug(digest.root.label)}-{digest.period.key}.docx"


async def messages(
    session: AsyncSession,
    unit_id: int,
    period: Period,
    now: datetime,
    tz: ZoneInfo,
    t: Translator,
    *,
    file_key: str,
    person_id: int | None,
) -> list[OutMessage]:
    """The document and the workbook; each made is written to the audit log, as exports are."""
    drafted = await draft_report(session, unit_id, period, now, tz, t)
    digest = drafted.digest
    key = f"{file_key}:docx"
    audit.record(
        session,
        at=now,
        person_id=person_id,
        action="export",
        subject=f"unit:{digest.root.id}",
        period=period.key,
        file=key,
    )
    name = file_name(digest)
    file_id = await files.store(
        session,
        key=key,
        kind=FileKind.DOCUMENT,
        name=name,
        media_type=files.DOCX,
        content=drafted.docx,
        now=now,
    )
    caption = t(
        "report.caption",
        unit=digest.root.label,
        period=digest_text.period_label(t, period),
    )
    document = OutMessage(
        text=str(caption), attachment=Attachment(kind="document", file_id=file_id, name=name)
    )
    workbook = await workbook_message(session, digest, t, tz, file_key, now, person_id)
    return [document, workbook]
