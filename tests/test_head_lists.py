"""The hamlet's lists and confirmations: a quiet week after a report, "#96" in the recent list,
the deputy's view of the hamlet, the pause words, and the officer's confirmations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from storage.enums import IncidentEventKind, IncidentStatus, ModelStatus, ReportKind
from storage.models import (
    Identity,
    IncidentEvent,
    ModelInstance,
    ModelType,
    Organization,
    ReminderPause,
    Report,
    Unit,
)
from tests.officers import COMMUNE_DEPUTY, NA_LOC, file_incident, jobs_for, local
from tests.support import DEPUTY, HEAD, OFFICER, Harness, labels, text_of

WEEK = "2026-W48"


async def _quiet_weeks(harness: Harness, unit_id: int) -> int:
    return len(await harness.reports(kind=ReportKind.NOTHING, week=WEEK, unit_id=unit_id))


async def _person_id(harness: Harness, user: str) -> int:
    async with harness.sessions() as session:
        identity = await session.scalar(select(Identity).where(Identity.external_id == user))
        assert identity is not None
        return identity.person_id


def _line_of(reply_labels: list[str], number: int) -> str:
    return next(label for label in reply_labels if label.startswith(f"#{number} "))


# A quiet week after a report ---------------------------------------------------------------


async def test_a_quiet_week_after_an_urgent_report_is_confirmed_first(harness: Harness) -> None:
    urgent = await file_incident(harness, "Thiên tai, sự cố", "Sạt lở taluy", urgent=True)
    hamlet_id = (await harness.reports(id=urgent))[0].unit_id
    await harness.say(HEAD, "/menu")
    asked = await harness.tap(HEAD, "Tuần này bình thường")
    assert f"đã có báo cáo số #{urgent}" in text_of(asked)
    assert labels(asked[-1]) == ["Có", "Không"]
    wrong = await harness.say(HEAD, "để mai tính")
    assert "Vui lòng chọn" in text_of(wrong) and labels(wrong[-1]) == ["Có", "Không"]
    kept = await harness.say(HEAD, "không")
    assert "Chưa ghi nhận gì thêm" in text_of(kept)
    assert await _quiet_weeks(harness, hamlet_id) == 0
    assert await harness.step_of(HEAD) == "menu/main"

    await harness.tap(HEAD, "Tuần này bình thường")
    saved = await harness.say(HEAD, "có")
    assert "Đã ghi nhận: tuần 48" in text_of(saved)
    assert await _quiet_weeks(harness, hamlet_id) == 1
    again = await harness.tap(HEAD, "Tuần này bình thường")
    assert "đã được báo bình thường rồi" in text_of(again)
    assert await _quiet_weeks(harness, hamlet_id) == 1


async def test_a_withdrawn_report_does_not_cover_the_week(harness: Harness) -> None:
    number = await file_incident(harness, "Môi trường", "Khói đốt rơm", urgent=False)
    async with harness.sessions() as session, session.begin():
        (await session.get_one(Report, number)).withdrawn_at = harness.clock()
    await harness.say(HEAD, "/menu")
    saved = await harness.tap(HEAD, "Tuần này bình thường")
    assert "Đã ghi nhận: tuần 48" in text_of(saved), "one tap: nothing else stands this week"
    assert await _quiet_weeks(harness, (await harness.reports(id=number))[0].unit_id) == 1


async def test_the_reminders_quiet_press_on_a_covered_week_settles_it_without_a_report(
    harness: Harness,
) -> None:
    harness.clock.now = local(2026, 11, 27, 16, 0)
    await jobs_for(harness).catch_up()
    reminder = (await harness.read(NA_LOC))[-1]
    assert labels(reminder)[0] == "Tuần này bình thường"
    number = await file_incident(harness, "An ninh trật tự", "Trộm gà", urgent=False, user=NA_LOC)
    hamlet_id = (await harness.reports(id=number))[0].unit_id
    await harness.read(NA_LOC)
    pressed = await harness.tap_on(NA_LOC, reminder, "Tuần này bình thường")
    assert f"đã có báo cáo số #{number}" in text_of(pressed)
    assert "không cần báo “bình thường” nữa" in text_of(pressed)
    assert await _quiet_weeks(harness, hamlet_id) == 0
    assert await harness.step_of(NA_LOC) == "menu/main", "one tap: no question follows"


# The recent list -------------------------------------------------------------------------


async def test_a_report_number_typed_in_the_recent_list_opens_it(harness: Harness) -> None:
    older = await file_incident(harness, "Môi trường", "Cá chết ở suối", urgent=False)
    newer = await file_incident(harness, "An toàn giao thông", "Ổ gà giữa đường", urgent=False)
    await harness.say(HEAD, "/menu")
    listed = await harness.tap(HEAD, "Báo cáo gần đây")
    assert older > len(labels(listed[-1])), "the number must not be a position too"
    opened = await harness.say(HEAD, f"#{older}")
    assert f"Báo cáo số {older}" in text_of(opened) and "Cá chết ở suối" in text_of(opened)

    await harness.tap(HEAD, "Về menu")
    await harness.tap(HEAD, "Báo cáo gần đây")
    opened = await harness.say(HEAD, str(older))
    assert f"Báo cáo số {older}" in text_of(opened)
    await harness.tap(HEAD, "Về menu")
    await harness.tap(HEAD, "Báo cáo gần đây")
    first = await harness.say(HEAD, "1")
    assert f"Báo cáo số {newer}" in text_of(first), "a position is still a position"


async def test_a_number_that_is_not_the_persons_is_answered_and_changes_nothing(
    harness: Harness,
) -> None:
    async with harness.sessions() as session:
        head_hamlet = await session.scalar(select(Unit.id).where(Unit.name == "Nà Phải"))
        elsewhere = await session.scalar(
            select(Report.id).where(Report.unit_id != head_hamlet).order_by(Report.id)
        )
    assert elsewhere is not None
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo cáo gần đây")
    foreign = await harness.say(HEAD, f"#{elsewhere}")
    assert f"Thôn không có báo cáo số #{elsewhere}" in text_of(foreign)
    assert "Báo cáo số" not in text_of(foreign)
    missing = await harness.say(HEAD, "# 999999")
    assert "Thôn không có báo cáo số #999999" in text_of(missing)
    unknown = await harness.say(HEAD, "999999")
    assert "Danh sách không có lựa chọn hay báo cáo số 999999" in text_of(unknown)
    assert await harness.step_of(HEAD) == "recent/list"


async def test_the_deputy_sees_the_hamlets_reports_and_edits_only_their_own(
    harness: Harness,
) -> None:
    by_head = await file_incident(harness, "Môi trường", "Rác đổ bờ suối", urgent=False)
    by_deputy = await file_incident(
        harness, "Môi trường", "Khói lò gạch", urgent=False, user=DEPUTY
    )
    await harness.say(DEPUTY, "/menu")
    listed = await harness.tap(DEPUTY, "Báo cáo gần đây")
    assert "Chưa có báo cáo nào" not in text_of(listed)
    shown = labels(listed[-1])
    head_line, own_line = _line_of(shown, by_head), _line_of(shown, by_deputy)

    opened = await harness.tap(DEPUTY, head_line)
    assert "Rác đổ bờ suối" in text_of(opened) and "Người gửi: Hoàng Văn Thào" in text_of(opened)
    assert labels(opened[-1]) == ["Về menu"]
    forged = await harness.event(
        DEPUTY, kind="choice", choice_token=opened[-1].choice_token, choice_id="withdraw"
    )
    assert "Rút lại" not in labels(forged[-1])
    assert (await harness.reports(id=by_head))[0].withdrawn_at is None

    await harness.tap(DEPUTY, "Về menu")
    await harness.tap(DEPUTY, "Báo cáo gần đây")
    own = await harness.tap(DEPUTY, own_line)
    assert labels(own[-1]) == ["Sửa", "Rút lại", "Về menu"]
    await harness.say(HEAD, "/menu")
    head_list = await harness.tap(HEAD, "Báo cáo gần đây")
    assert any(label.startswith(f"#{by_deputy} ") for label in labels(head_list[-1]))


async def test_a_quiet_week_in_the_list_offers_only_to_withdraw(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tuần này bình thường")
    [quiet] = await harness.reports(
        kind=ReportKind.NOTHING, week=WEEK, reporter_id=await _person_id(harness, HEAD)
    )
    await harness.tap(HEAD, "Báo cáo gần đây")
    opened = await harness.say(HEAD, f"#{quiet.id}")
    assert labels(opened[-1]) == ["Rút lại", "Về menu"]
    await harness.say(HEAD, "rut lai")
    await harness.say(HEAD, "1")
    assert (await harness.reports(id=quiet.id))[0].withdrawn_at is not None


async def test_an_officer_without_the_confidential_right_sees_only_a_count(
    harness: Harness,
) -> None:
    secret = await file_incident(
        harness, "Tệ nạn xã hội", "Nghi có người bán ma túy ở bãi sông", urgent=False
    )
    await harness.say(COMMUNE_DEPUTY, "/menu")
    listed = await harness.tap(COMMUNE_DEPUTY, "Báo cáo mới trong địa bàn")
    assert "báo cáo thuộc nhóm bảo mật" in text_of(listed)
    assert not any(label.startswith(f"#{secret} ") for label in labels(listed[-1]))
    assert not any("Tệ nạn xã hội" in label for label in labels(listed[-1]))
    typed = await harness.say(COMMUNE_DEPUTY, f"#{secret}")
    assert f"Không có báo cáo số #{secret}" in text_of(typed)
    assert "Tệ nạn" not in text_of(typed) and "Nà Phải" not in text_of(typed)

    await harness.say(OFFICER, "/menu")
    named = await harness.tap(OFFICER, "Báo cáo mới trong địa bàn")
    assert "Tệ nạn xã hội" in _line_of(labels(named[-1]), secret)


# Pausing reminders by words --------------------------------------------------------------


async def _pauses(harness: Harness) -> list[ReminderPause]:
    person_id = await _person_id(harness, HEAD)
    async with harness.sessions() as session:
        query = select(ReminderPause).where(ReminderPause.person_id == person_id)
        return list((await session.execute(query.order_by(ReminderPause.id))).scalars())


async def test_pause_and_resume_by_the_words_people_type(harness: Harness) -> None:
    today = date(2026, 11, 27)
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tạm dừng nhắc báo cáo")
    paused = await harness.say(HEAD, "tạm dừng")
    assert "Đã tạm dừng nhắc đến hết ngày 03/12/2026" in text_of(paused)
    [first] = await _pauses(harness)
    assert (first.first_day, first.last_day, first.cancelled_at) == (today, date(2026, 12, 3), None)

    await harness.tap(HEAD, "Tạm dừng nhắc báo cáo")
    resumed = await harness.say(HEAD, "bat lai")
    assert "Đã bật lại nhắc báo cáo" in text_of(resumed)
    assert (await _pauses(harness))[0].cancelled_at is not None

    await harness.tap(HEAD, "Tạm dừng nhắc báo cáo")
    await harness.say(HEAD, "dừng 10 ngày")
    assert (await _pauses(harness))[1].last_day == date(2026, 12, 6)
    await harness.tap(HEAD, "Tạm dừng nhắc báo cáo")
    await harness.say(HEAD, "bật nhắc")
    assert (await _pauses(harness))[1].cancelled_at is not None

    await harness.tap(HEAD, "Tạm dừng nhắc báo cáo")
    nothing_to_resume = await harness.say(HEAD, "bật lại")
    assert "Nhắc báo cáo đang bật" in text_of(nothing_to_resume)
    await harness.tap(HEAD, "Tạm dừng nhắc báo cáo")
    wrong = await harness.say(HEAD, "dừng mãi mãi")
    assert "gõ số ngày từ 1 đến 60" in text_of(wrong)
    assert len(await _pauses(harness)) == 2
    assert await harness.step_of(HEAD) == "pause/pause"


# The officer's confirmations -------------------------------------------------------------


async def test_resolving_from_the_open_list_is_confirmed_and_returns_to_the_list(
    harness: Harness,
) -> None:
    number = await file_incident(harness, "Môi trường", "Đốt rác gây khói", urgent=False)
    await harness.say(OFFICER, "/menu")
    listed = await harness.tap(OFFICER, "Sự việc đang mở")
    line = _line_of(labels(listed[-1]), number)
    await harness.tap(OFFICER, line)
    asked = await harness.tap(OFFICER, "Đã xử lý")
    assert f"Đánh dấu sự việc #{number} đã xử lý xong?" in text_of(asked)
    assert (await harness.reports(id=number))[0].status is IncidentStatus.OPEN
    kept = await harness.say(OFFICER, "không")
    assert f"Sự việc #{number} chưa thay đổi gì" in text_of(kept)
    assert (await harness.reports(id=number))[0].status is IncidentStatus.OPEN
    assert await harness.step_of(OFFICER) == "open_incidents/open"

    await harness.tap(OFFICER, _line_of(labels(kept[-1]), number))
    await harness.tap(OFFICER, "Đã xử lý")
    done = await harness.say(OFFICER, "có")
    assert f"Đã cập nhật sự việc #{number}: đã xử lý" in text_of(done)
    assert (await harness.reports(id=number))[0].status is IncidentStatus.RESOLVED
    assert await harness.step_of(OFFICER) == "open_incidents/open"
    assert not any(label.startswith(f"#{number} ") for label in labels(done[-1]))


async def test_a_note_from_the_open_list_returns_to_the_list(harness: Harness) -> None:
    number = await file_incident(harness, "Môi trường", "Nước thải chảy ra suối", urgent=False)
    await harness.say(OFFICER, "/menu")
    listed = await harness.tap(OFFICER, "Sự việc đang mở")
    await harness.tap(OFFICER, _line_of(labels(listed[-1]), number))
    await harness.tap(OFFICER, "Ghi chú")
    noted = await harness.say(OFFICER, "Đã mời cán bộ môi trường xuống kiểm tra")
    assert f"Đã lưu ghi chú cho sự việc #{number}" in text_of(noted)
    assert await harness.step_of(OFFICER) == "open_incidents/open"
    assert any(label.startswith(f"#{number} ") for label in labels(noted[-1]))
    async with harness.sessions() as session:
        notes = await session.scalar(
            select(func.count()).where(
                IncidentEvent.report_id == number, IncidentEvent.kind == IncidentEventKind.NOTE
            )
        )
    assert notes == 1


async def _model(
    harness: Harness, hamlet: str, model: str, organization: str
) -> list[ModelInstance]:
    async with harness.sessions() as session:
        query = (
            select(ModelInstance)
            .join(Unit, Unit.id == ModelInstance.hamlet_id)
            .join(ModelType, ModelType.id == ModelInstance.model_type_id)
            .join(Organization, Organization.id == ModelInstance.organization_id)
            .where(Unit.name == hamlet, ModelType.name == model, Organization.name == organization)
        )
        return list((await session.execute(query)).scalars())


async def test_stopping_a_model_for_good_is_confirmed_in_a_full_sentence(
    harness: Harness,
) -> None:
    [instance] = await _model(harness, "Nà Phải", "Tiếng mõ an ninh", "Hội Cựu chiến binh")
    assert instance.status is ModelStatus.ACTIVE
    await harness.say(OFFICER, "/menu")
    listed = await harness.tap(OFFICER, "Mô hình tự quản")
    line = next(
        label
        for label in labels(listed[-1])
        if label.startswith("thôn Nà Phải: Tiếng mõ an ninh (Hội Cựu chiến binh)")
    )
    await harness.tap(OFFICER, line)
    asked = await harness.tap(OFFICER, "Ngừng hẳn")
    assert "Ngừng hẳn mô hình Tiếng mõ an ninh ở thôn Nà Phải?" in text_of(asked)
    kept = await harness.say(OFFICER, "khong")
    assert "Chưa thay đổi gì" in text_of(kept) and "Ngừng hẳn" in labels(kept[-1])
    assert (await _model(harness, "Nà Phải", "Tiếng mõ an ninh", "Hội Cựu chiến binh"))[
        0
    ].status is ModelStatus.ACTIVE
    await harness.tap(OFFICER, "Ngừng hẳn")
    stopped = await harness.say(OFFICER, "có")
    assert "Đã ngừng mô hình Tiếng mõ an ninh ở thôn Nà Phải." in text_of(stopped)
    [after] = await _model(harness, "Nà Phải", "Tiếng mõ an ninh", "Hội Cựu chiến binh")
    assert after.status is ModelStatus.STOPPED


async def test_adding_a_model_is_confirmed_before_it_is_saved(harness: Harness) -> None:
    async def add_until_asked() -> str:
        await harness.say(OFFICER, "/menu")
        await harness.tap(OFFICER, "Mô hình tự quản")
        await harness.tap(OFFICER, "Thêm mô hình")
        await harness.tap(OFFICER, "thôn Nà Phải")
        await harness.tap(OFFICER, "Tiếng mõ an ninh")
        return text_of(await harness.tap(OFFICER, "Công an xã"))

    asked = await add_until_asked()
    assert "Thêm mô hình <b>Tiếng mõ an ninh</b> do Công an xã xây dựng ở thôn Nà Phải?" in asked
    assert "Hội Cựu chiến binh" in asked, "the overlap is told before deciding"
    declined = await harness.say(OFFICER, "không")
    assert "Chưa thêm mô hình nào" in text_of(declined)
    assert await _model(harness, "Nà Phải", "Tiếng mõ an ninh", "Công an xã") == []

    await add_until_asked()
    added = await harness.say(OFFICER, "có")
    assert "Đã thêm mô hình Tiếng mõ an ninh do Công an xã xây dựng ở thôn Nà Phải." in text_of(
        added
    )
    [instance] = await _model(harness, "Nà Phải", "Tiếng mõ an ninh", "Công an xã")
    assert instance.status is ModelStatus.ACTIVE
    assert await harness.step_of(OFFICER) == "models/models"
