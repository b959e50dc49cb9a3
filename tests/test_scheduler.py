"""Reminders and digests on a frozen clock: right people, once, caught up after downtime."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from scheduler.jobs import Jobs
from scheduler.runner import SchedulerService
from storage.models import JobRun
from storage.schedules import WeeklyTime
from tests.officers import (
    COMMUNE_DEPUTY,
    KHUOI_BOC,
    NA_LOC,
    OTHER_OFFICER,
    PROVINCE_OFFICER,
    jobs_for,
    local,
    outbox_keys,
)
from tests.support import HEAD, OFFICER, Harness, labels, text_of

ROOT = Path(__file__).resolve().parents[1]
FIRST = WeeklyTime(4, 16, 0)


async def test_a_week_of_the_demo_district(harness: Harness) -> None:
    """Friday: some hamlets report; 16:00 and Sunday 18:00 remind the others; Monday 07:00
    the officers get last week's digest naming the hamlets that stayed silent."""
    jobs = jobs_for(harness)
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tuần này bình thường")

    harness.clock.now = local(2026, 11, 27, 16, 0)
    [first] = [o for o in await jobs.catch_up() if o.job.startswith("first_reminder")]
    assert first.status == "ran" and first.messages == 9
    assert await harness.read(HEAD) == []
    reminder = (await harness.read(NA_LOC))[-1]
    assert "tuần 48" in reminder.text and "thôn Nà Lốc" in reminder.text
    assert labels(reminder)[0] == "Tuần này bình thường"
    done = await harness.tap_on(NA_LOC, reminder, "Tuần này bình thường")
    assert "bình thường" in text_of(done)

    harness.clock.now = local(2026, 11, 29, 18, 0)
    second = [o for o in await jobs.catch_up() if o.job.startswith("second_reminder")]
    assert [o.messages for o in second] == [8]
    assert await harness.read(NA_LOC) == []
    assert "Nhắc lần 2" in (await harness.read(KHUOI_BOC))[-1].text

    harness.clock.now = local(2026, 11, 30, 7, 0)
    digest_runs = [o for o in await jobs.catch_up() if o.job.startswith("digest_at")]
    assert digest_runs[0].status == "ran"
    commune = await harness.read(OFFICER)
    text = commune[0].text
    assert "tuần 48" in text and "xã Phủ Thông" in text
    assert (
        "<b>Báo cáo:</b> 1/5 thôn (20%), trong đó 1 thôn báo “bình thường”; 4 thôn chưa báo cáo"
        in text
    )
    assert "phố Chính — Nông Thị Lan" in text and "thôn Nà Phải —" not in text
    assert "Chồng chéo" in text and "thôn Nà Phải: Khu dân cư bảo vệ môi trường" in text
    assert commune[1].attachment is not None and commune[1].attachment.kind == "photo"
    assert text_of(await harness.read(COMMUNE_DEPUTY)).startswith(commune[0].text[:40])
    other = (await harness.read(OTHER_OFFICER))[0].text
    assert "xã Bạch Thông" in other and "thôn Khuổi Bốc — Bàn Văn Quý" in other
    assert "Nà Lốc —" not in other
    province = (await harness.read(PROVINCE_OFFICER))[0].text
    # Two communes are both listed, lowest first; naming "the lowest" of two says nothing.
    assert "Theo xã (thấp nhất trước)" in province and "Thấp nhất:" not in province


async def test_a_job_run_twice_sends_once(harness: Harness) -> None:
    jobs = jobs_for(harness)
    harness.clock.now = local(2026, 11, 27, 16, 5)
    assert (await jobs.run_slot("first_reminder", FIRST)).status == "ran"
    sent = await outbox_keys(harness, "reminder1:")
    assert (await jobs.run_slot("first_reminder", FIRST)).status == "already"
    async with harness.sessions() as session, session.begin():
        await session.execute(delete(JobRun))
    rerun = await jobs.run_slot("first_reminder", FIRST)
    assert (rerun.status, rerun.messages) == ("ran", 0)
    assert await outbox_keys(harness, "reminder1:") == sent
    assert len(sent) == 10


async def test_down_over_the_reminder_it_is_caught_up_once_within_its_grace(
    harness: Harness,
) -> None:
    harness.clock.now = local(2026, 11, 27, 19, 30)
    after_restart = jobs_for(harness)
    outcomes = {o.job: o.status for o in await after_restart.catch_up()}
    assert outcomes["first_reminder@4-1600"] == "ran"
    assert outcomes["digest_at@0-0700"] == "not_due"
    again = jobs_for(harness)
    assert {o.job: o.status for o in await again.catch_up()}["first_reminder@4-1600"] == "already"
    assert len(await outbox_keys(harness, "reminder1:")) == 10


async def test_too_late_a_reminder_is_skipped_not_sent(harness: Harness) -> None:
    harness.clock.now = local(2026, 11, 27, 21, 0)
    outcomes = {o.job: o.status for o in await jobs_for(harness).catch_up()}
    assert outcomes["first_reminder@4-1600"] == "not_due"
    assert await outbox_keys(harness, "reminder1:") == []


