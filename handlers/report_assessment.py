"""Part IV of the Front's report, the assessment, drafted from the facts: the strengths the
figures show and the shortcomings (hamlets that did not report, dormant models, incidents
left open too long, overlaps); where the figures show none, a line for the office to fill."""

from __future__ import annotations

from datetime import timedelta

from handlers.digest_text import percent
from handlers.report_incidents import incident_line
from handlers.report_parts import Drafting, Section, inline, listed, plain
from storage.digests import IncidentRow
from storage.enums import IncidentStatus

# An incident still open this long after it came in is named among the shortcomings.
OVERDUE_AFTER = timedelta(days=7)


def overdue(report: Drafting) -> list[IncidentRow]:
    """Open incidents that came in more than OVERDUE_AFTER before the report was drafted."""
    return [
        i
        for i in report.digest.open_listed
        if i.status is not IncidentStatus.RESOLVED and report.now - i.received_at > OVERDUE_AFTER
    ]


def assessment(report: Drafting) -> Section:
    t = report.t
    strengths = _strengths(report) or [plain(t("report.fill_strengths"))]
    limits = _limits(report) or [plain(t("report.fill_limits"))]
    return Section(
        plain(t("report.section_assessment")),
        (plain(t("report.assessment_intro")),),
        parts=(
            Section(plain(t("report.strengths")), tuple(strengths)),
            Section(plain(t("report.limits")), tuple(limits)),
        ),
    )


def _strengths(report: Drafting) -> list[str]:
    t, digest, models = report.t, report.digest, report.models
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
    activities = sum(m.activities for m in models)
    if activities:
        found.append(
            plain(
                t(
                    "report.strength_models",
                    activities=activities,
                    people=sum(m.people for m in models),
                    active=sum(m.active for m in models),
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


def _limits(report: Drafting) -> list[str]:
    t, digest = report.t, report.digest
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
                    items=inline(t, names),
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
                    items=inline(t, names),
                )
            )
        )
    late = overdue(report)
    if late:
        found.append(plain(t("report.limit_overdue", count=len(late), days=OVERDUE_AFTER.days)))
        found += listed(t, [incident_line(report, i) for i in late])
    if digest.open_confidential:
        found.append(plain(t("report.limit_open_confidential", count=digest.open_confidential)))
    if digest.overlaps:
        found.append(plain(t("report.limit_overlaps", count=len(digest.overlaps))))
    return found
