"""Binding an account to a hamlet with an invite code."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.messages import OutMessage
from storage import invites, units
from storage.enums import Role, UnitKind
from storage.models import Identity, Person, RoleAssignment
from tests.support import Harness, labels, text_of


async def make_invite(
    h: Harness, unit: str = "Nà Phải", role: Role = Role.REPORTER, days: int = 7, uses: int = 1
) -> str:
    async with h.sessions() as session, session.begin():
        hamlet = await units.resolve(session, unit)
        invite = await invites.create(
            session,
            unit_id=hamlet.id,
            role=role,
            now=h.clock(),
            valid_for=timedelta(days=days),
            max_uses=uses,
        )
        return invite.code


async def join(
    h: Harness, user: str, code: str, display_name: str | None = None
) -> list[OutMessage]:
    """Open the invite link and agree to the privacy notice, as a newcomer does."""
    await h.event(user, kind="text", text=f"/start {code}", display_name=display_name)
    return await h.tap(user, "Đồng ý")


async def test_start_with_code_binds_and_asks_the_name(harness: Harness) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    replies = await join(harness, "user-1", code, display_name="Bàn Văn Tú")
    assert "trưởng thôn" in text_of(replies)
    assert "Khuổi Bốc" in text_of(replies)
    assert labels(replies[-1]) == ["Giữ tên: Bàn Văn Tú"]
    asked = await harness.say("user-1", "Bàn Văn Tú A")
    assert "Cảm ơn Bàn Văn Tú A" in text_of(asked)
    assert labels(asked[-1]) == ["Bỏ qua"]
    done = await harness.say("user-1", "bỏ qua")
    assert "Báo sự việc" in labels(done[-1])
    async with harness.sessions() as session:
        person = (
            await session.execute(
                select(Person)
                .join(Identity, Identity.person_id == Person.id)
                .where(Identity.external_id == "user-1")
            )
        ).scalar_one()
        assert person.full_name == "Bàn Văn Tú A"
        current = (
            await session.execute(
                select(RoleAssignment).where(
                    RoleAssignment.person_id == person.id, RoleAssignment.valid_to.is_(None)
                )
            )
        ).scalar_one()
        assert current.role is Role.REPORTER


async def test_a_new_hamlet_head_ends_the_previous_one_and_keeps_history(harness: Harness) -> None:
    code = await make_invite(harness, "Nà Thoi")
    await harness.say("user-2", code.lower()[:4] + " " + code.lower()[4:])
    await harness.tap("user-2", "Đồng ý")
    async with harness.sessions() as session:
        hamlet = await units.resolve(session, "Na Thoi", (UnitKind.HAMLET,))
        rows = (
            (
                await session.execute(
                    select(RoleAssignment)
                    .where(
                        RoleAssignment.unit_id == hamlet.id, RoleAssignment.role == Role.REPORTER
                    )
                    .order_by(RoleAssignment.id)
                )
            )
            .scalars()
            .all()
        )
    assert len(rows) == 2
    assert rows[0].valid_to is not None and rows[1].valid_to is None


async def test_wrong_used_and_expired_codes_are_refused(harness: Harness) -> None:
    wrong = await harness.say("user-3", "/start ZZZZ9999")
    assert "không đúng" in text_of(wrong)

    code = await make_invite(harness, uses=1)
    await join(harness, "user-4", code)
    used = await harness.say("user-5", f"/start {code}")
    assert "đã được dùng" in text_of(used)

    expiring = await make_invite(harness, days=1)
    harness.clock.advance(days=2)
    expired = await harness.say("user-6", f"/start {expiring}")
    assert "hết hạn" in text_of(expired)

    async with harness.sessions() as session:
        bound = (
            await session.execute(
                select(Identity.external_id)
                .join(RoleAssignment, RoleAssignment.person_id == Identity.person_id)
                .where(Identity.external_id.in_(["user-3", "user-5", "user-6"]))
            )
        ).all()
    assert bound == []


async def test_code_typed_from_the_menu(harness: Harness) -> None:
    code = await make_invite(harness, "Pác Nà", role=Role.DEPUTY)
    menu = await harness.say("user-7", "/start")
    assert "trợ lý tự động" in text_of(menu)
    await harness.tap("user-7", "Nhập mã mời")
    bad = await harness.say("user-7", "abc")
    assert "8 chữ và số" in text_of(bad)
    bound = await harness.say("user-7", code)
    assert "phó thôn" in text_of(bound)


async def test_guessing_codes_is_slowed_down_and_a_good_code_waits(harness: Harness) -> None:
    code = await make_invite(harness, "Bản Châng", role=Role.DEPUTY)
    for attempt in range(5):
        wrong = await harness.say("user-8", f"/start ZZZZ{attempt:04d}")
        assert "không đúng" in text_of(wrong)
    blocked = await harness.say("user-8", f"/start {code}")
    assert "quá nhiều lần" in text_of(blocked)
    async with harness.sessions() as session:
        invite = await invites.find(session, code)
        assert invite is not None and invite.uses == 0
    harness.clock.advance(minutes=11)
    bound = await harness.say("user-8", f"/start {code}")
    assert "phó thôn" in text_of(bound)
