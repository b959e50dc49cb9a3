"""Dates, times, yes/no and counts as hamlet heads and officers type them, on Wednesday
2 December 2026 at 09:00: each row goes through the real engine and is checked in the
database."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from storage.enums import ReportKind
from storage.models import ReminderPause, Report, ReportPhoto
from tests.support import HEAD, OFFICER, Harness, MutableClock, labels, text_of

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
TODAY = WEDNESDAY.date()


# What a phrase means does not depend on the database: the tables of phrasings run on
# SQLite only; the stories around them (a year asked about, a holiday) run on both.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(WEDNESDAY)


async def incident_at_when(h: Harness, urgency: str = "Không khẩn") -> None:
    await h.say(HEAD, "/menu")
    await h.tap(HEAD, "Báo sự việc")
    await h.tap(HEAD, "An toàn giao thông")
    await h.tap(HEAD, urgency)
    await h.say(HEAD, "Xe tải làm sập rãnh thoát nước đầu thôn")


async def send_incident(h: Harness) -> Report:
    await h.tap(HEAD, "Bỏ qua")
    await h.tap(HEAD, "Bỏ qua")
    done = await h.tap(HEAD, "Gửi báo cáo")
    assert "Đã ghi nhận báo cáo số" in text_of(done)
    return (await h.reports(kind=ReportKind.INCIDENT))[-1]


async def activity_at_when(h: Harness) -> None:
    await h.say(HEAD, "/menu")
    await h.tap(HEAD, "Báo hoạt động mô hình")
    await h.tap(HEAD, "Tiếng mõ an ninh (Hội Cựu chiến binh)")
    await h.say(HEAD, "Tuần tra đêm, thử hiệu lệnh mõ")


async def count_reports(h: Harness) -> int:
    async with h.sessions() as session:
        return int(await session.scalar(select(func.count(Report.id))) or 0)


def local(report: Report) -> datetime:
    return report.occurred_at.astimezone(TZ)


# The "when" step: what was typed, the day stored, the time stored (None: the day alone) ---

WHEN_ROWS = [
    ("hôm nay", date(2026, 12, 2), None),
    ("nay", date(2026, 12, 2), None),
    ("hôm qua", date(2026, 12, 1), None),
    ("qua", date(2026, 12, 1), None),
    ("hôm kia", date(2026, 11, 30), None),
    ("hom kia", date(2026, 11, 30), None),
    ("thứ năm", date(2026, 11, 26), None),
    ("thu 5", date(2026, 11, 26), None),
    ("t5", date(2026, 11, 26), None),
    ("t6", date(2026, 11, 27), None),
    ("thứ 2", date(2026, 11, 30), None),
    ("thứ 4", date(2026, 12, 2), None),
    ("chủ nhật", date(2026, 11, 29), None),
    ("cn", date(2026, 11, 29), None),
    ("25/11", date(2026, 11, 25), None),
    ("25-11", date(2026, 11, 25), None),
    ("25/11/2026", date(2026, 11, 25), None),
    ("8h", date(2026, 12, 2), time(8, 0)),
    ("8h30", date(2026, 12, 2), time(8, 30)),
    ("15h hôm qua", date(2026, 12, 1), time(15, 0)),
    ("3 giờ chiều qua", date(2026, 12, 1), time(15, 0)),
    ("15h30 hôm kia", date(2026, 11, 30), time(15, 30)),
    ("sáng nay", date(2026, 12, 2), None),
    ("chiều qua", date(2026, 12, 1), None),
    ("tối hôm kia", date(2026, 11, 30), None),
    ("đêm qua", date(2026, 12, 1), None),
    ("10 giờ đêm qua", date(2026, 12, 1), time(22, 0)),
    ("ngày 25/11 lúc 14h", date(2026, 11, 25), time(14, 0)),
]


@ON_SQLITE
@pytest.mark.parametrize(("typed", "day", "at"), WHEN_ROWS)
async def test_when_typed_is_stored_as_said(
    harness: Harness, typed: str, day: date, at: time | None
) -> None:
    await incident_at_when(harness)
    await harness.say(HEAD, typed)
    assert await harness.step_of(HEAD) == "incident/place"
    report = await send_incident(harness)
    assert local(report).date() == day
    assert report.occurred_time_known is (at is not None)
    if at is not None:
        assert local(report).time() == at
    assert report.week == f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"


@ON_SQLITE
@pytest.mark.parametrize("typed", ["3 giờ chiều", "15h", "tối nay", "05/12/2026", "31/2", "mai"])
async def test_a_when_that_has_not_come_or_is_not_a_day_is_refused(
    harness: Harness, typed: str
) -> None:
    await incident_at_when(harness)
    before = await count_reports(harness)
    refused = text_of(await harness.say(HEAD, typed))
    assert any(words in refused for words in ("chưa tới", "Vui lòng chọn Hôm nay"))
    assert await harness.step_of(HEAD) == "incident/when"
    assert await count_reports(harness) == before


async def test_a_day_without_its_time_shows_no_invented_time(harness: Harness) -> None:
    await incident_at_when(harness)
    await harness.tap(HEAD, "Hôm qua")
    await harness.tap(HEAD, "Bỏ qua")
    summary = text_of(await harness.tap(HEAD, "Bỏ qua"))
    assert "<b>Ngày:</b> 01/12/2026\n" in summary
    await harness.tap(HEAD, "Sửa")
    await harness.tap(HEAD, "Thời gian")
    summary = text_of(await harness.say(HEAD, "15h30 hôm qua"))
    assert "<b>Ngày:</b> 01/12/2026 lúc 15:30" in summary
    await harness.tap(HEAD, "Gửi báo cáo")
    report = (await harness.reports(kind=ReportKind.INCIDENT))[-1]
    assert (local(report).time(), report.occurred_time_known) == (time(15, 30), True)


# Urgency: what was typed, whether the report is urgent ----------------------------------

URGENCY_ROWS = [
    *[(typed, True) for typed in ("có", "co", "khẩn", "khan", "gấp", "gap", "rất gấp", "cần")],
    *[(typed, True) for typed in ("ừ", "u", "1", "Khẩn cấp")],
    *[(typed, False) for typed in ("không", "ko", "k", "khong", "không khẩn", "bình thường")],
    *[(typed, False) for typed in ("chưa cần", "2", "khong khan")],
]


@ON_SQLITE
@pytest.mark.parametrize(("typed", "urgent"), URGENCY_ROWS)
async def test_urgency_typed_as_people_write_it(harness: Harness, typed: str, urgent: bool) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "An toàn giao thông")
    await harness.say(HEAD, typed)
    assert await harness.step_of(HEAD) == "incident/text"
    await harness.say(HEAD, "Xe tải làm sập rãnh thoát nước đầu thôn")
    await harness.tap(HEAD, "Hôm nay")
    report = await send_incident(harness)
    assert report.urgent is urgent


async def test_an_urgency_answer_that_means_nothing_is_asked_again(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "An toàn giao thông")
    again = await harness.say(HEAD, "để xem đã")
    assert "Có cần xử lý khẩn không?" in text_of(again)
    assert labels(again[-1]) == ["Khẩn cấp", "Không khẩn"]
    assert await harness.step_of(HEAD) == "incident/urgency"


# Dates without a year never change year silently ---------------------------------------


async def test_a_day_to_come_without_year_is_asked_about_then_kept(harness: Harness) -> None:
    await incident_at_when(harness)
    before = await count_reports(harness)
    asked = await harness.say(HEAD, "5/12")
    assert "Ý anh/chị là 05/12/2025?" in text_of(asked)
    assert labels(asked[-1]) == ["Có", "Không"]
    assert await harness.step_of(HEAD) == "incident/day_confirm"
    await harness.tap(HEAD, "Có")
    report = await send_incident(harness)
    assert local(report).date() == date(2025, 12, 5)
    assert report.week == "2025-W49"
    assert await count_reports(harness) == before + 1


@pytest.mark.parametrize("no", ["Không", "ko", "sai"])
async def test_no_to_the_guessed_year_asks_for_the_date_with_its_year(
    harness: Harness, no: str
) -> None:
    await incident_at_when(harness)
    await harness.say(HEAD, "5-12")
    if no == "Không":
        again = await harness.tap(HEAD, no)
    else:
        again = await harness.say(HEAD, no)
    assert "ghi cả năm" in text_of(again)
    assert await harness.step_of(HEAD) == "incident/date"
    future = await harness.say(HEAD, "05/12/2026")
    assert "Ngày 05/12/2026 chưa tới" in text_of(future)
    await harness.say(HEAD, "01/12/2026")
    report = await send_incident(harness)
    assert local(report).date() == date(2026, 12, 1)


async def test_an_explicit_year_is_honoured_without_asking(harness: Harness) -> None:
    await incident_at_when(harness)
    await harness.tap(HEAD, "Ngày khác")
    await harness.say(HEAD, "05/12/2025")
    assert await harness.step_of(HEAD) == "incident/place"
    report = await send_incident(harness)
    assert local(report).date() == date(2025, 12, 5)


async def test_across_new_year_a_recent_day_needs_no_question(harness: Harness) -> None:
    harness.clock.now = datetime(2027, 1, 3, 9, 0, tzinfo=TZ)
    await incident_at_when(harness)
    await harness.say(HEAD, "30/12")
    assert await harness.step_of(HEAD) == "incident/place"
    report = await send_incident(harness)
    assert local(report).date() == date(2026, 12, 30)


# Activities have a day, and count in its week ------------------------------------------


async def test_sundays_activity_reported_on_monday_counts_in_sundays_week(
    harness: Harness,
) -> None:
    harness.clock.now = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
    await activity_at_when(harness)
    asked = harness.last[HEAD]
    assert labels(asked) == ["Hôm nay", "Hôm qua", "Ngày khác"]
    await harness.tap(HEAD, "Hôm qua")
    await harness.say(HEAD, "18")
    summary = text_of(await harness.tap(HEAD, "Bỏ qua"))
    assert "<b>Ngày:</b> 29/11/2026\n" in summary
    await harness.tap(HEAD, "Gửi báo cáo")
    report = (await harness.reports(kind=ReportKind.ACTIVITY))[-1]
    assert (local(report).date(), report.occurred_time_known) == (date(2026, 11, 29), False)
    assert report.week == "2026-W48"


async def test_an_activity_on_another_day_typed_like_an_incident(harness: Harness) -> None:
    await activity_at_when(harness)
    await harness.tap(HEAD, "Ngày khác")
    await harness.say(HEAD, "7h tối chủ nhật")
    await harness.say(HEAD, "20")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    report = (await harness.reports(kind=ReportKind.ACTIVITY))[-1]
    assert local(report) == datetime(2026, 11, 29, 19, 0, tzinfo=TZ)
    assert (report.week, report.occurred_time_known) == ("2026-W48", True)


# Participants: what was typed, the number stored or the answer refusing it --------------

COUNT_ROWS = [
    ("15", 15),
    ("khoảng 30", 30),
    ("30 người", 30),
    ("ba mươi", 30),
    ("hai mươi lăm người", 25),
    ("1.200", 1200),
    ("10000", 10_000),
]


@ON_SQLITE
@pytest.mark.parametrize(("typed", "count"), COUNT_ROWS)
async def test_participants_typed_as_people_write_them(
    harness: Harness, typed: str, count: int
) -> None:
    await activity_at_when(harness)
    await harness.tap(HEAD, "Hôm nay")
    await harness.say(HEAD, typed)
    assert await harness.step_of(HEAD) == "activity/photos"
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    report = (await harness.reports(kind=ReportKind.ACTIVITY))[-1]
    assert report.participants == count


REFUSED_COUNTS = [
    ("-5", "phải từ 1 trở lên"),
    ("0", "phải từ 1 trở lên"),
    ("999999", "tối đa là 10.000"),
    ("10001", "tối đa là 10.000"),
    ("nhiều lắm", "con số"),
    ("30-40", "con số"),
]


@ON_SQLITE
@pytest.mark.parametrize(("typed", "answer"), REFUSED_COUNTS)
async def test_participants_that_cannot_be_are_refused(
    harness: Harness, typed: str, answer: str
) -> None:
    await activity_at_when(harness)
    await harness.tap(HEAD, "Hôm nay")
    before = await count_reports(harness)
    refused = text_of(await harness.say(HEAD, typed))
    assert answer in refused and "Có bao nhiêu người tham gia?" in refused
    assert await harness.step_of(HEAD) == "activity/participants"
    assert await count_reports(harness) == before


# Photos: at the limit, no "send more" -----------------------------------------------------


@ON_SQLITE
@pytest.mark.parametrize("typed", ["xong", "không có ảnh", "ko", "hết", "bo qua"])
async def test_no_photo_said_in_words_moves_on(harness: Harness, typed: str) -> None:
    await incident_at_when(harness)
    await harness.tap(HEAD, "Hôm nay")
    await harness.tap(HEAD, "Bỏ qua")
    assert await harness.step_of(HEAD) == "incident/photos"
    await harness.say(HEAD, typed)
    assert await harness.step_of(HEAD) == "incident/confirm"


async def test_after_the_tenth_photo_only_done_is_offered(harness: Harness) -> None:
    await incident_at_when(harness)
    await harness.tap(HEAD, "Hôm nay")
    await harness.tap(HEAD, "Bỏ qua")
    for number in range(1, 10):
        asked = await harness.photo(HEAD, f"tg:photo-{number}")
    assert "Gửi thêm" in text_of(asked)
    full = await harness.photo(HEAD, "tg:photo-10")
    assert "Gửi thêm" not in text_of(full) and "Đã đủ 10 ảnh" in text_of(full)
    assert labels(full[-1]) == ["Xong"]
    await harness.photo(HEAD, "tg:photo-11")
    await harness.tap(HEAD, "Xong")
    await harness.tap(HEAD, "Gửi báo cáo")
    report = (await harness.reports(kind=ReportKind.INCIDENT))[-1]
    async with harness.sessions() as session:
        refs = await session.scalars(
            select(ReportPhoto.file_ref).where(ReportPhoto.report_id == report.id)
        )
        assert sorted(refs) == sorted(f"tg:photo-{n}" for n in range(1, 11))


# Holidays: the first day without a year ----------------------------------------------------


async def holiday_first(h: Harness, typed: str) -> str:
    await h.say(OFFICER, "/menu")
    await h.tap(OFFICER, "Lịch nhắc, nghỉ lễ")
    await h.tap(OFFICER, "Thêm đợt nghỉ (Tết, lễ)")
    return text_of(await h.say(OFFICER, typed))


async def holidays(h: Harness) -> list[tuple[date, date]]:
    async with h.sessions() as session:
        found = await session.execute(
            select(ReminderPause.first_day, ReminderPause.last_day)
            .where(ReminderPause.cancelled_at.is_(None), ReminderPause.person_id.is_(None))
            .order_by(ReminderPause.id)
        )
        return [(first, last) for first, last in found.all()]


async def test_a_holiday_begun_yesterday_is_asked_about_and_can_end(harness: Harness) -> None:
    before = await holidays(harness)
    asked = await holiday_first(harness, "1/12")
    assert "Ý đồng chí là nghỉ từ 01/12/2026?" in asked
    assert labels(harness.last[OFFICER]) == ["Có", "Không"]
    await harness.tap(OFFICER, "Có")
    saved = await harness.say(OFFICER, "5/12")
    assert "Nghỉ nhắc từ 01/12/2026 đến 05/12/2026" in text_of(saved)
    assert await holidays(harness) == [*before, (date(2026, 12, 1), date(2026, 12, 5))]


async def test_no_to_a_holiday_begun_yesterday_asks_for_its_year(harness: Harness) -> None:
    before = await holidays(harness)
    await holiday_first(harness, "1/12")
    again = await harness.say(OFFICER, "không")
    assert "ghi cả năm" in text_of(again)
    assert await harness.step_of(OFFICER) == "schedule/holiday_first"
    await harness.say(OFFICER, "01/12/2027")
    await harness.say(OFFICER, "3/12")
    assert await holidays(harness) == [*before, (date(2027, 12, 1), date(2027, 12, 3))]


HOLIDAY_ROWS = [
    ("20/12", "25/12", (date(2026, 12, 20), date(2026, 12, 25))),
    ("28/12", "2/1", (date(2026, 12, 28), date(2027, 1, 2))),
    ("3/1", "5/1", (date(2027, 1, 3), date(2027, 1, 5))),
    ("02/12/2026", "02/12/2026", (date(2026, 12, 2), date(2026, 12, 2))),
]


@pytest.mark.parametrize(("first", "last", "stored"), HOLIDAY_ROWS)
async def test_holiday_days_without_a_question_when_plain(
    harness: Harness, first: str, last: str, stored: tuple[date, date]
) -> None:
    before = await holidays(harness)
    await holiday_first(harness, first)
    assert await harness.step_of(OFFICER) == "schedule/holiday_last"
    await harness.say(OFFICER, last)
    assert await holidays(harness) == [*before, stored]


@pytest.mark.parametrize(("typed", "meant"), [("2/11", "02/11/2027"), ("20/11", "20/11/2027")])
async def test_a_holiday_far_in_the_next_year_is_asked_about(
    harness: Harness, typed: str, meant: str
) -> None:
    asked = await holiday_first(harness, typed)
    assert f"Ý đồng chí là nghỉ từ {meant}?" in asked
    await harness.tap(OFFICER, "Có")
    assert await harness.step_of(OFFICER) == "schedule/holiday_last"


@ON_SQLITE
@pytest.mark.parametrize("typed", ["20/11/2026", "31/2", "ngày mai", "01/01/2028"])
async def test_a_holiday_first_day_that_cannot_be_is_refused(harness: Harness, typed: str) -> None:
    before = await holidays(harness)
    refused = await holiday_first(harness, typed)
    assert "từ hôm nay trở đi" in refused
    assert await harness.step_of(OFFICER) == "schedule/holiday_first"
    assert await holidays(harness) == before


async def test_a_holiday_that_ended_before_today_is_refused(harness: Harness) -> None:
    before = await holidays(harness)
    await holiday_first(harness, "28/11/2026")
    refused = await harness.say(OFFICER, "30/11")
    assert "Ngày 30/11/2026 đã qua" in text_of(refused)
    assert await holidays(harness) == before
