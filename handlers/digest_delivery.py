"""A digest as the messages that carry it: the text, the chart, and on request the workbook."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import charts, digest_text
from handlers.digest import build
from handlers.digest_contents import Digest
from handlers.i18n import Translator
from handlers.messages import Attachment, Choice, OutMessage
from handlers.periods import Period, month_period, parse_week
from storage import audit, files
from storage.enums import FileKind
from storage.text import fold

# A digest's own buttons, which work whenever it is read: `d<unit>.<period>`.
TOKEN_PREFIX = "d"
ACTIONS = ("missing", "open", "xlsx")


def token(unit_id: int, period: Period) -> str:
    return f"{TOKEN_PREFIX}{unit_id}.{period.key}"


def parse_token(choice_token: str) -> tuple[int, Period] | None:
    """(unit id, period) of a digest's buttons; None for any other token."""
    if not choice_token.startswith(TOKEN_PREFIX):
        return None
    unit, _, key = choice_token[len(TOKEN_PREFIX) :].partition(".")
    if not unit.isdecimal():
        return None
    try:
        if "-W" in key:
            return int(unit), parse_week(key)
        year, _, month = key.partition("-")
        return int(unit), month_period(int(year), int(month))
    except ValueError:
        return None


def action_choices(t: Translator, *, workbook_attached: bool) -> list[Choice]:
    """What an officer reading the digest may want next; the workbook unless it came along."""
    actions = [a for a in ACTIONS if not (workbook_attached and a == "xlsx")]
    return [Choice(id=action, label=str(t(f"digest.action_{action}"))) for action in actions]


@dataclass(frozen=True)
class Extras:
    chart: bool = True
    workbook: bool = False


def slug(text: str) -> str:
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
    found = [text_message(digest, t, now, tz, workbook_attached=extras.workbook)]
    if digest.is_empty:
        return digest, found
    if extras.chart:
        found.append(await chart_message(session, digest, t, file_key, now))
    if extras.workbook:
        found.append(await workbook_message(session, digest, t, tz, file_key, now))
    return digest, found


def text_message(
    digest: Digest, t: Translator, now: datetime, tz: ZoneInfo, *, workbook_attached: bool
) -> OutMessage:
    return OutMessage(
        text=digest_text.render(digest, t, now, tz),
        choices=action_choices(t, workbook_attached=workbook_attached),
        choice_token=token(digest.root.id, digest.period),
    )


async def chart_message(
    session: AsyncSession,
    digest: Digest,
    t: Translator,
    file_key: str,
    now: datetime,
    drawn: bytes | None = None,
) -> OutMessage:
    """The chart as a photo, stored under `file_key`; drawn here unless `drawn` is given."""
    key = f"{file_key}:chart"
    name = f"bieu-do-{slug(digest.root.label)}-{digest.period.key}.png"
    if await files.exists(session, key):
        png = b""
    elif drawn is not None:
        png = drawn
    else:
        png = await asyncio.to_thread(charts.render_png, digest, t)
    file_id = await files.store(
        session,
        key=key,
        kind=FileKind.PHOTO,
        name=name,
        media_type=files.PNG,
        content=png,
        now=now,
    )
    return OutMessage(
        text=str(t("digest.chart_caption", unit=digest.root.label)),
        attachment=Attachment(kind="photo", file_id=file_id, name=name),
    )


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
    name = f"bao-cao-{slug(digest.root.label)}-{digest.period.key}.xlsx"
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
