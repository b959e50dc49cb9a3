"""The officer's conversations in the console's neutral messages."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from storage import files, invites
from storage.enums import IncidentStatus, ModelStatus, Role
from storage.models import ModelInstance
from tests.officers import OTHER_OFFICER, PROVINCE_OFFICER, file_incident
from tests.support import HEAD, OFFICER, RESIDENT, Harness, labels, text_of


async def test_the_officer_menu_offers_every_officer_task(harness: Harness) -> None:
    menu = await harness.say(OFFICER, "/menu")
    assert labels(menu[-1]) == [
        "Tổng hợp",
        "Thôn chưa báo cáo",
        "Sự việc đang mở",
        "Báo cáo mới trong địa bàn",
        "Xuất Excel",
        "Báo cáo Word",
        "Mở bảng theo dõi",
        "Mời người dùng",
        "Mô hình tự quản",
        "Lịch nhắc, nghỉ lễ",
        "Hướng dẫn",
        "Tải lại hướng dẫn",
        "Thông tin của tôi",
        "Trợ giúp",
    ]


async def test_summary_for_last_week_with_its_chart(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Tổng hợp")
    replies = await harness.tap(OFFICER, "Tuần trước")
    assert (
        "Tổng hợp tuần 47" in replies[0].text and "thôn Bản Đán — Triệu Văn Sinh" in replies[0].text
    )
    chart = replies[1].attachment
    assert chart is not None and chart.kind == "photo"
    async with harness.sessions() as session:
        stored = await files.load(session, chart.file_id)
    assert stored is not None and stored.content.startswith(b"\x89PNG")
    assert labels(replies[-1])[0] == "Tổng hợp"
    month = await harness.say(OFFICER, "/tonghop")
    assert "tuần 47" in month[0].text


async def test_missing_hamlets_this_week_and_bad_input(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    replies = await harness.tap(OFFICER, "Thôn chưa báo cáo")
    text = text_of(replies)
    assert "Chưa báo cáo tuần 48" in text and "thôn Nà Phải — Hoàng Văn Thào" in text
    wrong = await harness.say(OFFICER, "xyz")
    assert "Vui lòng chọn" in text_of(wrong) or "Chưa hiểu" in text_of(wrong)


async def test_open_incidents_with_actions(harness: Harness) -> None:
    report_id = await file_incident(harness, "Môi trường", "Đốt rác gây khói", urgent=False)
    await harness.read(HEAD)
    await harness.say(OFFICER, "/menu")
    listed = await harness.tap(OFFICER, "Sự việc đang mở")
    mine = next(label for label in labels(listed[-1]) if label.startswith(f"#{report_id} "))
    details = await harness.tap(OFFICER, mine)
    assert "Đốt rác gây khói" in details[-1].text
    assert labels(details[-1])[:4] == ["Đã nhận", "Đang xử lý", "Đã xử lý", "Ghi chú"]
    await harness.tap(OFFICER, "Đã xử lý")
    after = await harness.say(OFFICER, "có")
    assert f"Đã cập nhật sự việc #{report_id}: đã xử lý" in text_of(after)
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.RESOLVED
    assert "đã xử lý" in text_of(await harness.read(HEAD))


async def test_export_to_excel_for_a_period(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Xuất Excel")
    replies = await harness.tap(OFFICER, "Tháng này")
    document = replies[0].attachment
    assert document is not None and document.kind == "document"
    assert document.name.endswith(".xlsx")
    async with harness.sessions() as session:
        stored = await files.load(session, document.file_id)
    assert stored is not None
    book = load_workbook(io.BytesIO(stored.content))
    assert book.sheetnames == ["Báo cáo", "Báo cáo theo tuần", "Mô hình"]
    rows = list(book["Báo cáo"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Số", "Đơn vị", "Loại báo cáo")
    assert len(rows) > 5
    confidential = [r for r in rows if r[3] == "Tệ nạn xã hội"]
    assert all(r[5] == "(nội dung bảo mật)" and not r[12] for r in confidential)
    models = list(book["Mô hình"].iter_rows(values_only=True))
    assert any(r[7] == "có" for r in models[1:])


async def test_invite_a_hamlet_head_for_a_hamlet_of_the_commune(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Mời người dùng")
    offered = await harness.tap(OFFICER, "trưởng thôn (người báo cáo)")
    assert "thôn Nà Lốc" not in labels(offered[-1])
    asked = await harness.tap(OFFICER, "thôn Cốc Thử")
    assert "Thôn Cốc Thử đang có trưởng thôn Ma Thị Hiền" in text_of(asked)
    done = await harness.tap(OFFICER, "Thay Ma Thị Hiền làm trưởng thôn")
    text = text_of(done)
    assert "Mã mời:" in text and "thôn Cốc Thử" in text
    code = text.split("Mã mời: <b>")[1].split("</b>")[0]
    async with harness.sessions() as session:
        invite = await invites.find(session, code)
    assert invite is not None and invite.role is Role.REPORTER


async def test_the_model_registry_add_with_overlap_warning_then_pause(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Mô hình tự quản")
    await harness.tap(OFFICER, "Thêm mô hình")
    await harness.tap(OFFICER, "thôn Nà Phải")
    await harness.tap(OFFICER, "Tiếng mõ an ninh")
    asked = await harness.tap(OFFICER, "Công an xã")
    assert "Hội Cựu chiến binh" in text_of(asked)
    added = await harness.say(OFFICER, "có")
    assert "Đã thêm mô hình" in text_of(added)
    line = next(
        label
        for label in labels(added[-1])
        if "Tiếng mõ an ninh (Công an xã)" in label and "Nà Phải" in label
    )
    await harness.tap(OFFICER, line)
    paused = await harness.tap(OFFICER, "Tạm dừng")
    assert "tạm dừng" in text_of(paused)
    async with harness.sessions() as session:
        from sqlalchemy import select

        statuses = (
            (await session.execute(select(ModelInstance.status).order_by(ModelInstance.id.desc())))
            .scalars()
            .first()
        )
    assert statuses is ModelStatus.PAUSED


async def test_officer_commands_are_refused_politely_to_anyone_else(harness: Harness) -> None:
    for user in (RESIDENT, HEAD):
        replies = await harness.say(user, "/tonghop")
        assert text_of(replies).startswith("Xin lỗi, tài khoản này không có quyền")
        assert len(replies) == 1
    foreign = await harness.say(OTHER_OFFICER, "/tonghop Nà Phải")
    assert text_of(foreign).startswith("Xin lỗi, đơn vị này không thuộc địa bàn đồng chí")
    assert "Nà Phải" not in text_of(foreign) and "bạn" not in text_of(foreign)
    own = await harness.say(PROVINCE_OFFICER, "/tonghop Nà Phải")
    assert "thôn Nà Phải" in own[0].text
