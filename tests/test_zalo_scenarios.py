"""The hamlet head's conversations on Zalo, through bot.app.serve, the Zalo transport and the
real sender, on each database, by polling and by webhook."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.zalo.render import render
from handlers.messages import InEvent, OutMessage
from storage import inbox, outbox
from storage.enums import Channel, InboxStatus, IncidentStatus, MediaStatus, ReportKind, Role
from storage.models import (
    Identity,
    InboxItem,
    MediaFile,
    Person,
    Report,
    ReportPhoto,
    StoredFile,
)
from tests.cli import PROCESS_CLOCK
from tests.support import HEAD
from tests.test_onboarding import make_invite
from tests.zalo_fake import FakeUser
from tests.zalo_rig import Mode, Rig, as_demo, as_head, running_bot, wait_for

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


@pytest.fixture(params=["polling", "webhook"])
async def rig(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> AsyncIterator[Rig]:
    mode: Mode = request.param
    async with running_bot(database_url, tmp_path, mode=mode) as running:
        yield running


@pytest.fixture
async def head(rig: Rig) -> FakeUser:
    user = rig.zalo.user("zl-head", "Hoàng Văn Thào")
    await as_head(rig.sessions, user)
    return user


async def reports(rig: Rig, **filters: object) -> list[Report]:
    async with rig.sessions() as session:
        query = select(Report).filter_by(**filters).order_by(Report.id)
        return list((await session.execute(query)).scalars())


async def test_onboarding_with_an_invite_code(rig: Rig) -> None:
    code = await make_invite_for(rig, "Khuổi Bốc")
    newcomer = rig.zalo.user("zl-new", "Bàn Văn Tú")
    consent = await rig.say(newcomer, code)
    opening = rig.zalo.sent_to(newcomer.chat_id)[0].text
    assert "trợ lý tự động" in opening and "không phải một người" in opening
    assert "/quyenriengtu" in consent and consent.endswith("1. Đồng ý\n2. Không đồng ý")
    first = await rig.say(newcomer, "đồng ý")
    assert "trưởng thôn" in first and "Khuổi Bốc" in first
    assert first.endswith("1. Giữ tên: Bàn Văn Tú")
    asked = await rig.say(newcomer, "1")
    assert "Cảm ơn Bàn Văn Tú" in asked and "gõ số" in asked and asked.endswith("1. Bỏ qua")
    share = await rig.say(newcomer, "+84 912 345 678")
    assert "0912345678" in share and share.endswith("1. Có\n2. Không")
    done = await rig.say(newcomer, "co")
    assert "1. Báo sự việc" in done and "3. Tuần này bình thường" in done
    assert "<b>" not in done and "&amp;" not in done
    later = await rig.say(newcomer, "/menu")
    assert "trợ lý tự động" not in later
    async with rig.sessions() as session:
        person = await session.scalar(
            select(Person)
            .join(Identity, Identity.person_id == Person.id)
            .where(Identity.external_id == "zl-new")
        )
    assert person is not None and (person.phone, person.share_phone) == ("0912345678", True)


async def make_invite_for(rig: Rig, unit: str, role: Role = Role.REPORTER) -> str:
    from tests.support import Harness, MutableClock

    return await make_invite(Harness(rig.sessions, MutableClock()), unit, role=role)


async def test_incident_with_a_photo_and_a_typed_place(rig: Rig, head: FakeUser) -> None:
    url = rig.zalo.add_photo("bo-suoi.jpg", JPEG)
    menu, categories, urgency, _, _, asks_place = await rig.conversation(
        head,
        "/menu",
        "bao su viec",
        "2",
        "khong khan",
        "Đổ rác <b>trộm</b> & đốt ở bờ suối",
        "hôm nay",
    )
    assert "1. Báo sự việc" in menu
    assert "1. An ninh trật tự" in categories and "6. Thiên tai, sự cố" in categories
    assert "khẩn" in urgency
    assert "Gõ vài chữ mô tả nơi xảy ra" in asks_place and "vị trí" not in asks_place
    assert asks_place.endswith("1. Bỏ qua")
    asks_photos = await rig.say(head, "bờ suối đầu bản")
    assert "ảnh" in asks_photos
    got_photo = await rig.exchange(head, head.sends_photo(url, field="photo_url"))
    assert "Đã nhận 1 ảnh" in got_photo
    summary = await rig.say(head, "xong")
    assert "Nội dung: Đổ rác <b>trộm</b> & đốt ở bờ suối" in summary
    assert "Địa điểm: bờ suối đầu bản" in summary and "Ảnh: 1" in summary
    saved = await rig.say(head, "gửi báo cáo")
    assert "Đã ghi nhận báo cáo số" in saved

    report = (await reports(rig, kind=ReportKind.INCIDENT))[-1]
    assert (report.category, report.urgent, report.place) == (
        "environment",
        False,
        "bờ suối đầu bản",
    )
    assert report.text == "Đổ rác <b>trộm</b> & đốt ở bờ suối"
    async with rig.sessions() as session:
        photos = list(
            (
                await session.execute(select(ReportPhoto).where(ReportPhoto.report_id == report.id))
            ).scalars()
        )
    assert [(p.channel, p.file_ref) for p in photos] == [(Channel.ZALO, url)]

    async def copied() -> bool:
        async with rig.sessions() as session:
            row = await session.scalar(select(MediaFile).where(MediaFile.source_url == url))
        return row is not None and row.status is MediaStatus.DONE

    await wait_for(copied, "the photo to be copied")
    async with rig.sessions() as session:
        row = await session.scalar(select(MediaFile).where(MediaFile.source_url == url))
    assert row is not None and row.local_path is not None
    assert (rig.media_dir / row.local_path).read_bytes() == JPEG


async def test_activity_of_a_model(rig: Rig, head: FakeUser) -> None:
    await rig.say(head, "/menu")
    models = await rig.say(head, "2")
    assert "Tiếng mõ an ninh (Hội Cựu chiến binh)" in models
    await rig.conversation(head, "tieng mo an ninh", "Tuần tra đêm, thử hiệu lệnh mõ", "hôm nay")
    wrong = await rig.say(head, "nhiều lắm")
    assert "con số" in wrong
    await rig.conversation(head, "khoảng 18 người", "1")
    saved = await rig.say(head, "1")
    assert "Đã ghi nhận báo cáo số" in saved
    report = (await reports(rig, kind=ReportKind.ACTIVITY))[-1]
    assert (report.category, report.participants) == ("tieng_mo", 18)


async def test_an_urgent_incident_told_in_a_head_s_own_words(rig: Rig, head: FakeUser) -> None:
    """On Zalo everything is typed: 'khẩn', 'hôm kia 15h', 'bo qua', 'ko có ảnh', 'gui'."""
    await rig.conversation(head, "/menu", "bao su viec", "an ninh", "khẩn")
    await rig.say(head, "Trộm cắt dây điện ở trạm bơm")
    asks_place = await rig.say(head, "hôm kia 15h")
    assert "Gõ vài chữ mô tả nơi xảy ra" in asks_place
    await rig.conversation(head, "bo qua", "ko có ảnh")
    saved = await rig.say(head, "gui bao cao")
    assert "Đã ghi nhận báo cáo số" in saved

    report = (await reports(rig, kind=ReportKind.INCIDENT))[-1]
    local = report.occurred_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    two_days_before = (PROCESS_CLOCK().astimezone(local.tzinfo) - timedelta(days=2)).date()
    assert (report.category, report.urgent, report.text) == (
        "security",
        True,
        "Trộm cắt dây điện ở trạm bơm",
    )
    assert (local.date(), local.hour, local.minute) == (two_days_before, 15, 0)
    assert report.occurred_time_known


async def test_nothing_to_report_once_a_week(rig: Rig, head: FakeUser) -> None:
    await rig.say(head, "/menu")
    first = await rig.say(head, "3")
    assert "bình thường" in first
    second = await rig.say(head, "tuan nay binh thuong")
    assert "đã được báo" in second


async def test_edit_a_long_report_before_sending(rig: Rig, head: FakeUser) -> None:
    await rig.conversation(head, "/menu", "1", "1", "2", "Mất trộm xe đạp", "1", "1", "1")
    fields = await rig.say(head, "2")
    assert "Sửa phần nào?" in fields and "3. Nội dung" in fields
    asks = await rig.say(head, "noi dung")
    assert "mô tả" in asks.lower()
    long_text = " ".join(["Mất trộm xe máy Honda Wave màu đỏ ở sân nhà văn hóa"] * 38)[:2000]
    sent_before = len(rig.zalo.sent_to(head.chat_id))
    summary = await rig.say(head, long_text)
    parts = rig.zalo.sent_to(head.chat_id)[sent_before:]
    assert len(parts) > 1 and all(len(part.text) <= 2000 for part in parts)
    assert " ".join(summary.split()).count(long_text) == 1
    assert not rig.zalo.rejected
    assert summary.endswith("1. Gửi báo cáo\n2. Sửa\n3. Hủy")
    await rig.say(head, "1")
    assert (await reports(rig, kind=ReportKind.INCIDENT))[-1].text == long_text


async def test_cancel_saves_nothing(rig: Rig, head: FakeUser) -> None:
    before = len(await reports(rig))
    await rig.conversation(head, "/menu", "1", "2")
    cancelled = await rig.say(head, "/huy")
    assert "Đã hủy" in cancelled and "1. Báo sự việc" in cancelled
    assert len(await reports(rig)) == before


async def test_bad_input_keeps_the_step_and_repeats_the_options(rig: Rig, head: FakeUser) -> None:
    before = len(await reports(rig))
    await rig.conversation(head, "/menu", "1")
    unmatched = await rig.say(head, "cái gì đó")
    assert "Vui lòng chọn" in unmatched
    assert "1. An ninh trật tự" in unmatched and "6. Thiên tai, sự cố" in unmatched
    await rig.conversation(head, "te nan xa hoi")
    sticker = await rig.exchange(head, head.sends_sticker())
    assert "gõ chữ" in sticker and "1. Khẩn cấp" in sticker
    location = await rig.exchange(head, head.sends_location())
    assert "gõ chữ" in location and "1. Khẩn cấp" in location
    await rig.say(head, "khong khan")
    huge = await rig.say(head, "x" * 10_000)
    assert "quá dài" in huge and "Mô tả ngắn" in huge
    unknown = await rig.say(head, "/xoa_het")
    assert "Không có lệnh /xoa_het" in unknown
    assert not rig.zalo.rejected
    assert len(await reports(rig)) == before


async def on_console(rig: Rig, user: str, text: str) -> str:
    """The same person at the local console, served by the same engine."""
    event = InEvent(channel="console", user_key=user, chat_key=user, kind="text", text=text)
    async with rig.sessions() as session, session.begin():
        inbox_id = await inbox.store(
            session,
            channel="console",
            update_key=f"console-{uuid.uuid4().hex}",
            user_key=user,
            chat_key=user,
            event=event.model_dump(exclude_defaults=True),
            now=rig.hub.clock(),
        )
    rig.hub.inbox_changed()

    async def processed() -> bool:
        async with rig.sessions() as session:
            item = await session.get(InboxItem, inbox_id)
            return item is not None and item.status is not InboxStatus.PENDING

    await wait_for(processed, "the console line")
    async with rig.sessions() as session, session.begin():
        items = await outbox.pending_for(session, "console", rig.hub.clock(), user, limit=100)
        for item in items:
            outbox.mark_sent(item, rig.hub.clock())
        return "\n".join(render(OutMessage.model_validate(item.message)) for item in items)


async def test_a_head_linked_on_console_and_zalo_sees_the_same_reports(rig: Rig) -> None:
    issued = await on_console(rig, HEAD, "/lienket")
    code = issued.split("/lienket ")[1].split()[0]
    phone = rig.zalo.user("zl-linked", "Thào")
    waiting = await rig.say(phone, f"/lienket {code}")
    assert "cần chính người dùng tài khoản ấy đồng ý" in waiting
    assert "muốn liên kết với anh/chị" in await on_console(rig, HEAD, "/trogiup")
    agreed = await on_console(rig, HEAD, "a")  # the question's letter, at the console
    assert "Đã liên kết" in agreed
    await rig.zalo.wait_until(
        lambda: any("vừa được liên kết" in m.text for m in rig.zalo.sent_to(phone.chat_id)),
        what="the notice of the link",
    )
    assert "1. Báo sự việc" in await rig.say(phone, "/menu")

    await rig.conversation(phone, "1", "1", "2", "Trộm gà ở xóm dưới", "1", "nhà văn hóa", "1")
    saved = await rig.say(phone, "1")
    number = saved.split("Đã ghi nhận báo cáo số ")[1].split(".")[0]
    await on_console(rig, HEAD, "/menu")
    on_the_console = await on_console(rig, HEAD, "Báo cáo gần đây")
    assert f"#{number} " in on_the_console

    await rig.say(phone, "/menu")
    on_zalo = await rig.say(phone, "bao cao gan day")
    listed = [line for line in on_zalo.splitlines() if line[:1].isdigit() and "#" in line]
    assert f"#{number} " in on_zalo
    assert len(listed) > 1  # the reports made at the console before the link are there too


async def test_an_urgent_alert_is_answered_by_the_letter_it_names(rig: Rig, head: FakeUser) -> None:
    officer = rig.zalo.user("zl-officer", "Nông Thị Hoa")
    await as_demo(rig.sessions, officer, "demo-officer")
    second = rig.zalo.user("zl-second", "Triệu Văn Minh")
    code = await make_invite_for(rig, "1969", role=Role.OFFICER)
    await rig.conversation(second, code, "đồng ý", "1")
    await rig.conversation(
        head, "/menu", "bao su viec", "thien tai", "khẩn cấp", "Sạt lở vùi bếp", "hôm nay"
    )
    await rig.conversation(head, "bỏ qua", "bỏ qua")
    saved = await rig.say(head, "gửi báo cáo")
    number = (await reports(rig, kind=ReportKind.INCIDENT))[-1].id
    assert f"Đã ghi nhận báo cáo số {number}" in saved

    def alerted(user: FakeUser) -> bool:
        return any(f"Sự việc khẩn #{number}" in m.text for m in rig.zalo.sent_to(user.chat_id))

    await rig.zalo.wait_until(lambda: alerted(officer) and alerted(second), what="the alert")
    alert = next(m.text for m in rig.zalo.sent_to(officer.chat_id) if f"#{number}" in m.text)
    assert "Trả lời bằng chữ cái" in alert and alert.endswith(
        "a. Đã nhận\nb. Đang xử lý\nc. Đã xử lý\nd. Ghi chú"
    )

    await rig.say(officer, "/menu")
    taken = await rig.say(officer, "a")
    assert f"Đã cập nhật sự việc #{number}: đã nhận" in taken
    report = (await reports(rig, id=number))[0]
    assert report.status is IncidentStatus.ACKNOWLEDGED

    def heard(user: FakeUser, words: str) -> list[str]:
        return [m.text for m in rig.zalo.sent_to(user.chat_id) if words in m.text]

    await rig.zalo.wait_until(
        lambda: bool(heard(second, "đồng chí Nông Thị Hoa đã chuyển sang")), what="the news"
    )
    await rig.zalo.wait_until(lambda: bool(heard(head, "đã nhận")), what="the reporter told")
    menu_again = await rig.say(officer, "1")
    assert "Tổng hợp cho khoảng thời gian nào?" in menu_again, "a number is the menu's"
    assert len(heard(head, f"Sự việc #{number}")) == 1


async def test_the_word_report_on_zalo_says_where_to_get_it(rig: Rig) -> None:
    officer = rig.zalo.user("zl-officer", "Nông Thị Hoa")
    await as_demo(rig.sessions, officer, "demo-officer")
    await rig.say(officer, "/menu")
    answer = await rig.say(officer, "bao cao word")
    assert "Zalo chưa nhận được tệp Word" in answer
    assert "tuquan report --unit 1969 --month 2026-10 --docx baocao.docx" in answer
    assert "<b>" not in answer and "1. Tổng hợp" in answer, "then the menu, as Zalo shows it"
    async with rig.sessions() as session:
        documents = await session.scalar(select(func.count()).where(StoredFile.name.like("%.docx")))
    assert documents == 0, "nothing is made that Zalo would drop"
