"""Alerts and reminders answered where there are no buttons (console, Zalo): by the letter the
message names, at any step, while a number still answers the question the person is at."""

from __future__ import annotations

from sqlalchemy import select

from storage import invites, units
from storage.enums import IncidentStatus, ReportKind, Role
from storage.models import AuditEntry, OutboxItem
from tests.officers import (
    COMMUNE_DEPUTY,
    NA_LOC,
    OTHER_OFFICER,
    events,
    file_incident,
    jobs_for,
    local,
)
from tests.support import HEAD, OFFICER, RESIDENT, Harness, labels, text_of

SECOND_OFFICER = "console-second-officer"


async def second_officer_on_duty(harness: Harness) -> None:
    """Another Front officer of xã Phủ Thông, on duty for urgent alerts like the first."""
    async with harness.sessions() as session, session.begin():
        commune = await units.resolve(session, "1969")
        code = (
            await invites.create(
                session, unit_id=commune.id, role=Role.OFFICER, now=harness.clock()
            )
        ).code
    await harness.say(SECOND_OFFICER, f"/start {code}")
    await harness.tap(SECOND_OFFICER, "Đồng ý")
    await harness.say(SECOND_OFFICER, "Triệu Văn Minh")


async def test_the_alert_is_lettered_and_says_how_to_answer(harness: Harness) -> None:
    report_id = await file_incident(harness, "Thiên tai, sự cố", "Sạt lở taluy", urgent=True)
    alert = (await harness.read(OFFICER))[-1]
    assert labels(alert) == ["Đã nhận", "Đang xử lý", "Đã xử lý", "Ghi chú"]
    assert "Trả lời bằng chữ cái" in alert.text and f"<b>a{report_id}</b>" in alert.text


async def test_a_letter_at_the_menu_answers_the_alert_and_a_number_the_menu(
    harness: Harness,
) -> None:
    report_id = await file_incident(harness, "An ninh trật tự", "Đánh nhau ở chợ", urgent=True)
    await harness.read(OFFICER)
    await harness.say(OFFICER, "/menu")
    taken = await harness.say(OFFICER, "a")
    assert f"Đã cập nhật sự việc #{report_id}: đã nhận" in text_of(taken)
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.ACKNOWLEDGED
    chosen = await harness.say(OFFICER, "1")
    assert labels(chosen[-1])[0] == "Tuần này", "a number at the menu is the menu's"
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.ACKNOWLEDGED


async def test_a_letter_in_the_middle_of_a_question_answers_the_alert_then_asks_again(
    harness: Harness,
) -> None:
    report_id = await file_incident(harness, "Môi trường", "Cá chết ở suối", urgent=True)
    await harness.read(OFFICER)
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Tổng hợp")
    replies = await harness.say(OFFICER, "B.")
    assert f"Đã cập nhật sự việc #{report_id}: đang xử lý" in replies[0].text
    assert labels(replies[-1])[0] == "Tuần này", "the question the officer was at, again"
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.IN_PROGRESS


async def test_the_words_of_an_option_at_the_menu_press_it(harness: Harness) -> None:
    report_id = await file_incident(harness, "Thiên tai, sự cố", "Cây đổ chắn đường", urgent=True)
    await harness.read(OFFICER)
    await harness.say(OFFICER, "/menu")
    replies = await harness.say(OFFICER, "da nhan")
    assert f"Đã cập nhật sự việc #{report_id}: đã nhận" in text_of(replies)


async def test_the_latest_alert_takes_a_bare_letter_and_an_older_one_its_number(
    harness: Harness,
) -> None:
    older = await file_incident(harness, "Thiên tai, sự cố", "Lũ quét ở khe", urgent=True)
    newer = await file_incident(harness, "An ninh trật tự", "Trộm trâu", urgent=True)
    await harness.read(OFFICER)
    assert f"#{newer}" in text_of(await harness.say(OFFICER, "a"))
    assert f"#{older}" in text_of(await harness.say(OFFICER, f"c {older}"))
    statuses = {r.id: r.status for r in await harness.reports(kind=ReportKind.INCIDENT)}
    assert statuses[newer] is IncidentStatus.ACKNOWLEDGED
    assert statuses[older] is IncidentStatus.RESOLVED


