"""The Front's periodic report ("Báo cáo kết quả công tác Mặt trận ..."), drafted from the same
`Digest` the weekly digest is read from, so both say the same numbers.

This module decides what the report says, as plain text in blocks; `report_docx` lays it out
as a Word document in the form of Decree 30/2020/NĐ-CP. Confidential categories are counts
only, for every reader: the document leaves the bot and is printed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from handlers.digest import Completeness, Digest, ModelTypeLine, model_lines
from handlers.digest_text import lowest, on_time_text, percent, period_label
from handlers.i18n import Translator
from handlers.periods import MONTHS, Period, calendar_period, week_of, week_period
from storage.clock import week_days
from storage.digests import IncidentRow, ModelRow, UnitRow
from storage.enums import IncidentStatus, ReportKind, UnitKind

# An incident still open this long after it came in is named among the shortcomings.
OVERDUE_AFTER = timedelta(days=7)
MAX_LISTED = 20
# Room for the number the office gives the report when it is signed; spaces that never break.
NUMBER_BLANK = "\u00a0" * 8
MAX_TEXT = 200
LOWEST_NAMED = 3
MODEL_COLUMNS = ("type", "count", "active", "dormant", "activities", "people", "organizations")
_MARKUP = re.compile(r"</?(?:b|i)>")
# What XML 1.0 cannot hold: a control character typed into a report would break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def plain(text: Markup | str) -> str:
    """Catalog markup as the words a document prints."""
    return _NOT_XML.sub("", html.unescape(_MARKUP.sub("", str(text)))).strip()


@dataclass(frozen=True)
class Table:
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    after_table: tuple[str, ...] = ()
    parts: tuple[Section, ...] = ()


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


def period_words(t: Translator, period: Period) -> str:
    """ "tháng 11 năm 2026", "quý IV năm 2026", "6 tháng cuối năm 2026", "năm 2026"."""
    if period.kind == "month":
        return plain(
            t("report.period_month", month=period.first_day.month, year=period.first_day.year)
        )
    if period.kind == "week":
        return plain(t("report.period_week", week=t.week(period.key)))
    return plain(period_label(t, period))


def following(period: Period) -> Period:
    """The period after this one, for the tasks ahead."""
    after = period.last_day + timedelta(days=1)
    if period.kind == "week":
        return week_period(week_of(after))
    return calendar_period(period.kind, after.year, (after.month - 1) // MONTHS[period.kind] + 1)


def _trend(t: Translator, now: float, before: float, had_before: bool) -> str:
    if not had_before:
        return plain(t("report.trend_none"))
    points = round(now * 100) - round(before * 100)
    if points > 0:
        return plain(t("report.trend_up", points=points))
    if points < 0:
        return plain(t("report.trend_down", points=-points))
    return plain(t("report.trend_same"))


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_TEXT else flat[: MAX_TEXT - 1].rstrip() + "…"


def _inline(t: Translator, items: Sequence[str]) -> str:
    """Items in one sentence, the first MAX_LISTED of them and how many more."""
    shown = "; ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += " " + plain(t("report.and_more_inline", count=len(items) - MAX_LISTED))
    return shown


def _listed(t: Translator, lines: Sequence[str]) -> tuple[str, ...]:
    shown = tuple(lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        shown += (plain(t("report.and_more", count=len(lines) - MAX_LISTED)),)
    return shown


class Writer:
    """Drafts one report; each method writes one part of it."""

    def __init__(
        self,
        digest: Digest,
        t: Translator,
        *,
        now: datetime,
        tz: ZoneInfo,
        parent: UnitRow | None,
    ) -> None:
        self.digest = digest
        self.t = t
        self.now = now
        self.tz = tz
        self.parent = parent
        self.unit = digest.root
        self.label = {u.id: u.label for u in digest.units.values()}
        self.models = model_lines(digest)
        self.period_text = period_words(t, digest.period)
        self.before_text = period_words(t, digest.period.previous())

    def draft(self) -> Draft:
        t, unit = self.t, self.unit
        sections = (
            self.general(),
            self.self_management(),
            self.incidents(),
            self.assessment(),
            self.tasks(),
        )
        return Draft(
            issuer=(
                plain(t("report.front")),
                unit.label.upper(),
                plain(t("report.standing_board")),
            ),
            number_line=plain(t("report.number_line", blank=NUMBER_BLANK)),
            nation=(plain(t("report.nation")), plain(t("report.motto"))),
            place_and_date=plain(
                t("report.place_and_date", place=unit.name, date=self._issue_date())
            ),
            title=(plain(t("report.title")), plain(t("report.subtitle", period=self.period_text))),
            opening=plain(
                t("report.opening", unit=unit.label, period=self.period_text, units=self._units())
            ),
            sections=sections,
            figure_caption=self._figure_caption(),
            annex=self.annex(),
            recipients=self.recipients(),
            signature=(plain(t("report.sign_for")), plain(t("report.sign_title"))),
            draft_note=plain(t("report.draft_note")),
        )

    def _figure_caption(self) -> str:
        weeks = self.digest.chart_weeks or self.digest.period.weeks
        first, _ = week_days(weeks[0])
        _, last = week_days(weeks[-1])
        return plain(self.t("report.figure", first=self.t.date(first), last=self.t.date(last)))

    def _issue_date(self) -> str:
        return issue_date(self.t, self.now.astimezone(self.tz).date())

    def _units(self) -> str:
        return plain(self.t("report.units_communes" if self.digest.by_commune else "report.units"))

    # I. The general situation ------------------------------------------------------------

    def general(self) -> Section:
        t, digest = self.t, self.digest
        c, before = digest.completeness, digest.previous_completeness
        kinds = digest.reports_by_kind
        paragraphs = [
            plain(
                t(
                    "report.general_reports",
                    hamlets=len(digest.hamlets),
                    period=self.period_text,
                    reports=sum(kinds.values()),
                    incidents=kinds.get(ReportKind.INCIDENT, 0),
                    activities=kinds.get(ReportKind.ACTIVITY, 0),
                    nothing=kinds.get(ReportKind.NOTHING, 0),
                )
            ),
            plain(
                t(
                    "report.general_completeness",
                    reported=c.reported,
                    expected=c.expected,
                    rate=percent(c.rate),
                    trend=_trend(t, c.rate, before.rate, bool(before.expected)),
                    before=self.before_text,
                    before_rate=percent(before.rate) if before.expected else "—",
                )
            ),
            plain(
                t(
                    "report.general_on_time",
                    on_time=on_time_text(c),
                    before_on_time=on_time_text(before),
                )
            ),
        ]
        if digest.by_commune:
            low = self._lowest_communes()
            if low:
                paragraphs.append(plain(t("report.lowest_communes", names="; ".join(low))))
        return Section(plain(t("report.section_general")), tuple(paragraphs))

    def _lowest_communes(self) -> list[str]:
        """The communes furthest behind: the digest's own "lowest" when it names any, else
        the few below complete, the lowest first."""
        groups = (
            lowest(self.digest.groups, self.digest.completeness)
            or [g for g in self.digest.groups if g.completeness.rate < 1][:LOWEST_NAMED]
        )
        return [
            plain(
                self.t(
                    "report.commune_rate",
                    commune=g.unit.label,
                    rate=percent(g.completeness.rate),
                )
            )
            for g in groups
        ]

    # II. The self-management models ------------------------------------------------------

    def self_management(self) -> Section:
        t = self.t
        table = Table(
            headings=tuple(plain(t(f"report.models_{column}")) for column in MODEL_COLUMNS),
            rows=tuple(self._model_row(line) for line in self.models),
            total=self._model_total() if self.models else None,
        )
        after = [*self._started_and_stopped(), *self._overlaps()]
        if not self.models:
            return Section(
                plain(t("report.section_models")),
                (plain(t("report.no_models", period=self.period_text)),),
            )
        return Section(
            plain(t("report.section_models")),
            (plain(t("report.models_intro", period=self.period_text)),),
            table=table,
            after_table=tuple(after),
        )

    @staticmethod
    def _model_row(line: ModelTypeLine) -> tuple[str, ...]:
        return (
            line.type_name,
            str(line.models),
            str(line.active),
            str(line.dormant),
            str(line.activities),
            str(line.people),
            ", ".join(line.organizations),
        )

    def _model_total(self) -> tuple[str, ...]:
        lines = self.models
        return (
            plain(self.t("report.total")),
            str(sum(m.models for m in lines)),
            str(sum(m.active for m in lines)),
            str(sum(m.dormant for m in lines)),
            str(sum(m.activities for m in lines)),
            str(sum(m.people for m in lines)),
            "",
        )

    def _where(self, hamlet_id: int) -> str:
        return self.label.get(hamlet_id, "")

    def _model_item(self, model: ModelRow) -> str:
        return plain(
            self.t(
                "report.model_item",
                model=model.type_name,
                hamlet=self._where(model.hamlet_id),
                organization=model.organization,
            )
        )

    def _started_and_stopped(self) -> list[str]:
        t = self.t
        started = [self._model_item(m) for line in self.models for m in line.started]
        stopped = [self._model_item(m) for line in self.models for m in line.stopped]
        return [
            plain(t("report.models_started", count=len(started), items=_inline(t, started)))
            if started
            else plain(t("report.models_none_started")),
            plain(t("report.models_stopped", count=len(stopped), items=_inline(t, stopped)))
            if stopped
            else plain(t("report.models_none_stopped")),
        ]

    def _overlaps(self) -> list[str]:
        t = self.t
        if not self.digest.overlaps:
            return [plain(t("report.no_overlaps"))]
        return [
            plain(t("report.overlaps_title", count=len(self.digest.overlaps))),
            *_listed(
                t,
                [
                    plain(
                        t(
                            "report.overlap_line",
                            hamlet=o.hamlet.label,
                            model=o.type_name,
                            organizations=", ".join(o.organizations),
                        )
                    )
                    for o in self.digest.overlaps
                ],
            ),
        ]

    # III. Security, environment, traffic and the rest ------------------------------------

    def incidents(self) -> Section:
        t, digest = self.t, self.digest
        heading = plain(t("report.section_incidents"))
        if not digest.categories:
            return Section(heading, (plain(t("report.no_incidents", period=self.period_text)),))
        rows = tuple(
            (
                plain(t(f"category.{category}")),
                str(now),
                str(before),
                self._change(now, before),
            )
            for category, (now, before) in digest.categories.items()
        )
        total_now = sum(now for now, _ in digest.categories.values())
        total_before = sum(before for _, before in digest.categories.values())
        table = Table(
            headings=(
                plain(t("report.incidents_category")),
                plain(t("report.incidents_now")),
                plain(t("report.incidents_before")),
                plain(t("report.incidents_change")),
            ),
            rows=rows,
            total=(
                plain(t("report.total")),
                str(total_now),
                str(total_before),
                self._change(total_now, total_before),
            ),
        )
        after: list[str] = []
        if digest.confidential:
            after.append(plain(t("report.confidential", count=digest.confidential)))
        after += self._urgent()
        after += self._still_open()
        return Section(
            heading,
            (plain(t("report.incidents_intro", period=self.period_text, before=self.before_text)),),
            table=table,
            after_table=tuple(after),
        )

    def _change(self, now: int, before: int) -> str:
        if now == before:
            return plain(self.t("report.change_same"))
        if now > before:
            return plain(self.t("report.change_up", count=now - before))
        return plain(self.t("report.change_down", count=before - now))

    def _incident(self, incident: IncidentRow) -> str:
        return plain(
            self.t(
                "report.incident_line",
                number=incident.id,
                day=self.t.date(incident.received_at.astimezone(self.tz).date()),
                hamlet=self._where(incident.unit_id),
                category=self.t(f"category.{incident.category}"),
                text=_short(incident.text),
                status=self.t(f"status.{incident.status.value}"),
            )
        )

    def _urgent(self) -> list[str]:
        t, digest = self.t, self.digest
        count = len(digest.urgent) + digest.urgent_confidential
        if not count:
            return [plain(t("report.no_urgent"))]
        lines = [plain(t("report.urgent_title", count=count))]
        lines += _listed(t, [self._incident(i) for i in digest.urgent])
        if digest.urgent_confidential:
            lines.append(plain(t("report.urgent_confidential", count=digest.urgent_confidential)))
        return lines

    def _still_open(self) -> list[str]:
        t, digest = self.t, self.digest
        total = sum(digest.open_by_status.values())
        if not total:
            return [plain(t("report.none_open"))]
        statuses = ", ".join(
            plain(t("digest.status_count", status=t(f"status.{s.value}"), count=n))
            for s, n in digest.open_by_status.items()
        )
        return [plain(t("report.open_now", count=total, statuses=statuses))]

    # IV. The assessment, drafted from the facts -----------------------------------------

    def overdue(self) -> list[IncidentRow]:
        """Open incidents that came in more than OVERDUE_AFTER before the report was drafted."""
        return [
            i
            for i in self.digest.open_listed
            if i.status is not IncidentStatus.RESOLVED and self.now - i.received_at > OVERDUE_AFTER
        ]

    def assessment(self) -> Section:
        t = self.t
        strengths = self._strengths() or [plain(t("report.fill_strengths"))]
        limits = self._limits() or [plain(t("report.fill_limits"))]
        return Section(
            plain(t("report.section_assessment")),
            (plain(t("report.assessment_intro")),),
            parts=(
                Section(plain(t("report.strengths")), tuple(strengths)),
                Section(plain(t("report.limits")), tuple(limits)),
            ),
        )

    def _strengths(self) -> list[str]:
        t, digest = self.t, self.digest
        c, before = digest.completeness, digest.previous_completeness
        found: list[str] = []
        if c.expected and c.rate >= 0.9:
            found.append(plain(t("report.strength_complete", rate=percent(c.rate))))
        elif before.expected and round(c.rate * 100) > round(before.rate * 100):
            found.append(
                plain(
                    t(
                        "report.strength_improving",
                        rate=percent(c.rate),
                        before_rate=percent(before.rate),
                    )
                )
            )
        activities = sum(m.activities for m in self.models)
        if activities:
            found.append(
                plain(
                    t(
                        "report.strength_models",
                        activities=activities,
                        people=sum(m.people for m in self.models),
                        active=sum(m.active for m in self.models),
                    )
                )
            )
        now = sum(n for n, _ in digest.categories.values())
        was = sum(b for _, b in digest.categories.values())
        if was and now < was:
            found.append(plain(t("report.strength_fewer", now=now, before=was)))
        urgent = len(digest.urgent) + digest.urgent_confidential
        taken = [i for i in digest.urgent if i.status is not IncidentStatus.OPEN]
        if urgent and len(taken) == len(digest.urgent) and digest.urgent:
            found.append(plain(t("report.strength_urgent_taken", count=len(taken))))
        return found

    def _limits(self) -> list[str]:
        t, digest = self.t, self.digest
        found: list[str] = []
        if digest.missing:
            names = [
                plain(t("report.missing_item", hamlet=m.hamlet.label, weeks=m.weeks))
                for m in digest.missing
            ]
            found.append(
                plain(
                    t(
                        "report.limit_missing",
                        count=len(digest.missing),
                        items=_inline(t, names),
                    )
                )
            )
        if digest.dormant:
            names = [
                plain(
                    t(
                        "report.model_item",
                        model=d.model.type_name,
                        hamlet=d.hamlet.label,
                        organization=d.model.organization,
                    )
                )
                for d in digest.dormant
            ]
            found.append(
                plain(
                    t(
                        "report.limit_dormant",
                        count=len(digest.dormant),
                        items=_inline(t, names),
                    )
                )
            )
        overdue = self.overdue()
        if overdue:
            found.append(
                plain(t("report.limit_overdue", count=len(overdue), days=OVERDUE_AFTER.days))
            )
            found += _listed(t, [self._incident(i) for i in overdue])
        if digest.open_confidential:
            found.append(plain(t("report.limit_open_confidential", count=digest.open_confidential)))
        if digest.overlaps:
            found.append(plain(t("report.limit_overlaps", count=len(digest.overlaps))))
        return found

    # V. The tasks ahead ------------------------------------------------------------------

    def tasks(self) -> Section:
        t, digest = self.t, self.digest
        ahead = period_words(t, following(digest.period))
        found: list[str] = []
        if digest.missing:
            found.append(
                plain(
                    t(
                        "report.task_missing",
                        hamlets=_inline(t, [m.hamlet.label for m in digest.missing]),
                    )
                )
            )
        if digest.dormant:
            found.append(plain(t("report.task_dormant", count=len(digest.dormant))))
        if digest.overlaps:
            found.append(plain(t("report.task_overlaps", count=len(digest.overlaps))))
        open_total = sum(digest.open_by_status.values())
        if open_total:
            numbers = ", ".join(f"#{i.id}" for i in digest.open_listed[:MAX_LISTED])
            found.append(plain(t("report.task_open", count=open_total, numbers=numbers or "—")))
        found += [plain(t("report.task_keep_reporting")), plain(t("report.fill_tasks"))]
        return Section(
            plain(t("report.section_tasks", period=ahead)),
            tuple(found),
        )

    # The annex and who receives it -------------------------------------------------------

    def annex(self) -> Section:
        t, digest = self.t, self.digest
        rows = tuple(self._annex_row(g.unit, g.completeness) for g in digest.groups)
        key = "report.annex_communes" if digest.by_commune else "report.annex_hamlets"
        unit_heading = "report.annex_unit_commune" if digest.by_commune else "report.annex_unit"
        return Section(
            plain(t(key, period=self.period_text)),
            table=Table(
                headings=(
                    plain(t(unit_heading)),
                    plain(t("report.annex_expected")),
                    plain(t("report.annex_reported")),
                    plain(t("report.annex_on_time")),
                    plain(t("report.annex_rate")),
                ),
                rows=rows,
                total=self._annex_row(None, digest.completeness) if rows else None,
            ),
            after_table=(plain(t("report.annex_workbook")),),
        )

    def _annex_row(self, unit: UnitRow | None, c: Completeness) -> tuple[str, ...]:
        name = unit.label if unit is not None else plain(self.t("report.total"))
        return (name, str(c.expected), str(c.reported), str(c.on_time), f"{percent(c.rate)}%")

    def recipients(self) -> tuple[str, ...]:
        t = self.t
        found = [plain(t("report.recipients"))]
        if self.unit.kind is UnitKind.PROVINCE:
            found.append(plain(t("report.to_central")))
            found.append(plain(t("report.to_province_party", name=self.unit.name)))
        else:
            if self.parent is not None:
                found.append(plain(t("report.to_parent", unit=self.parent.label)))
            found.append(plain(t("report.to_party", unit=self.unit.label)))
        found.append(plain(t("report.to_archive")))
        return tuple(found)


def draft(
    digest: Digest,
    t: Translator,
    *,
    now: datetime,
    tz: ZoneInfo,
    parent: UnitRow | None,
) -> Draft:
    return Writer(digest, t, now=now, tz=tz, parent=parent).draft()
