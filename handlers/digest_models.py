"""What a digest says about the self-management models: their activities and people, the
active models gone quiet, one type run twice in a hamlet, and per type the lines of the
Front's report's model table."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.digest_contents import Digest, Dormant, Overlap
from handlers.digest_tree import Tree
from handlers.periods import Period
from storage.digests import DigestData, ModelRow
from storage.enums import ModelStatus, ReportKind

DORMANT_AFTER = timedelta(weeks=4)


@dataclass(frozen=True)
class ModelTypeLine:
    """One model type across the subtree in a period: what a report's model table shows."""

    type_name: str
    models: int
    active: int
    dormant: int
    activities: int
    people: int
    organizations: tuple[str, ...]
    started: tuple[ModelRow, ...]
    stopped: tuple[ModelRow, ...]


def activity_by_type(data: DigestData, period: Period) -> list[tuple[str, int, int]]:
    """Per model type, by name: the activity reports in the period and the people they drew."""
    names = {m.type_code: m.type_name for m in data.models}
    reports: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for row in data.counts:
        if row.kind is ReportKind.ACTIVITY and row.week in period.weeks:
            name = names.get(row.category or "", row.category or "")
            reports[name] += row.reports
            people[name] += row.participants
    return [(name, reports[name], people[name]) for name in sorted(reports)]


def dormant_models(data: DigestData, tree: Tree, period: Period, tz: ZoneInfo) -> list[Dormant]:
    """Active models with no activity in the four weeks up to the period's end."""
    end = datetime.combine(period.last_day + timedelta(days=1), time(0), tzinfo=tz)
    found: list[Dormant] = []
    for model in data.models:
        if model.status is not ModelStatus.ACTIVE:
            continue
        last = model.last_activity
        started = datetime.combine(model.started_on, time(0), tzinfo=tz)
        quiet_since = last if last is not None else started
        if end - quiet_since >= DORMANT_AFTER:
            found.append(Dormant(data.units[tree.successor(model.hamlet_id)], model))
    return sorted(found, key=lambda d: (d.hamlet.name, d.model.type_name))


def overlapping_models(data: DigestData, tree: Tree) -> list[Overlap]:
    """The same model type run by two organizations or more in one hamlet."""
    owners: dict[tuple[int, str], set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for model in data.models:
        if model.status is ModelStatus.STOPPED:
            continue
        owners[(tree.successor(model.hamlet_id), model.type_code)].add(model.organization)
        names[model.type_code] = model.type_name
    return sorted(
        (
            Overlap(data.units[hamlet_id], names[code], tuple(sorted(organizations)))
            for (hamlet_id, code), organizations in owners.items()
            if len(organizations) > 1
        ),
        key=lambda o: (o.hamlet.name, o.type_name),
    )


def model_lines(digest: Digest) -> list[ModelTypeLine]:
    """Per model type: the models that ran in the period (started by its end, not stopped before
    it began), how many are active and dormant, their activities and people in the period (the
    digest's own counts), who runs them, and those started and stopped within it."""
    period = digest.period
    dormant = {d.model.instance_id for d in digest.dormant}
    activity = {name: (reports, people) for name, reports, people in digest.activities}
    by_type: dict[str, list[ModelRow]] = defaultdict(list)
    for model in digest.models:
        # A model stopped before its stop day was recorded has no day: it ran in no period.
        stopped_before = model.status is ModelStatus.STOPPED and (
            model.stopped_on is None or model.stopped_on < period.first_day
        )
        if model.started_on <= period.last_day and not stopped_before:
            by_type[model.type_name].append(model)
    lines: list[ModelTypeLine] = []
    for name in sorted({*by_type, *activity}):
        models = by_type.get(name, [])
        reports, people = activity.get(name, (0, 0))
        lines.append(
            ModelTypeLine(
                type_name=name,
                models=len(models),
                active=sum(
                    m.status is ModelStatus.ACTIVE and m.instance_id not in dormant for m in models
                ),
                dormant=sum(m.instance_id in dormant for m in models),
                activities=reports,
                people=people,
                organizations=tuple(sorted({m.organization for m in models})),
                started=tuple(m for m in models if m.started_on >= period.first_day),
                stopped=tuple(
                    m
                    for m in models
                    if m.stopped_on is not None and m.stopped_on <= period.last_day
                ),
            )
        )
    return lines