async def test_one_officer_takes_it_the_other_hears_it_once_and_nothing_climbs(
    harness: Harness,
) -> None:
    await second_officer_on_duty(harness)
    report_id = await file_incident(harness, "Thiên tai, sự cố", "Sạt lở vùi nhà", urgent=True)
    assert f"Sự việc khẩn #{report_id}" in (await harness.read(SECOND_OFFICER))[-1].text
    await harness.read(OFFICER)
    await harness.read(HEAD)
    await harness.say(OFFICER, "a")
    news = text_of(await harness.read(SECOND_OFFICER))
    assert f"#{report_id}: đồng chí Nông Thị Hoa đã chuyển sang “đã nhận”" in news
    assert text_of(await harness.read(HEAD)).count("đã nhận") == 1
    again = await harness.say(SECOND_OFFICER, "a")
    assert "không thay đổi gì" in text_of(again) and "đồng chí Nông Thị Hoa" in text_of(again)
    harness.clock.advance(minutes=31)
    assert await jobs_for(harness).escalate() == 0
    assert await harness.read(COMMUNE_DEPUTY) == []
    assert await harness.read(HEAD) == [], "a press that changed nothing tells nobody"

    await harness.say(SECOND_OFFICER, "d")
    await harness.say(SECOND_OFFICER, "Đã cử dân quân tới giúp")
    noted = text_of(await harness.read(OFFICER))
    assert "đồng chí Triệu Văn Minh ghi chú" in noted and "Đã cử dân quân tới giúp" in noted
    assert "Đã cử dân quân tới giúp" in text_of(await harness.read(HEAD))
    assert [kind for kind, _ in await events(harness, report_id)] == ["alerted", "status", "note"]


async def test_a_resolved_alert_answers_shortly_and_changes_nothing(harness: Harness) -> None:
    report_id = await file_incident(harness, "An ninh trật tự", "Cãi nhau to", urgent=True)
    await harness.read(OFFICER)
    await harness.say(OFFICER, "c")
    before = await _outbox_rows(harness)
    replies = await harness.say(OFFICER, "a")
    assert len(replies) == 1 and "đã xử lý" in replies[0].text
    assert await _outbox_rows(harness) == before + 1, "the short answer, nothing else"
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.RESOLVED


async def test_a_letter_with_nothing_to_answer_is_for_the_step(harness: Harness) -> None:
    await harness.say(RESIDENT, "/menu")
    replies = await harness.say(RESIDENT, "a")
    assert "Đã cập nhật" not in text_of(replies)
    assert "không có quyền" not in text_of(replies)


async def test_a_stranger_typing_an_alerts_code_is_refused(harness: Harness) -> None:
    report_id = await file_incident(harness, "An ninh trật tự", "Trộm xe", urgent=True)
    replies = await harness.say(RESIDENT, f"a{report_id}")
    assert "không có quyền" in text_of(replies) and "Trộm xe" not in text_of(replies)
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.OPEN


async def test_a_reminders_letter_stores_one_quiet_week(harness: Harness) -> None:
    harness.clock.now = local(2026, 11, 27, 16, 0)
    await jobs_for(harness).catch_up()
    reminder = (await harness.read(NA_LOC))[-1]
    assert labels(reminder) == ["Tuần này bình thường", "Báo sự việc", "Tạm dừng nhắc"]
    assert "Trả lời bằng chữ cái a, b hoặc c" in reminder.text
    assert "bình thường" in text_of(await harness.say(NA_LOC, "a"))
    assert "không cần báo lại" in text_of(await harness.say(NA_LOC, "a"))
    quiet = [r for r in await harness.reports(kind=ReportKind.NOTHING) if r.week == "2026-W48"]
    assert len({r.unit_id for r in quiet}) == len(quiet), "one quiet week per hamlet"
    started = await harness.say(NA_LOC, "b")
    assert "Sự việc thuộc loại nào?" in started[-1].text


async def _outbox_rows(harness: Harness) -> int:
    async with harness.sessions() as session:
        return len((await session.execute(select(OutboxItem.id))).all())


async def test_a_digests_letters_open_its_missing_hamlets_open_incidents_and_workbook(
    harness: Harness,
) -> None:
    harness.clock.now = local(2026, 11, 30, 7, 0)
    await jobs_for(harness).catch_up()
    digest = (await harness.read(OFFICER))[0]
    assert labels(digest) == ["Thôn chưa báo cáo", "Sự việc đang mở", "Tải Excel"]
    assert "Trả lời bằng chữ cái a, b hoặc c" in digest.text
    await harness.read(HEAD)

    missing = text_of(await harness.say(OFFICER, "a"))
    assert "Chưa báo cáo tuần 48" in missing and "thôn Nà Phải — Hoàng Văn Thào" in missing
    workbook = await harness.say(OFFICER, "c")
    attached = [m.attachment for m in workbook if m.attachment is not None]
    assert [a.kind for a in attached] == ["document"] and attached[0].name.endswith("2026-W48.xlsx")
    async with harness.sessions() as session:
        exports = (
            await session.execute(select(AuditEntry.details).where(AuditEntry.action == "export"))
        ).scalars()
        assert any(entry.get("period") == "2026-W48" for entry in exports)
    refused = await harness.event(
        OTHER_OFFICER, kind="choice", choice_token=digest.choice_token, choice_id="missing"
    )
    assert "không có quyền" in text_of(refused) and "Nà Phải" not in text_of(refused)
