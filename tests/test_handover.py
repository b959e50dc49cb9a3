"""Hand-over is explicit: inviting a head for a hamlet that has one asks whether the newcomer
replaces them or becomes a deputy; on binding the old head and the inviting officer are told."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.messages import OutMessage
from storage import invites
from storage.enums import Role
from storage.models import InviteCode, RoleAssignment, Unit
from tests.cli import tuquan
from tests.support import DEPUTY, HEAD, OFFICER, Harness, labels, text_of
from tests.test_onboarding import join


async def _roles(h: Harness, user: str) -> list[tuple[Role, str, bool]]:
    """(role, unit name, still held) of every assignment the person ever had."""
    person = await h.person(user)
    async with h.sessions() as session:
        rows = await session.execute(
            select(RoleAssignment.role, Unit.name, RoleAssignment.valid_to.is_(None))
            .join(Unit, Unit.id == RoleAssignment.unit_id)
            .where(RoleAssignment.person_id == person.id)
            .order_by(RoleAssignment.id)
        )
        return [(role, name, bool(held)) for role, name, held in rows.all()]


async def _invite_for_na_phai(h: Harness, answer: str) -> tuple[str, list[OutMessage]]:
    """The officer invites a head for Nà Phải and answers the hand-over question."""
    await h.say(OFFICER, "/menu")
    await h.tap(OFFICER, "Mời người dùng")
    await h.tap(OFFICER, "trưởng thôn (người báo cáo)")
    asked = await h.say(OFFICER, "na phai")
    assert "Thôn Nà Phải đang có trưởng thôn Hoàng Văn Thào" in text_of(asked)
    assert labels(asked[-1])[:2] == ["Thay Hoàng Văn Thào làm trưởng thôn", "Làm phó thôn"]
    done = await h.say(OFFICER, answer)
    text = text_of(done)
    return text.split("Mã mời: <b>")[1].split("</b>")[0], done


async def test_a_new_head_replaces_the_old_one_who_keeps_the_reports(harness: Harness) -> None:
    old_head = await harness.person(HEAD)
    reports_before = await harness.reports(reporter_id=old_head.id)
    assert reports_before, "the demo head has reports"
    code, done = await _invite_for_na_phai(harness, "thay")
    assert "Hoàng Văn Thào thôi làm trưởng thôn" in text_of(done)
    async with harness.sessions() as session:
        invite = await invites.find(session, code)
    assert invite is not None and invite.role is Role.REPORTER

    await join(harness, "user-lo", code)
    assert await _roles(harness, HEAD) == [(Role.REPORTER, "Nà Phải", False)]
    told = text_of(await harness.read(HEAD))
    assert (
        "Anh/chị không còn là trưởng thôn Nà Phải từ hôm nay (27/11/2026); "
        "các báo cáo trước vẫn được giữ." in told
    )
    assert "đã nhận vai trò" not in text_of(await harness.read(OFFICER)), "not before the name"

    await harness.say("user-lo", "Lò Văn A")
    assert text_of(await harness.read(OFFICER)) == (
        "Anh/chị Lò Văn A đã nhận vai trò trưởng thôn Nà Phải thay anh/chị Hoàng Văn Thào."
    )
    assert await _roles(harness, "user-lo") == [(Role.REPORTER, "Nà Phải", True)]
    assert [r.id for r in await harness.reports(reporter_id=old_head.id)] == [
        r.id for r in reports_before
    ]
    menu = await harness.say(HEAD, "/menu")
    assert "Báo sự việc" not in labels(menu[-1])


async def test_the_officer_may_invite_a_deputy_beside_the_head(harness: Harness) -> None:
    code, _ = await _invite_for_na_phai(harness, "làm phó thôn")
    async with harness.sessions() as session:
        invite = await invites.find(session, code)
    assert invite is not None and invite.role is Role.DEPUTY
    await join(harness, "user-pho", code)
    await harness.say("user-pho", "Lường Thị Bích")
    assert await _roles(harness, HEAD) == [(Role.REPORTER, "Nà Phải", True)]
    assert await _roles(harness, "user-pho") == [(Role.DEPUTY, "Nà Phải", True)]
    assert text_of(await harness.read(HEAD)) == ""
    assert text_of(await harness.read(OFFICER)) == (
        "Anh/chị Lường Thị Bích đã nhận vai trò phó thôn Nà Phải."
    )


async def test_a_deputy_who_becomes_head_stops_being_deputy(harness: Harness) -> None:
    code, _ = await _invite_for_na_phai(harness, "1")
    await harness.say(DEPUTY, f"/start {code}")
    assert await _roles(harness, DEPUTY) == [
        (Role.DEPUTY, "Nà Phải", False),
        (Role.REPORTER, "Nà Phải", True),
    ]
    assert await _roles(harness, HEAD) == [(Role.REPORTER, "Nà Phải", False)]
    assert "không còn là trưởng thôn Nà Phải" in text_of(await harness.read(HEAD))


async def test_an_answer_that_is_neither_creates_no_invite(harness: Harness) -> None:
    async with harness.sessions() as session:
        before = await session.scalar(select(func.count()).select_from(InviteCode))
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Mời người dùng")
    await harness.tap(OFFICER, "trưởng thôn (người báo cáo)")
    await harness.say(OFFICER, "na phai")
    again = await harness.say(OFFICER, "để mai tính")
    assert "Thôn Nà Phải đang có trưởng thôn Hoàng Văn Thào" in text_of(again)
    async with harness.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InviteCode)) == before


async def test_a_hamlet_without_a_head_is_not_asked(harness: Harness) -> None:
    async with harness.sessions() as session, session.begin():
        hamlet = await session.scalar(select(Unit).where(Unit.name == "Cốc Thử"))
        assert hamlet is not None
        for row in await session.scalars(
            select(RoleAssignment).where(RoleAssignment.unit_id == hamlet.id)
        ):
            row.valid_to = harness.clock()
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Mời người dùng")
    await harness.tap(OFFICER, "trưởng thôn (người báo cáo)")
    done = await harness.say(OFFICER, "coc thu")
    assert "Mã mời:" in text_of(done) and "thôi làm" not in text_of(done)


# The hand-over itself runs on both databases above; this is the command line's side of it.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_command_line_asks_which_hand_over_is_meant(database_url: str) -> None:
    asked = tuquan(
        "invite", "create", "--unit", "na phai", "--role", "reporter", database_url=database_url
    )
    assert asked.returncode == 1 and asked.stdout == ""
    assert "Thôn Nà Phải đang có trưởng thôn Hoàng Văn Thào." in asked.stderr
    assert "--replace" in asked.stderr and "--as-deputy" in asked.stderr

    deputy = tuquan(
        "invite", "create", "--unit", "na phai", "--role", "reporter", "--as-deputy",
        database_url=database_url,
    )  # fmt: skip
    assert deputy.returncode == 0, deputy.stderr
    assert "phó thôn" in deputy.stderr

    replacing = tuquan(
        "invite", "create", "--unit", "na phai", "--role", "reporter", "--replace",
        database_url=database_url,
    )  # fmt: skip
    assert replacing.returncode == 0, replacing.stderr
    assert "Hoàng Văn Thào thôi làm trưởng thôn" in replacing.stderr

    wrong = tuquan(
        "invite", "create", "--unit", "na phai", "--role", "deputy", "--replace",
        database_url=database_url,
    )  # fmt: skip
    assert wrong.returncode == 1 and "chỉ dùng với --role reporter" in wrong.stderr

    chat = tuquan(
        "chat", "--user-id", "77", database_url=database_url,
        stdin=f"/start {deputy.stdout.strip()}\nđồng ý\nLường Văn Pảo\nbỏ qua\n",
    )  # fmt: skip
    assert "vai trò phó thôn của thôn Nà Phải" in chat.stdout
    head = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin="/menu\n")
    assert "không còn là" not in head.stdout, "a deputy's code leaves the head in place"
    replaced = tuquan(
        "chat", "--user-id", "78", database_url=database_url,
        stdin=f"/start {replacing.stdout.strip()}\nđồng ý\nLò Văn Páo\n",
    )  # fmt: skip
    assert "vai trò trưởng thôn của thôn Nà Phải" in replaced.stdout
    gone = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin="/menu\n")
    # Each process's clock starts at the same moment, so the menu may still show the role.
    assert "Anh/chị không còn là trưởng thôn Nà Phải" in gone.stdout
