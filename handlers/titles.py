"""What to call a person and their role: "trưởng thôn Nà Phải", "đồng chí Nông Thị Hoa".

We never know a person's gender, so hamlet heads, deputies and residents are "anh/chị" and
officers "đồng chí", always with the full name: the last word of a name typed in Western
order or a nickname is not a given name, and the full name is never wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from handlers.i18n import Translator
from storage.enums import Role
from storage.models import Unit
from storage.people import ActiveRole
from storage.text import fold

# Divisions of a town whose head is "tổ trưởng tổ dân phố", not "trưởng <division>".
STREET_DIVISIONS = frozenset({"pho", "to dan pho", "to"})
OFFICE_ROLES = (Role.OFFICER, Role.ADMIN)


def role_word(t: Translator, role: Role, unit: Unit) -> Markup:
    """The role's name for this kind of unit: trưởng bản, tổ trưởng tổ dân phố, cán bộ MTTQ."""
    street = fold(unit.division_type) in STREET_DIVISIONS
    key = {
        Role.REPORTER: "title.head_street" if street else "title.head",
        Role.DEPUTY: "title.deputy_street" if street else "title.deputy",
        Role.OFFICER: "title.officer",
        Role.ADMIN: "title.admin",
    }[role]
    return t(key, division=unit.division_type)


def role_title(t: Translator, role: Role, unit: Unit) -> Markup:
    """The role at this unit: trưởng thôn Nà Phải, cán bộ MTTQ xã Phủ Thông."""
    place = unit.label if role in OFFICE_ROLES else unit.name
    return t("title.at", role=role_word(t, role, unit), place=place)


def addressed(t: Translator, name: str, roles: Sequence[Role]) -> Markup:
    """The person's name with the form of address their role calls for."""
    comrade = any(role in OFFICE_ROLES for role in roles)
    return t("title.comrade" if comrade else "title.person", name=name)


def capitalized(text: Markup | str) -> Markup:
    text = escape(text)
    return Markup(text[:1].upper()) + Markup(text[1:])


def who_am_i(t: Translator, name: str, roles: Sequence[ActiveRole]) -> Markup:
    """The menu's header: "Anh/chị Hoàng Văn Thào — trưởng thôn Nà Phải"."""
    titles = Markup(", ").join(role_title(t, active.role, active.unit) for active in roles)
    who = capitalized(addressed(t, name, [active.role for active in roles]))
    return t("title.header", who=who, titles=titles)
