"""The digest as the text an officer reads: short lines, confidential reports only as counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from markupsafe import Markup

from handlers.digest_contents import Completeness, Digest, GroupLine
from handlers.i18n import Translator
from handlers.periods import Period
from storage.digests import IncidentRow, UnitRow

T = TypeVar("T")

MAX_MISSING = 30
MAX_GROUPS = 20
MAX_INCIDENTS = 10
MAX_MODELS = 15
LOWEST_NAMED = 3
# "Thấp nhất" names communes only among three or more (with two, the list above says it all),
# and only those this many points below the whole subtree's rate.
LOWEST_AMONG = 3
LOWEST_GAP_POINTS = 10
PREVIEW = 60


def period_label(t: Translator, period: Period) -> Markup:
    if period.kind == "week":
        return t("period.week", week=t.week(period.key))
    year = period.first_day.year
    if period.kind == "month":
        return t("period.month", month=period.first_day.month, year=year)
    if period.kind == "quarter":
        roman = ("I", "II", "III", "IV")[(period.first_day.month - 1) // 3]
        return t("report.period_quarter", quarter=roman, year=year)
    if period.kind == "half":
        which = "first" if period.first_day.month == 1 else "second"
        return t(f"report.period_half_{which}", year=year)
    return t("report.period_year", year=year)


def percent(value: float) -> str:
    return f"{value * 100:.0f}"


def on_time_text(completeness: Completeness) -> str:
    """No rate without a report to time: "—" rather than a misleading 0%."""
    return f"{percent(completeness.on_time_rate)}%" if completeness.reported else "—"


def age_text(t: Translator, received_at: datetime, now: datetime, tz: ZoneInfo) -> Markup:
    days = (now.astimezone(tz).date() - received_at.astimezone(tz).date()).days
    if days <= 0:
        return t("digest.age_today")
    if days == 1:
        return t("digest.age_yesterday")
    return t("digest.age_days", days=days)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def _capped(
    t: Translator, items: Sequence[T], limit: int, line: Callable[[T], Markup | str]
) -> list[Markup | str]:
    """The first `limit` items as lines, and how many more there are; only those are formatted."""
    shown: list[Markup | str] = [line(item) for item in items[:limit]]
    if len(items) > limit:
        shown.append(t("digest.more", count=len(items) - limit))
    return shown


def incident_line(
    t: Translator, incident: IncidentRow, hamlet: str, now: datetime, tz: ZoneInfo
) -> Markup:
    return t(
        "digest.incident_line",
        number=incident.id,
        hamlet=hamlet,
        category=t(f"category.{incident.category}") if incident.category else "",
        status=t(f"status.{incident.status.value}"),
        age=age_text(t, incident.received_at, now, tz),
        text=_preview(incident.text),
    )


def render(digest: Digest, t: Translator, now: datetime, tz: ZoneInfo) -> str:
    root = digest.root.label
    lines: list[Markup | str] = [
        t("digest.title", period=period_label(t, digest.period), unit=root)
    ]
    if digest.is_empty:
        lines.append(t("digest.empty", unit=root))
        return "\n".join(lines)
    lines += _completeness(digest, t)
    lines.append("")
    lines += _incidents(digest, t, now, tz)
    lines.append("")
    lines += _models(digest, t, tz)
    return "\n".join(str(line) for line in lines).strip()


def _completeness(digest: Digest, t: Translator) -> list[Markup | str]:
    hamlet = digest.single_hamlet
    if hamlet is not None:
        return [_single_hamlet(digest, t, hamlet)]
    c = digest.completeness
    key = (
        "digest.completeness_week" if digest.period.kind == "week" else "digest.completeness_month"
    )
    lines: list[Markup | str] = [
        t(
            key,
            reported=c.reported,
            expected=c.expected,
            rate=percent(c.rate),
            nothing=c.nothing_only,
            missing=c.expected - c.reported,
            on_time=on_time_text(c),
        )
    ]
    if digest.by_commune:
        lines.append(t("digest.communes_title"))
        lines += _capped(
            t,
            digest.groups,
            MAX_GROUPS,
            lambda g: t(
                "digest.commune_line",
                commune=g.unit.label,
                reported=g.completeness.reported,
                expected=g.completeness.expected,
                rate=percent(g.completeness.rate),
            ),
        )
        behind = lowest(digest.groups, c)
        if behind:
            lines.append(t("digest.lowest", names=", ".join(g.unit.label for g in behind)))
    if not digest.missing:
        lines.append(t("digest.all_reported"))
        return lines
    lines.append(t("digest.missing_title", count=len(digest.missing)))
    weekly = digest.period.kind == "week"
    lines += _capped(
        t,
        digest.missing,
        MAX_MISSING,
        lambda m: (
            t(
                "digest.missing_line" if weekly else "digest.missing_line_weeks",
                hamlet=m.hamlet.label,
                head=m.head or t("digest.no_head"),
                commune=m.group.label,
                weeks=m.weeks,
            )
            if not digest.by_commune
            else t(
                "digest.missing_line_commune",
                hamlet=m.hamlet.label,
                head=m.head or t("digest.no_head"),
                commune=m.group.label,
            )
        ),
    )
    return lines


def lowest(groups: list[GroupLine], whole: Completeness) -> list[GroupLine]:
    """The groups well below the whole, among enough to compare; the lowest first."""
    if len(groups) < LOWEST_AMONG:
        return []
    bar = round(whole.rate * 100) - LOWEST_GAP_POINTS
    return [g for g in groups if round(g.completeness.rate * 100) <= bar][:LOWEST_NAMED]


def _single_hamlet(digest: Digest, t: Translator, hamlet: UnitRow) -> Markup:
    """One hamlet: what it did, without totals and lists that say nothing about one."""
    c = digest.completeness
    if digest.period.kind == "month":
        return t(
            "digest.hamlet_month",
            hamlet=hamlet.label,
            reported=c.reported,
            expected=c.expected,
            nothing=c.nothing_only,
            missing=c.expected - c.reported,
            on_time=on_time_text(c),
        )
    if not c.reported:
        head = digest.missing[0].head if digest.missing else None
        return t("digest.hamlet_missing", hamlet=hamlet.label, head=head or t("digest.no_head"))
    return t(
        "digest.hamlet_nothing" if c.nothing_only else "digest.hamlet_reported",
        hamlet=hamlet.label,
        timing=t("digest.timing_on_time" if c.on_time else "digest.timing_late"),
    )


def _incidents(digest: Digest, t: Translator, now: datetime, tz: ZoneInfo) -> list[Markup | str]:
    lines: list[Markup | str] = []
    if digest.categories:
        lines.append(t("digest.incidents_title"))
        for category, (current, before) in digest.categories.items():
            lines.append(
                t(
                    "digest.category_line",
                    category=t(f"category.{category}"),
                    now=current,
                    before=before,
                )
            )
    else:
        lines.append(t("digest.no_incidents"))
    if digest.confidential:
        lines.append(t("digest.confidential", count=digest.confidential))
    label = {u.id: u.label for u in digest.units.values()}
    urgent_count = len(digest.urgent) + digest.urgent_confidential
    if urgent_count:
        lines.append(t("digest.urgent_title", count=urgent_count))
        lines += _capped(
            t,
            digest.urgent,
            MAX_INCIDENTS,
            lambda i: incident_line(t, i, label.get(i.unit_id, ""), now, tz),
        )
        if digest.urgent_confidential:
            lines.append(t("digest.urgent_confidential", count=digest.urgent_confidential))
    open_total = sum(digest.open_by_status.values())
    if open_total:
        statuses = ", ".join(
            str(t("digest.status_count", status=t(f"status.{s.value}"), count=n))
            for s, n in digest.open_by_status.items()
        )
        lines.append(t("digest.open_title", count=open_total, statuses=statuses))
        lines += _capped(
            t,
            digest.open_listed,
            MAX_INCIDENTS,
            lambda i: incident_line(t, i, label.get(i.unit_id, ""), now, tz),
        )
        if digest.open_confidential:
            lines.append(t("digest.open_confidential", count=digest.open_confidential))
    return lines


def _models(digest: Digest, t: Translator, tz: ZoneInfo) -> list[Markup | str]:
    lines: list[Markup | str] = []
    if digest.activities:
        lines.append(t("digest.activities_title"))
        lines += [
            t("digest.activity_line", model=name, reports=reports, people=people)
            for name, reports, people in digest.activities
        ]
    else:
        lines.append(t("digest.no_activities"))
    if digest.dormant:
        lines.append(t("digest.dormant_title", count=len(digest.dormant)))
        lines += _capped(
            t,
            digest.dormant,
            MAX_MODELS,
            lambda d: t(
                "digest.dormant_line" if d.model.last_activity else "digest.dormant_never",
                hamlet=d.hamlet.label,
                model=d.model.type_name,
                organization=d.model.organization,
                last=t.date(d.model.last_activity.astimezone(tz).date())
                if d.model.last_activity
                else "",
            ),
        )
    if digest.overlaps:
        lines.append(t("digest.overlap_title", count=len(digest.overlaps)))
        lines += _capped(
            t,
            digest.overlaps,
            MAX_MODELS,
            lambda o: t(
                "digest.overlap_line",
                hamlet=o.hamlet.label,
                model=o.type_name,
                organizations=", ".join(o.organizations),
            ),
        )
    return lines
