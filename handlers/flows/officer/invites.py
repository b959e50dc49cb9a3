"""Invites: the officer makes a code for a role in a unit of their subtree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from markupsafe import Markup

from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows import menu
from handlers.flows.officer.common import (
    AS_DEPUTY,
    FLOW,
    HAMLET_ROLES,
    INVITE_DAYS,
    INVITE_ROLES,
    OFFICE_KINDS,
    REPLACE,
    _ask_unit_in,
    _back,
    _picked,
    _refuse,
    _unit_answer,
    unit_of,
)
from handlers.flows.officer.units import _asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.registry import step
from handlers.titles import capitalized, role_word
from storage import alerts as alert_records
from storage import invites, people
from storage.enums import Role, UnitKind
from storage.models import Unit


async def ask_invite_role(ctx: Ctx) -> None:
    if _asks_unit_first(ctx, "invite"):
        return
    options = [Choice(id=r.value, label=str(ctx.t(f"role.{r.value}"))) for r in INVITE_ROLES]
    ctx.legacy_ask(FLOW, "invite_role", ctx.t("officer.ask_invite_role"), [*options, _back(ctx)])


@step(FLOW, "invite_role")
async def on_invite_role(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    if unit is None:
        _refuse(ctx)
        return
    role = Role(chosen)
    ctx.data["role"] = role.value
    kinds = (UnitKind.HAMLET,) if role in HAMLET_ROLES else OFFICE_KINDS
    await _ask_unit_in(ctx, "invite_unit", unit, kinds)


@step(FLOW, "invite_unit")
async def on_invite_unit(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    role = Role(str(ctx.data.get("role")))
    kinds = (UnitKind.HAMLET,) if role in HAMLET_ROLES else OFFICE_KINDS
    target = await _unit_answer(ctx, event, unit, kinds)
    if target is None:
        return
    heads = await _heads_of(ctx, target) if role is Role.REPORTER else []
    if heads:
        _ask_handover(ctx, target, heads)
        return
    await _create_invite(ctx, target, role)


async def _heads_of(ctx: Ctx, hamlet: Unit) -> list[str]:
    return [
        p.full_name for p in await people.holders(ctx.session, hamlet.id, Role.REPORTER, ctx.now)
    ]


def _ask_handover(ctx: Ctx, hamlet: Unit, heads: list[str]) -> None:
    """A hamlet has one head: the officer says whether the newcomer replaces them."""
    names, head = ", ".join(heads), role_word(ctx.t, Role.REPORTER, hamlet)
    question = ctx.t("officer.ask_handover", unit=capitalized(hamlet.label), role=head, name=names)
    options = [
        Choice(id=REPLACE, label=str(ctx.t("officer.handover_replace", name=names, role=head))),
        Choice(
            id=AS_DEPUTY,
            label=str(
                ctx.t("officer.handover_deputy", deputy=role_word(ctx.t, Role.DEPUTY, hamlet))
            ),
        ),
    ]
    ctx.data["unit_id"] = hamlet.id
    ctx.legacy_ask(FLOW, "invite_handover", question, [*options, _back(ctx)])


@step(FLOW, "invite_handover")
async def on_invite_handover(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    unit = unit_of(ctx)
    hamlet = await ctx.session.get(Unit, int(ctx.data.get("unit_id") or 0))
    if (
        unit is None
        or hamlet is None
        or not await alert_records.in_subtree(ctx.session, unit.id, hamlet.id)
    ):
        _refuse(ctx)
        return
    await _create_invite(ctx, hamlet, Role.REPORTER if chosen == REPLACE else Role.DEPUTY)


async def _create_invite(ctx: Ctx, target: Unit, role: Role) -> None:
    invite = await invites.create(
        ctx.session,
        unit_id=target.id,
        role=role,
        now=ctx.now,
        valid_for=timedelta(days=INVITE_DAYS),
        created_by_person_id=ctx.person.id,
    )
    parts = [
        ctx.t(
            "officer.invite_code",
            code=invite.code,
            role=ctx.t(f"role.{role.value}"),
            unit=target.label,
            until=ctx.t.date(invite.expires_at.astimezone(ctx.tz).date()),
        )
    ]
    heads = await _heads_of(ctx, target) if role is Role.REPORTER else []
    if heads:
        head = role_word(ctx.t, Role.REPORTER, target)
        parts.append(ctx.t("officer.invite_replaces", name=", ".join(heads), role=head))
    menu.show(ctx, Markup("\n").join(parts))


# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
