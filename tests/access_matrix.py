"""The access table: every action the code declares, for every kind of person, as declared.

`tests/test_access.py` checks each cell against what the bot does; `docs/reliability.md`
holds the same table, rendered by `render()` (a test keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.access import BUTTONS, COMMANDS, MENU, Audience, Scope
from handlers.i18n import Translator

TARGET_HAMLET = "Nà Phải"


@dataclass(frozen=True)
class Persona:
    key: str
    title: str
    user: str
    audience: Audience
    above_target: bool = False
    reports_for_target: bool = False
    asked_to_link: bool = False


PERSONAS = (
    Persona("stranger", "stranger (first message)", "user-900", Audience.RESIDENT),
    Persona("resident", "resident", "demo-resident", Audience.RESIDENT),
    Persona("head", "hamlet head of X", "demo-hamlet-head", Audience.REPORTER,
            reports_for_target=True),
    Persona("deputy", "deputy of X", "demo-deputy", Audience.REPORTER, reports_for_target=True),
    Persona("officer", "officer of commune Y (X's)", "demo-officer", Audience.OFFICER,
            above_target=True, asked_to_link=True),
    Persona("other", "officer of another commune", "demo-other-officer", Audience.OFFICER),
    Persona("province", "province officer", "demo-province-officer", Audience.OFFICER,
            above_target=True),
    Persona("admin", "admin (province)", "test-admin", Audience.OFFICER, above_target=True),
)  # fmt: skip


@dataclass(frozen=True)
class Cell:
    action: str
    persona: Persona
    allowed: bool


def allowed(scope: Scope, persona: Persona) -> bool:
    if scope is Scope.EVERYONE:
        return True
    if scope is Scope.OFFICER:
        return persona.audience is Audience.OFFICER
    if scope is Scope.OFFICER_ABOVE:
        return persona.above_target
    if scope is Scope.ASKED:
        return persona.asked_to_link
    return persona.reports_for_target


def menu_actions() -> list[str]:
    seen: dict[str, None] = {}
    for keys in MENU.values():
        seen.update(dict.fromkeys(keys))
    return list(seen)


def rows() -> list[tuple[str, list[bool]]]:
    t = Translator("vi")
    from handlers.flows.menu import STARTERS

    labels = {key: str(t(label)) for key, (label, _) in STARTERS.items()}
    table: list[tuple[str, list[bool]]] = []
    for key in menu_actions():
        audiences = {audience for audience, keys in MENU.items() if key in keys}
        table.append((f"menu: {labels[key]}", [p.audience in audiences for p in PERSONAS]))
    for command, scope in COMMANDS.items():
        target = f" {TARGET_HAMLET}" if scope is Scope.OFFICER_ABOVE else ""
        table.append((f"`{command}{target}`", [allowed(scope, p) for p in PERSONAS]))
    for button in BUTTONS.values():
        table.append((f"button: {button.name} (X)", [allowed(button.scope, p) for p in PERSONAS]))
    return table


def render() -> str:
    header = "| action | " + " | ".join(p.title for p in PERSONAS) + " |"
    rule = "|---|" + "---|" * len(PERSONAS)
    lines = [header, rule]
    for action, cells in rows():
        lines.append(f"| {action} | " + " | ".join("✓" if c else "✗" for c in cells) + " |")
    return "\n".join(lines)
