"""Every declared action for every kind of person: allowed does it; refused changes nothing
and says nothing about another unit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import alerts, digest_delivery, reminders
from handlers.access import BUTTONS, COMMANDS, MENU, Audience, Scope
from handlers.flows import linking, officer, standing
from handlers.flows.menu import STARTERS
from handlers.i18n import Translator
from handlers.messages import OutMessage
from handlers.periods import week_period
from storage import people, units
from storage.clock import iso_week
from storage.enums import Channel, Role, UnitKind
from storage.models import (
    Conversation,
    Identity,
    IncidentEvent,
    InviteCode,
    ModelInstance,
    Person,
    ReminderPause,
    Report,
    ReportChange,
    RoleAssignment,
    UnitSettings,
    UrgentAlert,
)
from tests.access_matrix import PERSONAS, TARGET_HAMLET, allowed, render
from tests.support import HEAD, Harness, labels, text_of

ROOT = Path(__file__).resolve().parents[1]
REFUSED = str(Translator("vi")("officer.refused"))
# An officer asking about a unit outside their area is refused in their own words.
OUTSIDE = str(Translator("vi")("officer.unit_outside_area"))
# A link question is answered only by the one it asks; anyone else is told so.
NOT_ASKED = str(Translator("vi")("link.not_yours"))
WATCHED = (
    Report, ReportChange, IncidentEvent, UrgentAlert, RoleAssignment, InviteCode,
    ModelInstance, UnitSettings, ReminderPause, Person,
)  # fmt: skip
SECRETS = (TARGET_HAMLET, "Hoàng Văn Thào", "Lý Thị Mai")


async def add_admin(h: Harness) -> None:
    async with h.sessions() as session, session.begin():
        province = await units.resolve(session, "19", (UnitKind.PROVINCE,))
        person = Person(full_name="Quản Trị Viên", created_at=h.clock())
        session.add(person)
        await session.flush()
        await people.assign(session, person.id, province.id, Role.ADMIN, h.clock())
        session.add(
            Identity(
                person_id=person.id,
                channel=Channel.CONSOLE,
                external_id="test-admin",
                chat_key="test-admin",
            )
        )


async def state(session: AsyncSession) -> tuple[object, ...]:
    counts = [
        (await session.execute(select(func.count()).select_from(model))).scalar_one()
        for model in WATCHED
    ]
    statuses = (await session.execute(select(Report.id, Report.status).order_by(Report.id))).all()
    return (*counts, tuple(statuses))


async def snapshot(h: Harness) -> tuple[object, ...]:
    async with h.sessions() as session:
        return await state(session)


async def where(h: Harness, user: str) -> str:
    async with h.sessions() as session:
        row = (
            await session.execute(
                select(Conversation.flow, Conversation.step)
                .join(Identity, Identity.id == Conversation.identity_id)
                .where(Identity.external_id == user)
            )
        ).one()
        return f"{row[0]}/{row[1]}"


def assert_refused(
    replies: list[OutMessage], before: object, after: object, *, officer: bool = False
) -> None:
    text = text_of(replies)
    assert REFUSED in text or NOT_ASKED in text or (officer and OUTSIDE in text)
    assert after == before
    for secret in SECRETS:
        assert secret not in text


async def link_asked_of(h: Harness, holder: str) -> str:
    """The token of the question asking `holder` whether a new account may share their role."""
    issued = text_of(await h.say(holder, "/lienket"))
    code = issued.split("/lienket ")[1].split()[0]
    await h.say("link-asker", f"/lienket {code}")
    asked = await h.read(holder)
    assert "muốn liên kết" in text_of(asked)
    token = asked[-1].choice_token
    assert token is not None
    return token


async def urgent_report(h: Harness) -> int:
    await h.say(HEAD, "/menu")
    await h.tap(HEAD, "Báo sự việc")
    await h.tap(HEAD, "An ninh trật tự")
    await h.tap(HEAD, "Khẩn cấp")
    await h.say(HEAD, "Có người lạ cạy cửa kho thóc")
    await h.tap(HEAD, "Hôm nay")
    await h.tap(HEAD, "Bỏ qua")
    await h.tap(HEAD, "Bỏ qua")
    await h.tap(HEAD, "Gửi báo cáo")
    return (await h.reports())[-1].id


async def test_every_action_of_the_code_is_declared() -> None:
    assert set(STARTERS) == {key for keys in MENU.values() for key in keys}
    assert set(officer.COMMANDS) <= set(COMMANDS)
    assert set(BUTTONS) == {kind.prefix for kind in standing.KINDS}


async def test_each_menu_is_what_the_declaration_says(harness: Harness) -> None:
    await add_admin(harness)
    t = Translator("vi")
    starters = STARTERS
    for persona in PERSONAS:
        shown = await harness.say(persona.user, "/menu")
        expected = [str(t(starters[key][0])) for key in MENU[persona.audience]]
        assert labels(shown[-1]) == expected, persona.key


async def test_menu_actions_of_other_audiences_do_nothing(harness: Harness) -> None:
    await add_admin(harness)
    t = Translator("vi")
    starters = STARTERS
    every_key = {key for keys in MENU.values() for key in keys}
    for persona in PERSONAS:
        own = set(MENU[persona.audience])
        for key in sorted(every_key - own):
            label = str(t(starters[key][0]))
            if label in {str(t(starters[k][0])) for k in own}:
                continue  # the same words name one of this person's own actions
            menu = await harness.say(persona.user, "/menu")
            before = await snapshot(harness)
            replies = await harness.say(persona.user, label)
            assert await snapshot(harness) == before, (persona.key, key)
            # The menu's first line names the person themself (the head is Hoàng Văn Thào).
            said = text_of(replies).replace(menu[-1].text.split("\n")[0], "")
            for secret in SECRETS[1:]:
                assert secret not in said, (persona.key, key)


async def test_commands_cell_by_cell(harness: Harness) -> None:
    await add_admin(harness)
    for persona in PERSONAS:
        for command, scope in COMMANDS.items():
            if command in ("/start", "/huy", "/menu"):
                continue  # every step of every test uses these
            await harness.say(persona.user, "/huy")
            line = f"{command} {TARGET_HAMLET}" if scope is Scope.OFFICER_ABOVE else command
            before = await snapshot(harness)
            replies = await harness.say(persona.user, line)
            if allowed(scope, persona):
                assert REFUSED not in text_of(replies), (persona.key, command)
                if scope is Scope.OFFICER_ABOVE:
                    assert TARGET_HAMLET in text_of(replies), (persona.key, command)
            else:
                officer = persona.audience is Audience.OFFICER
                assert_refused(replies, before, await snapshot(harness), officer=officer)


async def test_buttons_outside_the_conversation_cell_by_cell(harness: Harness) -> None:
    await add_admin(harness)
    report_id = await urgent_report(harness)
    async with harness.sessions() as session:
        hamlet = await units.resolve(session, TARGET_HAMLET, (UnitKind.HAMLET,))
    week = iso_week(harness.clock().astimezone(harness.engine_tz))
    presses = {
        alerts.token(report_id)[0]: (alerts.token(report_id), "note", "followup/note"),
        reminders.TOKEN_PREFIX: (reminders.token(week, hamlet.id), "inc", "incident/category"),
        digest_delivery.TOKEN_PREFIX: (
            digest_delivery.token(hamlet.id, week_period(week)),
            "open",
            "open_incidents/open",
        ),
        linking.TOKEN_PREFIX: (await link_asked_of(harness, "demo-officer"), "no", "menu/main"),
    }
    for persona in PERSONAS:
        for prefix, button in BUTTONS.items():
            token, choice, lands_at = presses[prefix]
            await harness.say(persona.user, "/huy")
            before = await snapshot(harness)
            replies = await harness.event(
                persona.user, kind="choice", choice_token=token, choice_id=choice
            )
            if allowed(button.scope, persona):
                assert await where(harness, persona.user) == lands_at, (persona.key, prefix)
            else:
                assert_refused(replies, before, await snapshot(harness))
                assert await where(harness, persona.user) == "menu/main", (persona.key, prefix)


def test_the_documented_table_is_the_declared_one() -> None:
    document = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert render() in document


def test_personas_cover_every_scope() -> None:
    for scope in Scope:
        verdicts = {allowed(scope, persona) for persona in PERSONAS}
        assert verdicts == ({True} if scope is Scope.EVERYONE else {True, False}), scope


async def test_exports_and_confidential_views_are_audited(harness: Harness) -> None:
    from storage.models import AuditEntry

    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "Tệ nạn xã hội")
    await harness.tap(HEAD, "Không khẩn")
    await harness.say(HEAD, "Nghi có điểm bán ma túy ở bãi sông")
    await harness.tap(HEAD, "Hôm nay")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    report_id = (await harness.reports())[-1].id

    officer_user = "demo-officer"
    await harness.say(officer_user, "/menu")
    await harness.tap(officer_user, "Xuất Excel")
    await harness.tap(officer_user, "Tháng này")
    await harness.say(officer_user, "/sukien")
    listed = harness.last[officer_user]
    line = next(c.label for c in listed.choices if c.label.startswith(f"#{report_id}"))
    await harness.tap(officer_user, line)

    async with harness.sessions() as session:
        officer_id = (
            await session.execute(
                select(Identity.person_id).where(Identity.external_id == officer_user)
            )
        ).scalar_one()
        entries = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.subject, AuditEntry.person_id).order_by(
                    AuditEntry.id
                )
            )
        ).all()
    assert ("view_confidential", f"report:{report_id}", officer_id) in entries
    assert any(a == "export" and p == officer_id for a, _, p in entries)
