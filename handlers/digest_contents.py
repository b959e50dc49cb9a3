"""What a digest holds: who reported in each hamlet and week, the groups and hamlets behind,
incidents by category and status, the models' activity, the dormant ones and the overlaps.

`handlers.digest` computes it; the digest's text, its charts, the monthly workbook and the
Front's report all read this one `Digest`, so a figure is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from handlers.periods import Period
from storage.digests import IncidentRow, ModelRow, UnitRow
from storage.enums import IncidentStatus, ReportKind


@dataclass(frozen=True)
class HamletWeek:
    expected: bool
    reported: bool
    nothing_only: bool
    on_time: bool

    @staticmethod
    @cache
    def of(expected: bool, reported: bool, nothing_only: bool, on_time: bool) -> HamletWeek:
        """One of the sixteen cells, shared: a nation's digests hold millions of them."""
        return HamletWeek(expected, reported, nothing_only, on_time)


@dataclass
class Completeness:
    """Hamlet-weeks: expected, reported, of which only "nothing to report", and on time."""

    expected: int = 0
    reported: int = 0
    nothing_only: int = 0
    on_time: int = 0

    def add(self, cell: HamletWeek) -> None:
        if not cell.expected:
            return
        self.expected += 1
        self.reported += cell.reported
        self.nothing_only += cell.reported and cell.nothing_only
        self.on_time += cell.reported and cell.on_time

    @property
    def rate(self) -> float:
        return self.reported / self.expected if self.expected else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.reported if self.reported else 0.0


@dataclass(frozen=True)
class Missing:
    hamlet: UnitRow
    head: str | None
    group: UnitRow
    weeks: int


@dataclass(frozen=True)
class GroupLine:
    unit: UnitRow
    completeness: Completeness
    missing_weeks: int


@dataclass(frozen=True)
class Dormant:
    hamlet: UnitRow
    model: ModelRow


@dataclass(frozen=True)
class Overlap:
    hamlet: UnitRow
    type_name: str
    organizations: tuple[str, ...]


@dataclass
class Digest:
    root: UnitRow
    period: Period
    by_commune: bool
    completeness: Completeness
    groups: list[GroupLine]
    missing: list[Missing]
    categories: dict[str, tuple[int, int]]
    confidential: int
    urgent: list[IncidentRow]
    urgent_confidential: int
    open_by_status: dict[IncidentStatus, int]
    open_listed: list[IncidentRow]
    open_confidential: int
    activities: list[tuple[str, int, int]]
    dormant: list[Dormant]
    overlaps: list[Overlap]
    units: dict[int, UnitRow]
    models: list[ModelRow] = field(default_factory=list)
    hamlets: list[UnitRow] = field(default_factory=list)
    sheet_weeks: tuple[str, ...] = ()
    chart_weeks: tuple[str, ...] = ()
    chart_categories: dict[str, list[int]] = field(default_factory=dict)
    chart_completeness: dict[int, list[float | None]] = field(default_factory=dict)
    cells: dict[tuple[int, str], HamletWeek] = field(default_factory=dict)
    previous_completeness: Completeness = field(default_factory=Completeness)
    reports_by_kind: dict[ReportKind, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.completeness.expected == 0 and not any(n for n, _ in self.categories.values())

    @property
    def single_hamlet(self) -> UnitRow | None:
        """The one hamlet expected to report, when there is only one."""
        return self.hamlets[0] if len(self.hamlets) == 1 else None
