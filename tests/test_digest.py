"""The digest's content, its set-based queries, confidentiality, and merged units."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digest import build, build_many
from handlers.digest_text import render
from handlers.i18n import Translator, catalog
from handlers.periods import Period, month_period, week_period
from storage import digests, people, reports, units
from storage.clock import week_days
from storage.enums import ReportKind, Role, UnitKind
from storage.models import Person, Report, Unit
from tests.cli import tuquan
from tests.databases import TZ
from tests.officers import file_incident
from tests.support import HEAD, Harness

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


@contextmanager
def counted(sessions: async_sessionmaker[AsyncSession]) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = sessions.kw["bind"].sync_engine

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def add_hamlets(session: AsyncSession, commune_code: str, count: int) -> None:
    """Many more hamlets, each with a head and a report a week."""
    commune = await units.resolve(session, commune_code, (UnitKind.COMMUNE,))
    for number in range(count):
        hamlet = units.new_unit(
            kind=UnitKind.HAMLET,
            name=f"Thôn thử {number}",
            division_type="thôn",
            parent_id=commune.id,
        )
        head = Person(full_name=f"Người thử {number}", created_at=NOW)
        session.add_all([hamlet, head])
        await session.flush()
        await people.assign(session, head.id, hamlet.id, Role.REPORTER, NOW - timedelta(days=90))
        for weeks_back in range(1, 10):
            moment = NOW - timedelta(weeks=weeks_back)
            await reports.add(
                session,
                Report(
                    unit_id=hamlet.id,
                    reporter_id=head.id,
                    kind=ReportKind.NOTHING,
                    text="",
                    occurred_at=moment,
                    received_at=moment,
                    week=f"{moment.astimezone(TZ).isocalendar()[0]}-W{moment.astimezone(TZ).isocalendar()[1]:02d}",
                ),
                [],
                "console",
                head.id,
            )


async def test_statements_per_digest_do_not_grow_with_the_hamlets(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    period = week_period("2026-W48")

    async def statements_for(code: str) -> tuple[int, int]:
        async with sessions() as session:
            unit = await units.resolve(session, code)
            with counted(sessions) as statements:
                digest = await build(session, unit.id, period, NOW, TZ)
            return len(statements), digest.completeness.expected

    small, small_hamlets = await statements_for("1969")
    async with sessions() as session, session.begin():
        await add_hamlets(session, "1969", 40)
    bigger, bigger_hamlets = await statements_for("1969")
    province, province_hamlets = await statements_for("19")
    assert (small_hamlets, bigger_hamlets, province_hamlets) == (5, 45, 50)
    assert small == bigger == province == 6


async def test_confidential_reports_are_counts_only_in_every_digest(harness: Harness) -> None:
    await file_incident(harness, "Tệ nạn xã hội", "Ổ cờ bạc sau nhà văn hóa", urgent=True)
    async with harness.sessions() as session:
        for code in ("1969", "19"):
            unit = await units.resolve(session, code)
            digest = await build(session, unit.id, week_period("2026-W48"), NOW, TZ)
            text = render(digest, Translator("vi"), NOW, TZ)
            assert "cờ bạc" not in text and "Hoàng Văn Thào" not in text
            assert "Trong đó bảo mật: 1 (chỉ báo số lượng)" in text
            assert "1 sự việc khẩn bảo mật (chỉ báo số lượng)" in text


async def test_a_merged_unit_rolls_its_history_into_its_successor(harness: Harness) -> None:
    """An old hamlet of Phương Linh, merged into Nà Phải: its 2019 reports count for Nà Phải."""
    async with harness.sessions() as session, session.begin():
        phuong_linh = await units.resolve(session, "Phương Linh")
        na_phai = await units.resolve(session, "Nà Phải")
        old = units.new_unit(
            kind=UnitKind.HAMLET,
            name="Nà Phải cũ",
            division_type="thôn",
            parent_id=phuong_linh.id,
        )
        old.valid_to, old.merged_into_id = date(2019, 12, 31), na_phai.id
        session.add(old)
        await session.flush()
        moment = datetime(2019, 11, 20, 3, tzinfo=UTC)
        await reports.add(
            session,
            Report(
                unit_id=old.id,
                kind=ReportKind.INCIDENT,
                category="traffic",
                text="Xe lật",
                occurred_at=moment,
                received_at=moment,
                week="2019-W47",
            ),
            [],
            "console",
            None,
        )
        commune_id = (await units.resolve(session, "1969")).id
        na_phai_id = na_phai.id
    async with harness.sessions() as session:
        digest = await build(session, commune_id, week_period("2019-W47"), NOW, TZ)
    assert digest.categories == {"traffic": (1, 0)}
    assert digest.cells[(na_phai_id, "2019-W47")].reported


def test_the_digest_command_names_the_missing_hamlets(database_url: str) -> None:
    result = tuquan("digest", "--unit", "1969", "--week", "2026-W47", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "Tổng hợp tuần 47 (16/11 - 22/11/2026) — xã Phủ Thông" in result.stdout
    assert "Chưa báo cáo (1):\n• thôn Bản Đán — Triệu Văn Sinh" in result.stdout
    assert "<b>" not in result.stdout
    by_name = tuquan(
        "digest", "--unit", "xa phu thong", "--week", "2026-W47", database_url=database_url
    )
    assert "Chưa báo cáo (1)" in by_name.stdout
    shared = tuquan("digest", "--unit", "Phủ Thông", "--include-ended", database_url=database_url)
    assert shared.returncode == 1 and "[1969]" in shared.stderr


def test_run_once_twice_writes_once(database_url: str) -> None:
    args = ("scheduler", "run-once", "first_reminder", "--at", "2026-11-27T16:30")
    first = tuquan(*args, database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert "first_reminder@4-1600 2026-11-27T16:00: đã ghi 10 tin nhắn" in first.stdout
    again = tuquan(*args, database_url=database_url)
    assert "đã chạy rồi, không ghi thêm gì" in again.stdout


async def _digest_text(
    sessions: async_sessionmaker[AsyncSession], code: str, period: Period, now: datetime = NOW
) -> str:
    async with sessions() as session:
        unit = await units.resolve(session, code)
        digest = await build(session, unit.id, period, now, TZ)
    return render(digest, Translator("vi"), now, TZ)


async def test_a_week_nobody_reported_has_no_on_time_rate(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    text = await _digest_text(sessions, "1969", week_period("2026-W49"))
    assert "0/5 thôn (0%)" in text and "5 thôn chưa báo cáo. Đúng hạn: —." in text
    assert "Đúng hạn: 0%" not in text


async def test_no_digest_says_silent_only_not_reported(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert not any("im lặng" in words for words in catalog("vi").values())
    for code in ("1969", "19"):
        text = await _digest_text(sessions, code, week_period("2026-W47"))
        assert "chưa báo cáo" in text and "im lặng" not in text


async def add_full_commune(session: AsyncSession, hamlets: int, week: str) -> None:
    """A third commune of the province whose hamlets all reported that week."""
    province_id = (await units.resolve(session, "1969")).parent_id
    commune = units.new_unit(
        kind=UnitKind.COMMUNE, name="Thử Nghiệm", division_type="xã", parent_id=province_id
    )
    session.add(commune)
    await session.flush()
    monday, _ = week_days(week)
    moment = datetime.combine(monday + timedelta(days=2), time(9), tzinfo=TZ)
    for number in range(hamlets):
        hamlet = units.new_unit(
            kind=UnitKind.HAMLET,
            name=f"Đủ {number}",
            division_type="thôn",
            parent_id=commune.id,
        )
        session.add(hamlet)
        await session.flush()
        report = Report(
            unit_id=hamlet.id,
            kind=ReportKind.NOTHING,
            text="",
            occurred_at=moment,
            received_at=moment,
            week=week,
        )
        await reports.add(session, report, [], "console", None)


async def test_the_lowest_communes_are_named_only_among_three_and_clearly_lower(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Week 47: Bạch Thông 3/5, Phủ Thông 4/5. Two communes: both listed, none singled out;
    with a third at 2/2 the province is at 9/12 (75%) and only Bạch Thông (60%) is 10 points
    or more below it."""
    two = await _digest_text(sessions, "19", week_period("2026-W47"))
    assert "• xã Bạch Thông: 3/5 (60%)\n• xã Phủ Thông: 4/5 (80%)" in two
    assert "Thấp nhất" not in two
    async with sessions() as session, session.begin():
        await add_full_commune(session, 2, "2026-W47")
    three = await _digest_text(sessions, "19", week_period("2026-W47"))
    assert "9/12 thôn (75%)" in three and "• xã Thử Nghiệm: 2/2 (100%)" in three
    assert "Thấp nhất: xã Bạch Thông." in three


