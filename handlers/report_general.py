"""Part I of the Front's report, the general situation: the reports of the period, how many
hamlet-weeks were reported and on time against the period before, and under a province or
district the communes furthest behind."""

from __future__ import annotations

from handlers.digest_text import lowest, on_time_text, percent
from handlers.i18n import Translator
from handlers.report_parts import Drafting, Section, plain
from storage.enums import ReportKind

LOWEST_NAMED = 3


def general(report: Drafting) -> Section:
    t, digest = report.t, report.digest
    c, before = digest.completeness, digest.previous_completeness
    kinds = digest.reports_by_kind
    paragraphs = [
        plain(
            t(
                "report.general_reports",
                hamlets=len(digest.hamlets),
                period=report.period_text,
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
                before=report.before_text,
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
        low = _lowest_communes(report)
        if low:
            paragraphs.append(plain(t("report.lowest_communes", names="; ".join(low))))
    return Section(plain(t("report.section_general")), tuple(paragraphs))


def _trend(t: Translator, now: float, before: float, had_before: bool) -> str:
    if not had_before:
        return plain(t("report.trend_none"))
    points = round(now * 100) - round(before * 100)
    if points > 0:
        return plain(t("report.trend_up", points=points))
    if points < 0:
        return plain(t("report.trend_down", points=-points))
    return plain(t("report.trend_same"))


def _lowest_communes(report: Drafting) -> list[str]:
    """The communes furthest behind: the digest's own "lowest" when it names any, else
    the few below complete, the lowest first."""
    digest = report.digest
    groups = (
        lowest(digest.groups, digest.completeness)
        or [g for g in digest.groups if g.completeness.rate < 1][:LOWEST_NAMED]
    )
    return [
        plain(
            report.t(
                "report.commune_rate",
                commune=g.unit.label,
                rate=percent(g.completeness.rate),
            )
        )
        for g in groups
    ]
