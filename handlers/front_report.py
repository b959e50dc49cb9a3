"""The Front's periodic report ("Báo cáo kết quả công tác Mặt trận ..."), drafted from the same
`Digest` the weekly digest is read from, so both say the same numbers.

This module decides what the report says, as plain text in blocks: the header blocks, the five
parts (`report_general`, `report_models`, `report_incidents`, `report_assessment`,
`report_tasks`), the annex (`report_annex`) and who receives it; `report_docx` lays it out as
a Word document in the form of Decree 30/2020/NĐ-CP. Confidential categories are counts
only, for every reader: the document leaves the bot and is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.digest_contents import Digest
from handlers.i18n import Translator
from handlers.report_annex import annex
from handlers.report_assessment import assessment
from handlers.report_general import general
from handlers.report_incidents import incidents
from handlers.report_models import self_management
from handlers.report_parts import Drafting, Section, plain
from handlers.report_tasks import tasks
from storage.clock import week_days
from storage.digests import UnitRow
from storage.enums import UnitKind

# Room for the number the office gives the report when it is signed; spaces that never break.
NUMBER_BLANK = "\u00a0" * 8


@dataclass(frozen=True)
class Draft:
    """Everything the document prints, in the order it prints it."""

    issuer: tuple[str, ...]
    number_line: str
    nation: tuple[str, str]
    place_and_date: str
    title: tuple[str, str]
    opening: str
    sections: tuple[Section, ...]
    figure_caption: str
    annex: Section
    recipients: tuple[str, ...]
    signature: tuple[str, ...]
    draft_note: str


def issue_date(t: Translator, day: date) -> str:
    """ "ngày 01 tháng 12 năm 2026": a day below 10 and the months 1 and 2 get a leading zero,
    as Decree 30/2020/NĐ-CP writes them."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return plain(t("report.date", day=f"{day.day:02d}", month=month, year=day.year))


def draft(
    digest: Digest,
    t: Translator,
    *,
    now: datetime,
    tz: ZoneInfo,
    parent: UnitRow | None,
) -> Draft:
    report = Drafting(digest, t, now=now, tz=tz, parent=parent)
    unit = report.unit
    sections = (
        general(report),
        self_management(report),
        incidents(report),
        assessment(report),
        tasks(report),
    )
    return Draft(
        issuer=(
            plain(t("report.front")),
            unit.label.upper(),
            plain(t("report.standing_board")),
        ),
        number_line=plain(t("report.number_line", blank=NUMBER_BLANK)),
        nation=(plain(t("report.nation")), plain(t("report.motto"))),
        place_and_date=plain(t("report.place_and_date", place=unit.name, date=_issue_date(report))),
        title=(plain(t("report.title")), plain(t("report.subtitle", period=report.period_text))),
        opening=plain(
            t("report.opening", unit=unit.label, period=report.period_text, units=_units(report))
        ),
        sections=sections,
        figure_caption=_figure_caption(report),
        annex=annex(report),
        recipients=recipients(report),
        signature=(plain(t("report.sign_for")), plain(t("report.sign_title"))),
        draft_note=plain(t("report.draft_note")),
    )


def _figure_caption(report: Drafting) -> str:
    weeks = report.digest.chart_weeks or report.digest.period.weeks
    first, _ = week_days(weeks[0])
    _, last = week_days(weeks[-1])
    return plain(report.t("report.figure", first=report.t.date(first), last=report.t.date(last)))


def _issue_date(report: Drafting) -> str:
    return issue_date(report.t, report.now.astimezone(report.tz).date())


def _units(report: Drafting) -> str:
    return plain(report.t("report.units_communes" if report.digest.by_commune else "report.units"))


def recipients(report: Drafting) -> tuple[str, ...]:
    """ "Nơi nhận": the Front above (or the central one for a province), the Party committee of
    the same level, and the archive."""
    t, unit = report.t, report.unit
    found = [plain(t("report.recipients"))]
    if unit.kind is UnitKind.PROVINCE:
        found.append(plain(t("report.to_central")))
        found.append(plain(t("report.to_province_party", name=unit.name)))
    else:
        if report.parent is not None:
            found.append(plain(t("report.to_parent", unit=report.parent.label)))
        found.append(plain(t("report.to_party", unit=unit.label)))
    found.append(plain(t("report.to_archive")))
    return tuple(found)
