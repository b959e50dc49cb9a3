"""A digest as the messages that carry it: the text, the chart, and on request the workbook."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import charts, digest_text
from handlers.digest import Digest, build
from handlers.i18n import Translator
from handlers.messages import Attachment, OutMessage
from handlers.periods import Period
from storage import audit, files
from storage.enums import FileKind
from storage.text import fold


@dataclass(frozen=True)
class Extras:
    chart: bool = True
    workbook: bool = False


def _slug(text: str) -> str:
    return fold(text).replace(" ", "-") or "don-vi"


async def messages(
    session: AsyncSession,
    unit_id: int,
    period: Period,
    now: datetime,
    tz: ZoneInfo,
    t: Translator,
    *,
    file_key: str,
    extras: Extras,
    digest: Digest | None = None,
) -> tuple[Digest, list[OutMessage]]:
    """`file_key` names the stored files, so a run that is repeated stores them once."""
    if digest is None:
        digest = await build(session, unit_id, period, now, tz)
    found = [OutMessage(text=digest_text.render(digest, t, now, tz))]
    if digest.is_empty:
        return digest, found
    name = f"{_slug(digest.root.label)}-{period.key}"
    if extras.chart:
        key = f"{file_key}:chart"
        if not await files.exists(session, key):
            png = await asyncio.to_thread(charts.render_png, digest, t)
        else:
            png = b""
        file_id = await files.store(
            session,
            key=key,
            kind=FileKind.PHOTO,
            name=f"bieu-do-{name}.png",
            media_type=files.PNG,
            content=png,
            now=now,
        )
        found.append(
            OutMessage(
                text=str(t("digest.chart_caption", unit=digest.root.label)),
                attachment=Attachment(kind="photo", file_id=file_id, name=f"bieu-do-{name}.png"),
            )
        )
    if extras.workbook:
        found.append(await workbook_message(session, digest, t, tz, file_key, now))
    return digest, found


async def workbook_message(
    session: AsyncSession,
    digest: Digest,
    t: Translator,
    tz: ZoneInfo,
    file_key: str,
    now: datetime,
    person_id: int | None = None,
) -> OutMessage:
    """The workbook as an attachment; every one made is written to the audit log."""
    # openpyxl is imported on the first workbook asked for, not by every bot that starts.
    from handlers import workbook

    key = f"{file_key}:xlsx"
    name = f"bao-cao-{_slug(digest.root.label)}-{digest.period.key}.xlsx"
    content = (
        b""
        if await files.exists(session, key)
        else await workbook.render_xlsx(session, digest, t, tz)
    )
    audit.record(
        session,
        at=now,
        person_id=person_id,
        action="export",
        subject=f"unit:{digest.root.id}",
        period=digest.period.key,
        file=key,
    )
    file_id = await files.store(
        session,
        key=key,
        kind=FileKind.DOCUMENT,
        name=name,
        media_type=files.XLSX,
        content=content,
        now=now,
    )
    caption = t(
        "digest.workbook_caption",
        unit=digest.root.label,
        period=digest_text.period_label(t, digest.period),
    )
    return OutMessage(
        text=str(caption), attachment=Attachment(kind="document", file_id=file_id, name=name)
    )
