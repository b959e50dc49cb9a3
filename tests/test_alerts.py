"""Urgent incidents: officers on duty at once, escalation when nobody answers, rights checked."""

from __future__ import annotations

from storage.enums import IncidentStatus
from tests.officers import (
    COMMUNE_DEPUTY,
    OTHER_OFFICER,
    PROVINCE_OFFICER,
    events,
    file_incident,
    jobs_for,
)
from tests.support import HEAD, OFFICER, RESIDENT, Harness, labels, text_of


async def test_an_urgent_report_reaches_the_officer_on_duty_in_the_same_step(
    harness: Harness,
) -> None:
    report_id = await file_incident(
        harness, "Thiên tai, sự cố", "Sạt lở vùi một gian nhà", urgent=True
    )
    head = text_of(await harness.read(HEAD))
    assert "cán bộ Mặt trận trực" in head or harness.last[HEAD]
    alert = (await harness.read(OFFICER))[-1]
    assert f"Sự việc khẩn #{report_id}" in alert.text
    assert "Sạt lở vùi một gian nhà" in alert.text and "Hoàng Văn Thào" in alert.text
    assert labels(alert) == ["Đã nhận", "Đang xử lý", "Đã xử lý", "Ghi chú"]
    assert alert.choice_token == f"r{report_id}"
    assert await harness.read(COMMUNE_DEPUTY) == []
    assert await events(harness, report_id) == [("alerted", 0)]


async def test_nobody_acknowledges_so_it_climbs_to_the_deputy_then_the_province(
    harness: Harness,
) -> None:
    report_id = await file_incident(
        harness, "Thiên tai, sự cố", "Lũ cuốn trôi cầu tạm", urgent=True
    )
    jobs = jobs_for(harness)
    harness.clock.advance(minutes=29)
    assert await jobs.escalate() == 0
    harness.clock.advance(minutes=2)
    assert await jobs.escalate() == 1
    escalated = (await harness.read(COMMUNE_DEPUTY))[-1]
    assert "chưa ai nhận" in escalated.text and f"#{report_id}" in escalated.text
    assert await jobs.escalate() == 0
    harness.clock.advance(minutes=31)
    assert await jobs.escalate() == 1
    assert f"#{report_id}" in (await harness.read(PROVINCE_OFFICER))[-1].text
    assert await events(harness, report_id) == [
        ("alerted", 0),
        ("escalated", 1),
        ("escalated", 2),
    ]
    await harness.read(HEAD)
    await harness.tap(PROVINCE_OFFICER, "Đã nhận")
    told = text_of(await harness.read(HEAD))
    assert f"Sự việc #{report_id}" in told and "đã nhận" in told
    harness.clock.advance(hours=2)
    assert await jobs.escalate() == 0
    stored = (await harness.reports(id=report_id))[0]
    assert stored.status is IncidentStatus.ACKNOWLEDGED


async def test_an_acknowledged_alert_does_not_climb_and_each_change_is_told(
    harness: Harness,
) -> None:
    report_id = await file_incident(
        harness, "An ninh trật tự", "Đánh nhau ở chợ phiên", urgent=True
    )
    await harness.read(HEAD)
    alert = (await harness.read(OFFICER))[-1]
    replies = await harness.tap_on(OFFICER, alert, "Đã nhận")
    assert f"Đã cập nhật sự việc #{report_id}" in text_of(replies)
    again = await harness.tap_on(OFFICER, alert, "Đã nhận")
    assert "không thay đổi" in text_of(again)
    await harness.tap_on(OFFICER, alert, "Đang xử lý")
    await harness.tap_on(OFFICER, alert, "Đã xử lý")
    told = [m.text for m in await harness.read(HEAD)]
    assert len(told) == 3
    assert ["đã nhận" in told[0], "đang xử lý" in told[1], "đã xử lý" in told[2]] == [True] * 3
    harness.clock.advance(hours=1)
    assert await jobs_for(harness).escalate() == 0
    assert await harness.read(COMMUNE_DEPUTY) == []


