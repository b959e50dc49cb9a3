"""Part II of the Front's report, the self-management models: per type the models that ran,
active and dormant, their activities, people and organizations; then the models started and
stopped in the period, and one type run by several organizations in a hamlet."""

from __future__ import annotations

from handlers.digest_models import ModelTypeLine
from handlers.report_parts import Drafting, Section, Table, inline, listed, plain
from storage.digests import ModelRow

MODEL_COLUMNS = ("type", "count", "active", "dormant", "activities", "people", "organizations")


def self_management(report: Drafting) -> Section:
    t = report.t
    table = Table(
        headings=tuple(plain(t(f"report.models_{column}")) for column in MODEL_COLUMNS),
        rows=tuple(_model_row(line) for line in report.models),
        total=_model_total(report) if report.models else None,
    )
    after = [*_started_and_stopped(report), *_overlaps(report)]
    if not report.models:
        return Section(
            plain(t("report.section_models")),
            (plain(t("report.no_models", period=report.period_text)),),
        )
    return Section(
        plain(t("report.section_models")),
        (plain(t("report.models_intro", period=report.period_text)),),
        table=table,
        after_table=tuple(after),
    )


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


def _model_total(report: Drafting) -> tuple[str, ...]:
    lines = report.models
    return (
        plain(report.t("report.total")),
        str(sum(m.models for m in lines)),
        str(sum(m.active for m in lines)),
        str(sum(m.dormant for m in lines)),
        str(sum(m.activities for m in lines)),
        str(sum(m.people for m in lines)),
        "",
    )


def _model_item(report: Drafting, model: ModelRow) -> str:
    return plain(
        report.t(
            "report.model_item",
            model=model.type_name,
            hamlet=report.where(model.hamlet_id),
            organization=model.organization,
        )
    )


def _started_and_stopped(report: Drafting) -> list[str]:
    t = report.t
    started = [_model_item(report, m) for line in report.models for m in line.started]
    stopped = [_model_item(report, m) for line in report.models for m in line.stopped]
    return [
        plain(t("report.models_started", count=len(started), items=inline(t, started)))
        if started
        else plain(t("report.models_none_started")),
        plain(t("report.models_stopped", count=len(stopped), items=inline(t, stopped)))
        if stopped
        else plain(t("report.models_none_stopped")),
    ]


def _overlaps(report: Drafting) -> list[str]:
    t, overlaps = report.t, report.digest.overlaps
    if not overlaps:
        return [plain(t("report.no_overlaps"))]
    return [
        plain(t("report.overlaps_title", count=len(overlaps))),
        *listed(
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
                for o in overlaps
            ],
        ),
    ]
