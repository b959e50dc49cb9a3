"""The hamlet head's conversations, through the real engine and a real database."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from sqlalchemy import func, select

from storage.enums import IncidentStatus, ReportKind
from storage.models import Conversation, ReportChange
from tests.support import HEAD, OFFICER, Harness, labels, text_of


async def file_incident(h: Harness, text: str = "Cây đổ chắn đường liên thôn") -> None:
    await h.say(HEAD, "/menu")
    await h.tap(HEAD, "Báo sự việc")
    await h.tap(HEAD, "An toàn giao thông")
    await h.tap(HEAD, "Không khẩn")
    await h.say(HEAD, text)
    await h.tap(HEAD, "Hôm nay")
    await h.tap(HEAD, "Bỏ qua")
    await h.tap(HEAD, "Bỏ qua")
    await h.tap(HEAD, "Gửi báo cáo")


async def test_incident_with_buttons_is_stored_once_with_its_details(harness: Harness) -> None:
    before = len(await harness.reports(kind=ReportKind.INCIDENT))
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    replies = await harness.tap(HEAD, "Môi trường")
    assert "khẩn" in text_of(replies)
    await harness.tap(HEAD, "Khẩn cấp")
    await harness.say(HEAD, "Đổ rác <b>trộm</b> & đốt ở bờ suối")
    await harness.tap(HEAD, "Hôm qua")
    await harness.location(HEAD, 22.2801, 105.8652)
    await harness.photo(HEAD, "tg:photo-1")
    await harness.photo(HEAD, "tg:photo-2")
    confirm = await harness.tap(HEAD, "Xong")
    summary = text_of(confirm)
    assert "Đổ rác &lt;b&gt;trộm&lt;/b&gt; &amp; đốt" in summary
    assert "<b>Ảnh:</b> 2" in summary
    done = await harness.tap(HEAD, "Gửi báo cáo")
    assert "Đã ghi nhận báo cáo số" in text_of(done)

    stored = (await harness.reports(kind=ReportKind.INCIDENT))[before:]
    assert len(stored) == 1
    report = stored[0]
    assert report.text == "Đổ rác <b>trộm</b> & đốt ở bờ suối"
    assert report.category == "environment"
    assert report.urgent is True
    assert report.status is IncidentStatus.OPEN
    assert (report.latitude, report.longitude) == (22.2801, 105.8652)
    local_day = report.occurred_at.astimezone(harness.engine_tz).date()
    assert local_day == (harness.clock() - timedelta(days=1)).astimezone(harness.engine_tz).date()
    assert report.week == "2026-W48"


async def test_choices_can_be_typed_as_numbers_or_words_without_diacritics(
    harness: Harness,
) -> None:
    await harness.say(HEAD, "/menu")
    await harness.say(HEAD, "bao su viec")
    await harness.say(HEAD, "2")
    await harness.say(HEAD, "khong khan")
    await harness.say(HEAD, "Khói đốt rơm rạ bay vào trường học")
    await harness.say(HEAD, "25/11")
    await harness.say(HEAD, "cổng trường tiểu học")
    await harness.say(HEAD, "bo qua")
    replies = await harness.say(HEAD, "gui bao cao")
    assert "Đã ghi nhận" in text_of(replies)
    report = (await harness.reports(kind=ReportKind.INCIDENT))[-1]
    assert report.category == "environment"
    assert report.urgent is False
    assert report.place == "cổng trường tiểu học"
    assert report.occurred_at.astimezone(harness.engine_tz).date().isoformat() == "2026-11-25"


async def test_nfd_input_matches_like_nfc(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    replies = await harness.say(HEAD, unicodedata.normalize("NFD", "Báo sự việc"))
    assert labels(replies[-1])[0] == "An ninh trật tự"


async def test_activity_of_a_hamlet_model(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    replies = await harness.tap(HEAD, "Báo hoạt động mô hình")
    options = labels(replies[-1])
    assert "Tiếng mõ an ninh (Hội Cựu chiến binh)" in options
    assert sum("môi trường" in option for option in options) == 2
    await harness.tap(HEAD, "Tiếng mõ an ninh (Hội Cựu chiến binh)")
    await harness.say(HEAD, "Tuần tra đêm, thử hiệu lệnh mõ")
    await harness.tap(HEAD, "Hôm nay")
    bad = await harness.say(HEAD, "nhiều lắm")
    assert "con số" in text_of(bad)
    await harness.say(HEAD, "khoảng 18 người")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    report = (await harness.reports(kind=ReportKind.ACTIVITY))[-1]
    assert (report.category, report.participants) == ("tieng_mo", 18)
    assert report.model_instance_id is not None


async def test_nothing_to_report_is_one_tap_and_counted_once(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    first = await harness.tap(HEAD, "Tuần này bình thường")
    assert "bình thường" in text_of(first)
    second = await harness.tap(HEAD, "Tuần này bình thường")
    assert "đã được báo" in text_of(second)
    quiet = await harness.reports(kind=ReportKind.NOTHING, week="2026-W48")
    assert len([r for r in quiet if r.reporter_id is not None and r.text == ""]) >= 1
    async with harness.sessions() as session:
        own = await session.execute(
            select(func.count())
            .select_from(type(quiet[0]))
            .where(
                type(quiet[0]).week == "2026-W48",
                type(quiet[0]).kind == ReportKind.NOTHING,
                type(quiet[0]).unit_id == quiet[-1].unit_id,
            )
        )
        assert own.scalar_one() == 1


async def test_change_a_field_from_the_summary(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "An ninh trật tự")
    await harness.tap(HEAD, "Không khẩn")
    await harness.say(HEAD, "Mất trộm xe đạp")
    await harness.tap(HEAD, "Hôm nay")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Sửa")
    await harness.tap(HEAD, "Nội dung")
    replies = await harness.say(HEAD, "Mất trộm xe máy Honda")
    assert "Mất trộm xe máy Honda" in text_of(replies)
    assert labels(replies[-1]) == ["Gửi báo cáo", "Sửa", "Hủy"]
    await harness.tap(HEAD, "Gửi báo cáo")
    assert (await harness.reports())[-1].text == "Mất trộm xe máy Honda"


async def test_cancel_at_any_step_saves_nothing(harness: Harness) -> None:
    before = len(await harness.reports())
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "Môi trường")
    replies = await harness.say(HEAD, "/huy")
    assert "Đã hủy" in text_of(replies)
    assert labels(replies[-1])[0] == "Báo sự việc"
    assert len(await harness.reports()) == before


async def test_bad_input_keeps_the_step_and_says_what_is_expected(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    wrong = await harness.say(HEAD, "cái gì đó")
    assert "Vui lòng chọn" in text_of(wrong)
    assert labels(wrong[-1])[0] == "An ninh trật tự"
    await harness.tap(HEAD, "Tệ nạn xã hội")
    await harness.tap(HEAD, "Không khẩn")

    sticker = await harness.event(HEAD, kind="unsupported")
    assert "gõ chữ" in text_of(sticker)
    empty = await harness.say(HEAD, "   ")
    assert "quá ngắn" in text_of(empty)
    huge = await harness.say(HEAD, "x" * 10_000)
    assert "quá dài" in text_of(huge)
    unknown = await harness.say(HEAD, "/xoa_het")
    assert "Không có lệnh /xoa_het" in text_of(unknown)

    accepted = await harness.say(HEAD, "Nhóm thanh niên tụ tập đánh bạc")
    assert "khi nào" in text_of(accepted)
    future = await harness.say(HEAD, "30/12/2026")
    assert "chưa tới" in text_of(future)
    await harness.tap(HEAD, "Hôm nay")
    async with harness.sessions() as session:
        states = (await session.execute(select(Conversation.step))).scalars().all()
    assert "place" in states


async def test_a_button_from_an_old_question_changes_nothing(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    menu_prompt = harness.last[HEAD]
    await harness.tap(HEAD, "Báo sự việc")
    stale = await harness.event(
        HEAD, kind="choice", choice_token=menu_prompt.choice_token, choice_id="ok"
    )
    assert "câu hỏi cũ" in text_of(stale)
    forged = await harness.event(
        HEAD, kind="choice", choice_token=harness.last[HEAD].choice_token, choice_id="drop"
    )
    assert "câu hỏi cũ" in text_of(forged)
    assert labels(forged[-1])[0] == "An ninh trật tự"
    assert not await harness.reports(kind=ReportKind.NOTHING, week="2026-W48")


async def test_recent_reports_edit_and_withdraw_within_a_day(harness: Harness) -> None:
    await file_incident(harness)
    report = (await harness.reports())[-1]
    await harness.tap(HEAD, "Báo cáo gần đây")
    listed = harness.last[HEAD]
    mine = next(label for label in labels(listed) if label.startswith(f"#{report.id} "))
    await harness.tap(HEAD, mine)
    await harness.tap(HEAD, "Sửa")
    await harness.tap(HEAD, "Nội dung")
    edited = await harness.say(HEAD, "Cây đổ chắn hết đường, đã dọn xong")
    assert f"Đã sửa báo cáo số {report.id}" in text_of(edited)

    relisted = await harness.tap(HEAD, "Báo cáo gần đây")
    mine = next(label for label in labels(relisted[-1]) if label.startswith(f"#{report.id} "))
    assert "đã dọn xong" in mine or "hết đường" in mine
    await harness.tap(HEAD, mine)
    await harness.tap(HEAD, "Rút lại")
    withdrawn = await harness.tap(HEAD, "Rút lại")
    assert "Đã rút lại" in text_of(withdrawn)

    async with harness.sessions() as session:
        history = (
            await session.execute(
                select(ReportChange.action, ReportChange.changes)
                .where(ReportChange.report_id == report.id)
                .order_by(ReportChange.id)
            )
        ).all()
    assert [action for action, _ in history] == ["created", "edited", "withdrawn"]
    assert history[1][1] == {
        "text": ["Cây đổ chắn đường liên thôn", "Cây đổ chắn hết đường, đã dọn xong"]
    }
    stored = (await harness.reports(id=report.id))[0]
    assert stored.withdrawn_at is not None


async def test_after_a_day_a_report_can_no_longer_be_changed(harness: Harness) -> None:
    await file_incident(harness)
    report = (await harness.reports())[-1]
    harness.clock.advance(hours=25)
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo cáo gần đây")
    mine = next(label for label in labels(harness.last[HEAD]) if label.startswith(f"#{report.id} "))
    details = await harness.tap(HEAD, mine)
    assert labels(details[-1]) == ["Về menu"]


async def test_officer_sees_unit_reports_but_not_confidential_text(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "Tệ nạn xã hội")
    await harness.tap(HEAD, "Không khẩn")
    await harness.say(HEAD, "Nghi có người bán ma túy ở bãi sông")
    await harness.tap(HEAD, "Hôm nay")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    report = (await harness.reports())[-1]
    assert report.sensitive is True

    menu = await harness.say(OFFICER, "/menu")
    assert "Báo sự việc" not in labels(menu[-1])
    listed = await harness.tap(OFFICER, "Báo cáo mới trong địa bàn")
    line = next(label for label in labels(listed[-1]) if label.startswith(f"#{report.id} "))
    assert "ma túy" not in line
    details = await harness.tap(OFFICER, line)
    assert "ma túy" not in text_of(details)
    assert "bảo mật" in text_of(details)
