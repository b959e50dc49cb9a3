"""Part V of the Front's report, the tasks for the period ahead: the hamlets to remind, the
dormant models and overlaps to look into, the incidents still open, and a line for the office
to fill."""

from __future__ import annotations

from datetime import timedelta

from handlers.periods import MONTHS, Period, calendar_period, week_of, week_period
from handlers.report_parts import MAX_LISTED, Drafting, Section, inline, period_words, plain


def following(period: Period) -> Period:
    """The period after this one, for the tasks ahead."""
    after = period.last_day + timedelta(days=1)
    if period.kind == "week":
        return week_period(week_of(after))
    return calendar_period(period.kind, after.year, (after.month - 1) // MONTHS[period.kind] + 1)


def tasks(report: Drafting) -> Section:
    t, digest = report.t, report.digest
    ahead = period_words(t, following(digest.period))
    found: list[str] = []
    if digest.missing:
        found.append(
            plain(
                t(
                    "report.task_missing",
                    hamlets=inline(t, [m.hamlet.label for m in digest.missing]),
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
