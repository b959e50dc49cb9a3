"""Joining asks for informed, explicit consent before anything is kept; anyone may read the
privacy notice (/quyenriengtu) and see what the bot holds about them (/dulieu)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage import invites, privacy, units
from storage.db import create_engine, session_factory
from storage.enums import Role
from storage.models import AuditEntry, Conversation, Identity, Person, Report
from storage.retention import RetentionPolicy
from tests.cli import PROCESS_CLOCK, tuquan
from tests.databases import SEED_TIME
from tests.support import DEPUTY, HEAD, OFFICER, RESIDENT, Harness, labels, text_of
from tests.test_onboarding import make_invite

NEWCOMER = "user-consent"


async def uses_of(h: Harness, code: str) -> int:
    async with h.sessions() as session:
        invite = await invites.find(session, code)
        assert invite is not None
        return invite.uses


async def draft_of(h: Harness, user: str) -> dict[str, object]:
    async with h.sessions() as session:
        found = await session.scalar(
            select(Conversation)
            .join(Identity, Identity.id == Conversation.identity_id)
            .where(Identity.external_id == user)
        )
        assert found is not None
        return {key: value for key, value in found.data.items() if key != "_prompt"}


async def test_a_newcomer_is_told_what_is_kept_and_asked_before_anything(
    harness: Harness,
) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    replies = await harness.event(
        NEWCOMER, kind="text", text=f"/start {code}", display_name="Bàn Văn Tú"
    )
    asked = replies[-1]
    assert labels(asked) == ["Đồng ý", "Không đồng ý"]
    assert "trưởng thôn của thôn Khuổi Bốc" in asked.text
    assert "Bot lưu họ tên, số điện thoại, các báo cáo anh/chị gửi và nơi xảy ra" in asked.text
    assert "Ủy ban Mặt trận Tổ quốc Việt Nam xã Bạch Thông" in asked.text
    assert "báo cáo được giữ 5 năm" in asked.text
    assert "máy chủ của Telegram (ở nước ngoài) hoặc của Zalo" in asked.text
    assert "/quyenriengtu" in asked.text
    assert await harness.step_of(NEWCOMER) == "onboarding/consent"
    assert await harness.roles_of(NEWCOMER) == []
    assert await uses_of(harness, code) == 0


async def test_agreeing_records_when_and_which_notice_then_joining_goes_on(
    harness: Harness,
) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    await harness.event(NEWCOMER, kind="text", text=f"/start {code}", display_name="Bàn Văn Tú")
    harness.clock.advance(minutes=3)
    agreed = await harness.tap(NEWCOMER, "Đồng ý")
    assert "Đã xác nhận vai trò trưởng thôn" in text_of(agreed)
    assert labels(agreed[-1]) == ["Giữ tên: Bàn Văn Tú"]
    person = await harness.person(NEWCOMER)
    assert person.consented_at == harness.clock()
    assert person.consent_version == privacy.NOTICE_VERSION == "2026-12"
    assert await harness.roles_of(NEWCOMER) == [Role.REPORTER]
    assert await uses_of(harness, code) == 1


@pytest.mark.parametrize("typed", ["có", "đồng ý", "Đồng ý.", "ok", "dong y", "1"])
async def test_a_typed_yes_is_consent(harness: Harness, typed: str) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    await harness.say(NEWCOMER, f"/start {code}")
    await harness.say(NEWCOMER, typed)
    assert (await harness.person(NEWCOMER)).consent_version == privacy.NOTICE_VERSION
    assert await harness.step_of(NEWCOMER) == "onboarding/name"


async def test_refusing_gives_no_role_and_keeps_no_name_nor_phone(harness: Harness) -> None:
    officer = await harness.person(OFFICER)
    async with harness.sessions() as session, session.begin():
        hamlet = await units.resolve(session, "Khuổi Bốc")
        code = (
            await invites.create(
                session,
                unit_id=hamlet.id,
                role=Role.REPORTER,
                now=harness.clock(),
                created_by_person_id=officer.id,
            )
        ).code
    await harness.event(NEWCOMER, kind="text", text=f"/start {code}", display_name="Bàn Văn Tú")
    refused = await harness.tap(NEWCOMER, "Không đồng ý")
    said = text_of(refused)
    assert "Bot không nhận vai trò và không lưu thêm gì về anh/chị" in said
    assert "đồng chí Nông Thị Hoa, người gửi mã mời" in said
    assert "Nhập mã mời" in labels(refused[-1])
    assert await harness.step_of(NEWCOMER) == "menu/main"
    assert await harness.roles_of(NEWCOMER) == []
    assert await uses_of(harness, code) == 0
    person = await harness.person(NEWCOMER)
    assert (person.full_name, person.phone, person.share_phone) == ("Bàn Văn Tú", None, False)
    assert (person.consented_at, person.consent_version) == (None, None)
    # A typed name now is a resident's question, not a name to keep.
    await harness.say(NEWCOMER, "Bàn Văn Tú A")
    assert (await harness.person(NEWCOMER)).full_name == "Bàn Văn Tú"


@pytest.mark.parametrize("typed", ["không", "ko", "không đồng ý", "từ chối"])
async def test_a_typed_no_is_a_refusal(harness: Harness, typed: str) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    await harness.say(NEWCOMER, f"/start {code}")
    refused = await harness.say(NEWCOMER, typed)
    assert "Ủy ban Mặt trận Tổ quốc Việt Nam xã Bạch Thông" in text_of(refused)
    assert await harness.roles_of(NEWCOMER) == []
    assert (await harness.person(NEWCOMER)).consented_at is None


async def test_anything_else_asks_again(harness: Harness) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    await harness.say(NEWCOMER, f"/start {code}")
    again = await harness.say(NEWCOMER, "Bàn Văn Tú")
    assert "Xin chọn “Đồng ý” hoặc “Không đồng ý”." in text_of(again)
    assert labels(again[-1]) == ["Đồng ý", "Không đồng ý"]
    assert await harness.step_of(NEWCOMER) == "onboarding/consent"
    assert (await harness.person(NEWCOMER)).full_name != "Bàn Văn Tú"


async def test_a_code_used_while_the_question_was_read_is_refused_on_agreeing(
    harness: Harness,
) -> None:
    code = await make_invite(harness, "Khuổi Bốc", uses=1)
    await harness.say(NEWCOMER, f"/start {code}")
    await harness.say("user-quicker", f"/start {code}")
    await harness.tap("user-quicker", "Đồng ý")
    late = await harness.tap(NEWCOMER, "Đồng ý")
    assert "đã được dùng" in text_of(late)
    assert await harness.roles_of(NEWCOMER) == []
    assert (await harness.person(NEWCOMER)).consented_at is None
    assert await uses_of(harness, code) == 1


async def test_someone_who_agreed_before_is_not_asked_again(harness: Harness) -> None:
    code = await make_invite(harness, "Khuổi Bốc", role=Role.DEPUTY)
    joined = await harness.say(DEPUTY, f"/start {code}")
    assert "Đã xác nhận vai trò phó thôn" in text_of(joined)
    assert await harness.step_of(DEPUTY) == "onboarding/name"


async def test_an_officer_is_addressed_as_comrade(harness: Harness) -> None:
    code = await make_invite(harness, "1969", role=Role.OFFICER)
    asked = await harness.say(NEWCOMER, f"/start {code}")
    assert "xin đồng chí đọc" in asked[-1].text and "anh/chị" not in asked[-1].text


async def test_the_notice_answers_at_any_step_and_leaves_it(harness: Harness) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    await harness.say(NEWCOMER, f"/start {code}")
    notice = await harness.say(NEWCOMER, "/quyenriengtu")
    text = text_of(notice)
    for words in (
        "<b>Quyền riêng tư</b> (bản 2026-12)",
        "họ tên, số điện thoại",
        "<b>Ai giữ:</b> Ủy ban Mặt trận Tổ quốc Việt Nam của xã, phường dùng bot.",
        "báo cáo 5 năm; tin nhắn gốc 30 ngày; việc đang làm dở 7 ngày",
        "máy chủ của Telegram ở nước ngoài",
        "đặt tại Việt Nam theo nhà cung cấp",
        "tội phạm, tệ nạn, sức khỏe, nơi ở hay vị trí",
        "gõ /dulieu",
        "“Thông tin của tôi”",
        "xin xóa dữ liệu",
        "91/2025/QH15",
    ):
        assert words in text, words
    assert labels(notice[-1]) == ["Đồng ý", "Không đồng ý"], "the question comes again"
    assert await harness.step_of(NEWCOMER) == "onboarding/consent"
    await harness.tap(NEWCOMER, "Đồng ý")
    assert await harness.roles_of(NEWCOMER) == [Role.REPORTER]

    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "An ninh trật tự")
    before = await draft_of(harness, HEAD)
    read = await harness.say(HEAD, "/quyenriengtu")
    assert "Ủy ban Mặt trận Tổ quốc Việt Nam xã Phủ Thông" in text_of(read)
    assert await harness.step_of(HEAD) == "incident/urgency"
    assert await draft_of(harness, HEAD) == before
    await harness.tap(HEAD, "Không khẩn")
    assert await harness.step_of(HEAD) == "incident/text"

    officer = text_of(await harness.say(OFFICER, "/quyenriengtu"))
    assert "<b>Quyền của đồng chí:</b>" in officer
    resident = await harness.say(RESIDENT, "/quyenriengtu")
    assert "<b>Quyền riêng tư</b>" in text_of(resident)
    assert await harness.step_of(RESIDENT) == "menu/main"


async def test_the_notice_says_the_keeping_times_the_bot_runs_with(harness: Harness) -> None:
    harness.engine.retention = RetentionPolicy(
        reports=timedelta(days=730), raw_updates=timedelta(days=14)
    )
    notice = text_of(await harness.say(HEAD, "/quyenriengtu"))
    assert "báo cáo 2 năm; tin nhắn gốc 14 ngày" in notice


async def test_my_data_lists_my_own_and_nobody_elses(harness: Harness) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    await harness.event(NEWCOMER, kind="text", text=f"/start {code}", display_name="Bàn Văn Tú")
    await harness.tap(NEWCOMER, "Đồng ý")
    await harness.say(NEWCOMER, "Bàn Văn Tú")
    await harness.say(NEWCOMER, "0912345678")
    await harness.tap(NEWCOMER, "Có")
    await harness.tap(NEWCOMER, "Tuần này bình thường")
    mine = text_of(await harness.say(NEWCOMER, "/dulieu"))
    report = (await harness.reports(kind="nothing"))[-1]
    for words in (
        "<b>Dữ liệu bot đang giữ về anh/chị</b>",
        "• Họ tên: Bàn Văn Tú",
        "• Số điện thoại: 0912345678 (bà con xem được)",
        "• Tài khoản: máy tính (tên hiển thị: Bàn Văn Tú)",
        "• Vai trò: trưởng thôn Khuổi Bốc",
        "• Đồng ý quyền riêng tư: lúc 10:00 27/11/2026, bản 2026-12",
        "• Báo cáo đã gửi: 1",
        f"◦ #{report.id} ngày 27/11/2026: Bình thường",
        "• Tin nhắn đang chờ gửi: 0",
    ):
        assert words in mine, words
    assert "Hoàng Văn Thào" not in mine

    head = await harness.person(HEAD)
    async with harness.sessions() as session:
        count = await session.scalar(
            select(func.count(Report.id)).where(Report.reporter_id == head.id)
        )
    theirs = text_of(await harness.say(HEAD, "/dulieu"))
    assert "• Họ tên: Hoàng Văn Thào" in theirs and f"• Báo cáo đã gửi: {count}" in theirs
    assert "• Đồng ý quyền riêng tư: lúc 09:00 27/11/2026, bản 2026-12" in theirs
    assert "0912345678" not in theirs and "Bàn Văn Tú" not in theirs
    assert f"#{report.id} " not in theirs

    stranger = text_of(await harness.say("user-stranger", "/dulieu"))
    assert "• Vai trò: không có" in stranger and "• Báo cáo đã gửi: 0" in stranger
    assert "• Đồng ý quyền riêng tư: chưa ghi nhận" in stranger


async def test_the_help_names_both_commands(harness: Harness) -> None:
    for user in (HEAD, OFFICER, RESIDENT):
        shown = text_of(await harness.say(user, "/trogiup"))
        assert "/dulieu" in shown and "/quyenriengtu" in shown, user


async def test_an_administrator_prints_a_persons_data_and_it_is_audited(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            head = await session.scalar(select(Identity).where(Identity.external_id == HEAD))
            assert head is not None
        shown = tuquan(
            "privacy", "show", "--person", str(head.person_id), database_url=database_url
        )
        assert shown.returncode == 0, shown.stderr
        assert f"Dữ liệu bot đang giữ về Hoàng Văn Thào (người số {head.person_id})" in shown.stdout
        assert "• Vai trò: trưởng thôn Nà Phải" in shown.stdout
        assert "• Đồng ý quyền riêng tư: lúc 09:00 27/11/2026, bản 2026-12" in shown.stdout
        assert "<b>" not in shown.stdout
        unknown = tuquan("privacy", "show", "--person", "999999", database_url=database_url)
        assert unknown.returncode == 1 and unknown.stdout == ""
        async with sessions() as session:
            rows = await session.execute(
                select(AuditEntry.action, AuditEntry.subject, AuditEntry.at).where(
                    AuditEntry.action == "export_person"
                )
            )
            logged = rows.all()
        assert [(action, subject) for action, subject, _ in logged] == [
            ("export_person", f"person:{head.person_id}")
        ]
        assert SEED_TIME + timedelta(hours=1) <= logged[0].at <= PROCESS_CLOCK()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_console_speaks_the_keeping_time_it_is_set_to(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUQUAN_RETENTION_REPORTS_DAYS", "3650")
    chat = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin="/quyenriengtu\n")
    assert "báo cáo 10 năm" in chat.stdout, chat.stdout


async def test_a_person_who_is_not_there_has_no_data(harness: Harness) -> None:
    async with harness.sessions() as session:
        assert await privacy.held_about(session, 999_999, harness.clock()) is None
        person = await session.scalar(select(Person).where(Person.is_demo).limit(1))
        assert person is not None and privacy.has_agreed(person)