async def test_a_hamlets_digest_says_what_the_hamlet_did(harness: Harness) -> None:
    now = harness.clock()
    before = await _digest_text(harness.sessions, "Nà Phải", week_period("2026-W48"), now)
    assert "<b>Báo cáo:</b> thôn Nà Phải chưa báo cáo (Hoàng Văn Thào)." in before
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tuần này bình thường")
    after = await _digest_text(harness.sessions, "Nà Phải", week_period("2026-W48"), now)
    assert "<b>Báo cáo:</b> thôn Nà Phải đã báo “bình thường”, đúng hạn." in after
    for text in (before, after):
        assert "1/1" not in text and "0 thôn" not in text
        assert "Tất cả các thôn" not in text and "Chưa báo cáo (" not in text
    month = await _digest_text(harness.sessions, "Nà Phải", month_period(2026, 10), now)
    assert "<b>Báo cáo:</b> thôn Nà Phải đã báo cáo 5/5 tuần, trong đó" in month
    assert "lượt thôn-tuần" not in month


async def test_an_incident_received_today_is_today_not_zero_days(harness: Harness) -> None:
    report_id = await file_incident(harness, "Môi trường", "Đốt rác gây khói", urgent=False)
    week = week_period("2026-W48")
    line = f"#{report_id} thôn Nà Phải · Môi trường · chưa ai nhận ·"
    ages = {}
    for days in (0, 1, 3):
        now = harness.clock() + timedelta(days=days)
        text = await _digest_text(harness.sessions, "Nà Phải", week, now)
        ages[days] = text.split(line)[1].split(":")[0].strip()
    assert ages == {0: "hôm nay", 1: "hôm qua", 3: "3 ngày trước"}


async def test_digests_read_together_equal_digests_read_one_by_one(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Monday job reads its communes in groups: the province beside its own communes,
    merged units, and the listed incidents bounded per root, not per group."""
    monkeypatch.setattr(digests, "LISTED_INCIDENTS", 2)
    for text in ("Trộm chó ban đêm", "Xe tải làm gãy cột điện", "Đổ rác ra suối"):
        await file_incident(harness, "An ninh trật tự", text, urgent=False)
    async with harness.sessions() as session:
        unit_ids = list(
            (
                await session.execute(
                    select(Unit.id)
                    .where(Unit.kind.in_((UnitKind.PROVINCE, UnitKind.COMMUNE)))
                    .order_by(Unit.id.desc())
                )
            ).scalars()
        )
        period = week_period("2026-W48")
        one_by_one = [await build(session, unit_id, period, NOW, TZ) for unit_id in unit_ids]
        with counted(harness.sessions) as statements:
            together = await build_many(session, unit_ids, period, NOW, TZ)
    assert len(unit_ids) >= 3 and len(statements) == 6
    assert together == one_by_one
    listed = [len(digest.open_listed) for digest in together if digest.open_listed]
    assert listed and max(listed) == 2
