"""The annex of the Front's report: per hamlet under a commune, per commune above one, the
hamlet-weeks expected, reported and on time, and the rate; the workbook sent with it lists
every report."""

from __future__ import annotations

from handlers.digest_contents import Completeness
from handlers.digest_text import percent
from handlers.report_parts import Drafting, Section, Table, plain
from storage.digests import UnitRow


def annex(report: Drafting) -> Section:
    t, digest = report.t, report.digest
    rows = tuple(_annex_row(report, g.unit, g.completeness) for g in digest.groups)
    key = "report.annex_communes" if digest.by_commune else "report.annex_hamlets"
    unit_heading = "report.annex_unit_commune" if digest.by_commune else "report.annex_unit"
    return Section(
        plain(t(key, period=report.period_text)),
        table=Table(
            headings=(
                plain(t(unit_heading)),
                plain(t("report.annex_expected")),
                plain(t("report.annex_reported")),
                plain(t("report.annex_on_time")),
                plain(t("report.annex_rate")),
            ),
            rows=rows,
            total=_annex_row(report, None, digest.completeness) if rows else None,
        ),
        after_table=(plain(t("report.annex_workbook")),),
    )


def _annex_row(report: Drafting, unit: UnitRow | None, c: Completeness) -> tuple[str, ...]:
    name = unit.label if unit is not None else plain(report.t("report.total"))
    return (name, str(c.expected), str(c.reported), str(c.on_time), f"{percent(c.rate)}%")