async def test_a_note_reaches_the_hamlet_head(harness: Harness) -> None:
    report_id = await file_incident(harness, "Môi trường", "Cá chết hàng loạt ở suối", urgent=True)
    await harness.read(HEAD)
    alert = (await harness.read(OFFICER))[-1]
    await harness.tap_on(OFFICER, alert, "Ghi chú")
    saved = await harness.say(OFFICER, "Đã báo phòng nông nghiệp lấy mẫu nước")
    assert f"sự việc #{report_id}" in text_of(saved)
    told = text_of(await harness.read(HEAD))
    assert "Đã báo phòng nông nghiệp lấy mẫu nước" in told and "Nông Thị Hoa" in told
    assert ("note", None) in await events(harness, report_id)


async def test_alert_buttons_work_while_the_officer_is_elsewhere(harness: Harness) -> None:
    report_id = await file_incident(
        harness, "Thiên tai, sự cố", "Sét đánh trạm biến áp", urgent=True
    )
    alert = (await harness.read(OFFICER))[-1]
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Tổng hợp")
    replies = await harness.event(
        OFFICER, kind="choice", choice_token=alert.choice_token, choice_id="work"
    )
    assert f"Đã cập nhật sự việc #{report_id}" in replies[0].text
    assert labels(replies[-1])[0] == "Tuần này"
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.IN_PROGRESS


async def test_a_stranger_and_an_officer_of_another_commune_are_refused(harness: Harness) -> None:
    report_id = await file_incident(harness, "An ninh trật tự", "Trộm cắp xe máy", urgent=True)
    token = f"r{report_id}"
    for user in (RESIDENT, OTHER_OFFICER, HEAD):
        await harness.say(user, "/menu")
        replies = await harness.event(user, kind="choice", choice_token=token, choice_id="done")
        assert "không có quyền" in text_of(replies)
        assert "Trộm cắp" not in text_of(replies)
    forged = await harness.event(OFFICER, kind="choice", choice_token="r999999", choice_id="ack")
    assert "không có quyền" in text_of(forged)
    bad_action = await harness.event(OFFICER, kind="choice", choice_token=token, choice_id="drop")
    assert "không có quyền" in text_of(bad_action)
    assert (await harness.reports(id=report_id))[0].status is IncidentStatus.OPEN


async def test_confidential_alerts_go_only_to_officers_named_for_them(harness: Harness) -> None:
    report_id = await file_incident(
        harness, "Tệ nạn xã hội", "Nghi có điểm bán ma túy ở bãi sông", urgent=True
    )
    assert "ma túy" in (await harness.read(OFFICER))[-1].text
    jobs = jobs_for(harness)
    harness.clock.advance(minutes=31)
    assert await jobs.escalate() == 1
    assert await harness.read(COMMUNE_DEPUTY) == []
    assert "ma túy" in (await harness.read(PROVINCE_OFFICER))[-1].text
    assert await events(harness, report_id) == [
        ("alerted", 0),
        ("no_recipient", 1),
        ("escalated", 2),
    ]
    refused = await harness.event(
        COMMUNE_DEPUTY, kind="choice", choice_token=f"r{report_id}", choice_id="ack"
    )
    assert "không có quyền" in text_of(refused)


async def test_a_report_made_urgent_afterwards_alerts_then(harness: Harness) -> None:
    report_id = await file_incident(harness, "Môi trường", "Khói từ lò gạch", urgent=False)
    assert await harness.read(OFFICER) == []
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo cáo gần đây")
    mine = next(label for label in labels(harness.last[HEAD]) if label.startswith(f"#{report_id} "))
    await harness.tap(HEAD, mine)
    await harness.tap(HEAD, "Sửa")
    await harness.tap(HEAD, "Mức độ khẩn")
    await harness.tap(HEAD, "Khẩn cấp")
    assert f"Sự việc khẩn #{report_id}" in (await harness.read(OFFICER))[-1].text
