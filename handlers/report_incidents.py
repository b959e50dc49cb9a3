"""Part III of the Front's report, security, environment, traffic and the rest: incidents by
category against the period before, the confidential ones as a count, the urgent ones, and
what is still open."""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.report_parts import Drafting, Section, Table, listed, plain
from storage.digests import IncidentRow

MAX_TEXT = 200


def incidents(report: Drafting) -> Section:
    t, digest = report.t, report.digest
    heading = plain(t("report.section_incidents"))
    if not digest.categories:
        return Section(heading, (plain(t("report.no_incidents", period=report.period_text)),))
    rows = tuple(
        (
            plain(t(f"category.{category}")),
            str(now),
            str(before),
            _change(t, now, before),
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
            _change(t, total_now, total_before),
        ),
    )
    after: list[str] = []
    if digest.confidential:
        after.append(plain(t("report.confidential", count=digest.confidential)))
    after += _urgent(report)
    after += _still_open(report)
    return Section(
        heading,
        (plain(t("report.incidents_intro", period=report.period_text, before=report.before_text)),),
        table=table,
        after_table=tuple(after),
    )


def incident_line(report: Drafting, incident: IncidentRow) -> str:
    """One incident as the report lists it: its number, the day it came in, the hamlet, the
    category, its words cut short, and how far it has got."""
    t = report.t
    return plain(
        t(
            "report.incident_line",
            number=incident.id,
            day=t.date(incident.received_at.astimezone(report.tz).date()),
            hamlet=report.where(incident.unit_id),
            category=t(f"category.{incident.category}"),
            text=_short(incident.text),
            status=t(f"status.{incident.status.value}"),
        )
    )


def _change(t: Translator, now: int, before: int) -> str:
    if now == before:
        return plain(t("report.change_same"))
    if now > before:
        return plain(t("report.change_up", count=now - before))
    return plain(t("report.change_down", count=before - now))


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_TEXT else flat[: MAX_TEXT - 1].rstrip() + "…"


def _urgent(report: Drafting) -> list[str]:
    t, digest = report.t, report.digest
    count = len(digest.urgent) + digest.urgent_confidential
    if not count:
        return [plain(t("report.no_urgent"))]
    lines = [plain(t("report.urgent_title", count=count))]
    lines += listed(t, [incident_line(report, i) for i in digest.urgent])
    if digest.urgent_confidential:
        lines.append(plain(t("report.urgent_confidential", count=digest.urgent_confidential)))
    return lines


def _still_open(report: Drafting) -> list[str]:
    t, digest = report.t, report.digest
    total = sum(digest.open_by_status.values())
    if not total:
        return [plain(t("report.none_open"))]
    statuses = ", ".join(
        plain(t("digest.status_count", status=t(f"status.{s.value}"), count=n))
        for s, n in digest.open_by_status.items()
    )
    return [plain(t("report.open_now", count=total, statuses=statuses))]
