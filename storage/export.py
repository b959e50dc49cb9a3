"""Reports as flat rows, for anyone to check what was stored; and what keeps text a person
wrote from being read as a formula by a spreadsheet."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import ModelInstance, ModelType, Organization, Person, Report, Unit

COLUMNS = (
    "id",
    "unit_path",
    "kind",
    "category",
    "model",
    "organization",
    "urgent",
    "text",
    "occurred_at",
    "received_at",
    "week",
    "place",
    "latitude",
    "longitude",
    "participants",
    "status",
    "withdrawn",
    "reporter",
)
# What people typed or named; the other columns are numbers, times and the bot's own words.
TYPED_COLUMNS = frozenset(
    {"unit_path", "category", "model", "organization", "text", "place", "reporter"}
)
# A cell beginning with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def inert(text: str) -> str:
    """The text with a leading quote when a spreadsheet would run it: the quote is how one
    types text that starts with '=' (OWASP's rule for CSV injection)."""
    return f"'{text}" if starts_like_formula(text) else text


def for_csv(row: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        inert(value) if column in TYPED_COLUMNS else value
        for column, value in zip(COLUMNS, row, strict=True)
    )


async def report_rows(session: AsyncSession, tz: ZoneInfo) -> list[tuple[str, ...]]:
    """One row per report, oldest first, with the unit's path from the province down; an
    activity names its model and organization, a shared location gives its coordinates."""
    unit_by_id = {u.id: u for u in (await session.execute(select(Unit))).scalars()}
    reporter = aliased(Person)
    query = (
        select(Report, reporter.full_name, ModelType.name, Organization.name)
        .outerjoin(reporter, reporter.id == Report.reporter_id)
        .outerjoin(ModelInstance, ModelInstance.id == Report.model_instance_id)
        .outerjoin(ModelType, ModelType.id == ModelInstance.model_type_id)
        .outerjoin(Organization, Organization.id == ModelInstance.organization_id)
        .order_by(Report.received_at, Report.id)
    )
    rows: list[tuple[str, ...]] = []
    for report, reporter_name, model, organization in (await session.execute(query)).all():
        rows.append(
            (
                str(report.id),
                _path(unit_by_id, report.unit_id),
                report.kind.value,
                report.category or "",
                model or "",
                organization or "",
                "yes" if report.urgent else "no",
                report.text,
                report.occurred_at.astimezone(tz).isoformat(timespec="minutes"),
                report.received_at.astimezone(tz).isoformat(timespec="minutes"),
                report.week,
                report.place or "",
                _coordinate(report.latitude),
                _coordinate(report.longitude),
                "" if report.participants is None else str(report.participants),
                report.status.value if report.status else "",
                "yes" if report.withdrawn_at else "no",
                reporter_name or "",
            )
        )
    return rows


def _path(unit_by_id: dict[int, Unit], unit_id: int) -> str:
    labels: list[str] = []
    current = unit_by_id.get(unit_id)
    while current is not None:
        labels.append(current.label)
        current = unit_by_id.get(current.parent_id) if current.parent_id else None
    return " / ".join(reversed(labels))


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"