async def test_a_holiday_and_a_personal_pause_hold_reminders_back(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Lịch nhắc, nghỉ lễ")
    await harness.tap(OFFICER, "Thêm đợt nghỉ (Tết, lễ)")
    bad = await harness.say(OFFICER, "ngày mai")
    assert "ngày/tháng" in text_of(bad)
    await harness.say(OFFICER, "27/11")
    saved = await harness.say(OFFICER, "29/11")
    assert "Nghỉ nhắc từ 27/11/2026 đến 29/11/2026" in text_of(saved)

    await harness.say(NA_LOC, "/menu")
    await harness.tap(NA_LOC, "Tạm dừng nhắc báo cáo")
    paused = await harness.tap(NA_LOC, "7 ngày")
    assert "03/12/2026" in text_of(paused)

    harness.clock.now = local(2026, 11, 27, 16, 0)
    await jobs_for(harness).catch_up()
    reminded = await outbox_keys(harness, "reminder1:")
    assert len(reminded) == 4
    assert await harness.read(HEAD) == [] and await harness.read(NA_LOC) == []


async def test_an_officer_moves_the_reminder_for_their_commune(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Lịch nhắc, nghỉ lễ")
    await harness.tap(OFFICER, "Đổi giờ nhắc lần 1")
    bad = await harness.say(OFFICER, "chiều thứ sáu")
    assert "thứ 6 16:00" in text_of(bad)
    saved = await harness.say(OFFICER, "thứ 5 9h30")
    assert "Nhắc lần 1: thứ 5 lúc 09:30" in text_of(saved)
    jobs = jobs_for(harness)
    assert WeeklyTime(3, 9, 30) in (await jobs.moments())["first_reminder"]
    harness.clock.now = local(2026, 12, 3, 9, 30)
    outcomes = {o.job: o for o in await jobs.catch_up()}
    assert outcomes["first_reminder@3-0930"].messages == 5
    harness.clock.now = local(2026, 12, 4, 16, 0)
    outcomes = {o.job: o for o in await jobs.catch_up()}
    assert outcomes["first_reminder@4-1600"].messages == 5


async def test_a_reminder_button_works_while_the_head_is_in_another_conversation(
    harness: Harness,
) -> None:
    harness.clock.now = local(2026, 11, 27, 16, 0)
    await jobs_for(harness).catch_up()
    reminder = (await harness.read(HEAD))[-1]
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    replies = await harness.tap_on(HEAD, reminder, "Tuần này bình thường")
    assert "tuần 48" in replies[0].text and "bình thường" in replies[0].text
    assert labels(replies[-1])[0] == "An ninh trật tự"
    assert len(await harness.reports(kind="nothing", week="2026-W48")) == 1
    foreign = await harness.event(
        HEAD,
        kind="choice",
        choice_token=(reminder.choice_token or "").replace(".", ".9"),
        choice_id="ok",
    )
    assert "không có quyền" in text_of(foreign)


def test_the_digest_fires_at_seven_in_vietnam_on_a_host_in_utc() -> None:
    probe = (
        "from datetime import datetime, UTC\n"
        "from zoneinfo import ZoneInfo\n"
        "from scheduler.runner import new_scheduler, weekly_trigger\n"
        "from storage.schedules import DEFAULT\n"
        "tz = ZoneInfo('Asia/Ho_Chi_Minh')\n"
        "trigger = weekly_trigger(DEFAULT.digest_at, tz)\n"
        "after = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)\n"
        "fire = trigger.get_next_fire_time(None, after)\n"
        "host = datetime.now().astimezone().tzname()\n"
        "print(fire.astimezone(UTC).isoformat(), new_scheduler(tz).timezone, host)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.split() == ["2026-11-30T00:00:00+00:00", "Asia/Ho_Chi_Minh", "UTC"]


async def test_the_digest_job_at_midnight_utc_is_seven_in_vietnam(harness: Harness) -> None:
    from datetime import UTC, datetime

    harness.clock.now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    outcome = await jobs_for(harness).run_slot("digest_at", WeeklyTime(0, 7, 0))
    assert (outcome.status, outcome.period) == ("ran", "2026-11-30T07:00")
    assert "tuần 48" in (await harness.read(OFFICER))[0].text


async def test_only_one_process_leads_the_scheduler_on_postgresql(database_url: str) -> None:
    from scheduler.runner import Leadership
    from storage.db import create_engine

    first_engine, second_engine = create_engine(database_url), create_engine(database_url)
    first, second = Leadership(first_engine), Leadership(second_engine)
    try:
        assert await first.acquire()
        is_postgres = first_engine.dialect.name == "postgresql"
        assert await second.acquire() is not is_postgres
        await first.release()
        if is_postgres:
            assert await second.acquire()
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()


async def test_start_up_jobs_have_fixed_ids_and_cleaning_runs_at_three_local(
    database_url: str,
) -> None:
    from storage.db import create_engine, session_factory

    engine = create_engine(database_url)
    service = SchedulerService(Jobs(session_factory(engine)), engine)
    service.add_startup_jobs()
    service.add_startup_jobs()  # a second start replaces, never duplicates
    service.scheduler.start(paused=True)
    ids = sorted(job.id for job in service.scheduler.get_jobs())
    assert ids == ["escalations", "retention", "schedule-sync"]
    trigger = service.scheduler.get_job("retention").trigger
    monday = datetime(2026, 11, 30, 12, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    fire = trigger.get_next_fire_time(None, monday)
    assert (fire.hour, fire.minute, fire.utcoffset()) == (3, 0, timedelta(hours=7))
    service.scheduler.shutdown(wait=False)
    counts = await service.jobs.clean_up()
    assert {"reports", "inbox", "outbox", "conversations", "files"} <= set(counts)
    await engine.dispose()
