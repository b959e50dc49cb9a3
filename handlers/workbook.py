"""The full Excel workbook of a period: reports, reporting per hamlet per week, and models."""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.digest_contents import Digest, HamletWeek
from handlers.i18n import Translator
from storage import digests
from storage.digests import ReportLine, UnitRow
from storage.enums import ReportKind
from storage.export import starts_like_formula

MAX_COLUMN_WIDTH = 60


async def render_xlsx(session: AsyncSession, digest: Digest, t: Translator, tz: ZoneInfo) -> bytes:
    weeks = digest.sheet_weeks if digest.period.kind == "month" else digest.chart_weeks
    lines = await digests.report_lines(session, digest.root.id, digest.period.weeks)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(t("sheet.reports"))
    _reports(sheet, lines, digest, t, tz)
    _completeness(book.create_sheet(str(t("sheet.completeness"))), digest, weeks, t)
    _models(book.create_sheet(str(t("sheet.models"))), digest, t, tz)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: Worksheet, values: list[Any]) -> None:
    """A row whose words stay words: openpyxl makes '=...' a formula and '#N/A' an error."""
    sheet.append(values)
    if not values:
        return
    for cell in sheet[sheet.max_row]:
        if isinstance(cell, Cell) and isinstance(cell.value, str):
            _as_text(cell, cell.value)


def _as_text(cell: Cell, text: str) -> None:
    cell.data_type = "s"
    if starts_like_formula(text):
        # Excel's own mark for text typed after a quote: editing the cell keeps it text.
        cell.quotePrefix = True


def _header(sheet: Worksheet, headings: list[str], frozen: str = "A2") -> None:
    _append(sheet, [*headings])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = frozen


def _filter(sheet: Worksheet, rows: int) -> None:
    """An autofilter over the header and the table's rows, not over notes below it."""
    sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{rows + 1}"


def _fit(sheet: Worksheet) -> None:
    for number, column in enumerate(sheet.columns, start=1):
        width = max(len(str(cell.value or "")) for cell in column)
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = min(MAX_COLUMN_WIDTH, max(8, width + 2))


def _path(units: dict[int, UnitRow], unit_id: int) -> str:
    labels: list[str] = []
    current = units.get(unit_id)
    while current is not None:
        labels.append(current.label)
        current = units.get(current.parent_id) if current.parent_id else None
    return " / ".join(reversed(labels))


REPORT_COLUMNS = [
    "column.number",
    "column.unit",
    "column.kind",
    "column.category",
    "column.organization",
    "column.urgent",
    "column.text",
    "column.occurred",
    "column.received",
    "column.week",
    "column.status",
    "column.place",
    "column.latitude",
    "column.longitude",
    "column.participants",
    "column.reporter",
]
DATE_COLUMNS = ("column.occurred", "column.received")


def _reports(
    sheet: Worksheet, lines: list[ReportLine], digest: Digest, t: Translator, tz: ZoneInfo
) -> None:
    """Confidential reports are counted below the table, as in the digests: not even their
    hamlet, date or category is shown."""
    _header(sheet, [str(t(key)) for key in REPORT_COLUMNS])
    shown = [line for line in lines if not line.sensitive]
    for line in shown:
        _append(sheet, _report_row(line, digest, t, tz))
    for key in DATE_COLUMNS:
        column = REPORT_COLUMNS.index(key) + 1
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "DD/MM/YYYY HH:MM"
    _filter(sheet, len(shown))
    _fit(sheet)
    confidential = len(lines) - len(shown)
    if confidential:
        _append(sheet, [])
        _append(sheet, [str(t("sheet.confidential_count", count=confidential))])


def _report_row(line: ReportLine, digest: Digest, t: Translator, tz: ZoneInfo) -> list[object]:
    incident = line.kind is ReportKind.INCIDENT
    if incident and line.category:
        category = str(t(f"category.{line.category}"))
    else:
        category = line.model or line.category or ""
    return [
        line.id,
        _path(digest.units, line.unit_id),
        str(t(f"kind.{line.kind.value}")),
        category,
        line.organization,
        str(t("common.yes")) if line.urgent else "",
        line.text,
        line.occurred_at.astimezone(tz).replace(tzinfo=None),
        line.received_at.astimezone(tz).replace(tzinfo=None),
        line.week,
        str(t(f"status.{line.status.value}")) if line.status else "",
        line.place,
        line.latitude,
        line.longitude,
        line.participants,
        line.reporter or "",
    ]


def _cell_text(t: Translator, cell: HamletWeek | None) -> str:
    if cell is None or not cell.expected:
        return ""
    if not cell.reported:
        return str(t("digest.state_missing"))
    return str(t("digest.state_nothing" if cell.nothing_only else "digest.state_content"))


def _completeness(sheet: Worksheet, digest: Digest, weeks: tuple[str, ...], t: Translator) -> None:
    headings = [str(t("period.week", week=t.week(week))) for week in weeks]
    _header(sheet, [str(t("column.unit")), *headings], frozen="B2")
    hamlet_ids = sorted(
        {hamlet_id for hamlet_id, _ in digest.cells},
        key=lambda h: _path(digest.units, h),
    )
    for hamlet_id in hamlet_ids:
        _append(
            sheet,
            [
                _path(digest.units, hamlet_id),
                *(_cell_text(t, digest.cells.get((hamlet_id, week))) for week in weeks),
            ],
        )
    _filter(sheet, len(hamlet_ids))
    _fit(sheet)


MODEL_COLUMNS = [
    "column.unit",
    "column.model",
    "column.organization",
    "column.status",
    "column.started",
    "column.last_activity",
    "column.dormant",
    "column.overlap",
]


def _models(sheet: Worksheet, digest: Digest, t: Translator, tz: ZoneInfo) -> None:
    _header(sheet, [str(t(key)) for key in MODEL_COLUMNS])
    dormant = {d.model.instance_id for d in digest.dormant}
    overlapping = {(o.hamlet.id, o.type_name) for o in digest.overlaps}
    for model in digest.models:
        _append(
            sheet,
            [
                _path(digest.units, model.hamlet_id),
                model.type_name,
                model.organization,
                str(t(f"model_status.{model.status.value}")),
                model.started_on,
                model.last_activity.astimezone(tz).date() if model.last_activity else None,
                str(t("common.yes")) if model.instance_id in dormant else "",
                str(t("common.yes")) if (model.hamlet_id, model.type_name) in overlapping else "",
            ],
        )
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    _filter(sheet, len(digest.models))
    _fit(sheet)
