"""Who may do what: the one declaration that menus, commands and buttons are checked against.

`tests/test_access.py` runs every action here for every kind of person and compares what
happened with what is declared; `docs/reliability.md` shows the table it is generated from.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from handlers.context import REPORTER_ROLES, Ctx
from storage.enums import Role
from storage.models import Unit
from storage.people import ActiveRole

OFFICER_ROLES = (Role.OFFICER, Role.ADMIN)


class Audience(StrEnum):
    """The three kinds of person the bot serves; a role decides which one someone is."""

    RESIDENT = "resident"
    REPORTER = "reporter"
    OFFICER = "officer"


def audience_for(roles: Collection[Role]) -> Audience:
    """A hamlet's head or deputy is a reporter even if also an officer: the hamlet comes first."""
    if set(REPORTER_ROLES).intersection(roles):
        return Audience.REPORTER
    if set(OFFICER_ROLES).intersection(roles):
        return Audience.OFFICER
    return Audience.RESIDENT


def audience_of(ctx: Ctx) -> Audience:
    return audience_for([active.role for active in ctx.roles])


class Need(StrEnum):
    """Who may be in a conversation; the router checks it before every step."""

    ANYONE = "anyone"
    REPORTER = "a hamlet's head or deputy"
    OFFICER = "an officer of a unit"


class NotAllowed(Exception):
    """The person may not do this (a role ended mid-way, a unit outside their own): the
    router answers with a polite no and nothing else."""


def admits(ctx: Ctx, need: Need) -> bool:
    if need is Need.REPORTER:
        return ctx.hamlet is not None
    if need is Need.OFFICER:
        return bool(officer_units(ctx))
    return True


def officer_units(ctx: Ctx) -> list[Unit]:
    """The units this person is an officer of, once each, in the order given."""
    return officer_units_of(ctx.roles)


def officer_units_of(roles: Iterable[ActiveRole]) -> list[Unit]:
    """`officer_units` outside a conversation (the officers' web pages)."""
    found: dict[int, Unit] = {}
    for active in roles:
        if active.role in OFFICER_ROLES:
            found.setdefault(active.unit.id, active.unit)
    return list(found.values())


def acting_unit(ctx: Ctx) -> Unit | None:
    """The unit the officer acts for: the one they chose (kept on the person), else the first."""
    units = officer_units(ctx)
    chosen = next((u for u in units if u.id == ctx.person.acting_unit_id), None)
    return chosen or next(iter(units), None)


def office(ctx: Ctx) -> Unit:
    """The officer's acting unit, in a step the router has let only officers reach."""
    unit = acting_unit(ctx)
    if unit is None:
        raise NotAllowed
    return unit


def hamlet_of(ctx: Ctx) -> Unit:
    """The reporter's hamlet, in a step the router has let only reporters reach."""
    hamlet = ctx.hamlet
    if hamlet is None:
        raise NotAllowed
    return hamlet


# Each audience's menu, in the order shown.
MENU: dict[Audience, tuple[str, ...]] = {
    Audience.REPORTER: ("inc", "act", "ok", "mine", "guides", "pause", "me", "help"),
    Audience.OFFICER: (
        "sum", "missing", "open", "unit", "xlsx", "docx", "web", "invite", "models", "settings",
        "guides", "reload", "me", "help",
    ),
    Audience.RESIDENT: ("guides", "here", "head", "code", "help"),
}  # fmt: skip


class Scope(StrEnum):
    """Whom an action that names a unit or a report is open to."""

    EVERYONE = "everyone"
    OFFICER = "any officer, for their own unit"
    OFFICER_ABOVE = "an officer of a unit above it"
    REPORTER_OF = "its hamlet's head or deputy"
    ASKED = "the role holder it asks"


@dataclass(frozen=True)
class Targeted:
    """An action on a named unit, report or week, from any step."""

    name: str
    scope: Scope


# Commands typed at any step; officers' commands act on a unit of their own subtree.
COMMANDS: dict[str, Scope] = {
    "/start": Scope.EVERYONE,
    "/huy": Scope.EVERYONE,
    "/menu": Scope.EVERYONE,
    "/trogiup": Scope.EVERYONE,
    "/lienket": Scope.EVERYONE,
    "/quyenriengtu": Scope.EVERYONE,
    "/dulieu": Scope.EVERYONE,
    "/tonghop": Scope.OFFICER_ABOVE,
    "/chuabao": Scope.OFFICER,
    "/sukien": Scope.OFFICER,
    "/xuatexcel": Scope.OFFICER,
    "/web": Scope.OFFICER,
}

# Buttons of standing messages (handlers/flows/standing.py), by the first letter of their token.
BUTTONS: dict[str, Targeted] = {
    "r": Targeted("urgent alert: Đã nhận / Đang xử lý / Đã xử lý / Ghi chú", Scope.OFFICER_ABOVE),
    "w": Targeted(
        "reminder: Tuần này bình thường / Báo sự việc / Tạm dừng nhắc", Scope.REPORTER_OF
    ),
    "d": Targeted("digest: Thôn chưa báo cáo / Sự việc đang mở / Tải Excel", Scope.OFFICER_ABOVE),
    "k": Targeted("link question: Đồng ý liên kết / Không phải tôi", Scope.ASKED),
}
