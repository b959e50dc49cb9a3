"""`tuquan` as a person at a terminal reads it: units by today's name, Vietnamese, local time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.models import InviteCode, Unit
from tests.cli import PROCESS_CLOCK, tuquan
from tests.databases import TZ

MERGED = "thị trấn Phủ Thông (đã sáp nhập vào xã Phủ Thông từ 01/07/2025)"


async def invited_unit(database_url: str, code: str) -> Unit:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            query = (
                select(Unit)
                .join(InviteCode, InviteCode.unit_id == Unit.id)
                .where(InviteCode.code == code)
            )
            return (await session.execute(query)).scalar_one()
    finally:
        await engine.dispose()


# The words a command prints do not depend on the database; finding units by name does.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_name_means_todays_unit_and_the_ended_one_is_shown_as_history(
    database_url: str,
) -> None:
    today = tuquan("digest", "--unit", "Phủ Thông", "--week", "2026-W47", database_url=database_url)
    assert today.returncode == 0, today.stderr
    assert "Tổng hợp tuần 47 (16/11 - 22/11/2026) — xã Phủ Thông" in today.stdout
    assert f"Lấy xã Phủ Thông (đơn vị hiện nay). Cùng tên còn có {MERGED}" in today.stderr
    assert "--include-ended" in today.stderr

    that_day = ("--unit", "Phu Thong", "--on", "2025-05-01", "--week", "2025-W20")
    old = tuquan("digest", *that_day, database_url=database_url)
    assert old.returncode == 0, old.stderr
    assert "Tổng hợp tuần 20 (12/05 - 18/05/2025) — thị trấn Phủ Thông" in old.stdout


def test_what_the_list_of_namesakes_offers_is_what_unit_accepts(database_url: str) -> None:
    listed = tuquan("digest", "--unit", "Phủ Thông", "--include-ended", database_url=database_url)
    assert listed.returncode == 1
    assert "“Phủ Thông” ứng với 2 đơn vị:" in listed.stderr
    assert "1. tỉnh Thái Nguyên / xã Phủ Thông [1969]" in listed.stderr
    found = re.search(rf"2\. .*/ {re.escape(MERGED)} \[(id \d+)\]", listed.stderr)
    assert found is not None, listed.stderr
    assert f'Chạy lại với --unit và mã trong ngoặc vuông, ví dụ: --unit "{found[1]}"' in (
        listed.stderr
    )

    for offered in (found[1], f"[{found[1]}]"):
        chosen = tuquan(
            "digest", "--unit", offered, "--week", "2025-W20", database_url=database_url
        )
        assert chosen.returncode == 0, chosen.stderr
        assert "— thị trấn Phủ Thông" in chosen.stdout
    by_code = tuquan("digest", "--unit", "1969", "--week", "2026-W47", database_url=database_url)
    assert "— xã Phủ Thông" in by_code.stdout


async def test_an_invite_by_name_goes_to_todays_unit_in_local_time_and_says_why_no_link(
    database_url: str,
) -> None:
    started = PROCESS_CLOCK().astimezone(TZ).replace(second=0, microsecond=0)
    created = tuquan(
        "invite", "create", "--unit", "Phủ Thông", "--role", "officer", database_url=database_url
    )
    finished = PROCESS_CLOCK().astimezone(TZ)
    assert created.returncode == 0, created.stderr
    code = created.stdout.strip()
    assert (await invited_unit(database_url, code)).code == "1969"
    # Fourteen days from the process's clock (about 10:00 in Hà Nội, 03:00 UTC), as read there.
    shown = re.search(r"(\d{2}:\d{2} \d{2}/\d{2}/\d{4})", created.stderr)
    assert shown is not None and "UTC" not in created.stderr, created.stderr
    expires = datetime.strptime(shown[1], "%H:%M %d/%m/%Y").replace(tzinfo=TZ)
    assert started + timedelta(days=14) <= expires <= finished + timedelta(days=14)
    assert "Không có đường dẫn t.me: chưa biết tên bot" in created.stderr
    assert len([line for line in created.stderr.splitlines() if "t.me" in line]) == 1


@ON_SQLITE
def test_bad_input_is_answered_in_vietnamese_and_changes_nothing(database_url: str) -> None:
    unknown = tuquan("digest", "--unit", "Phủ Thôngg", database_url=database_url)
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "Không tìm thấy đơn vị “Phủ Thôngg”.",
    )
    no_day = tuquan("digest", "--unit", "1969", "--on", "01/05/2025", database_url=database_url)
    assert no_day.returncode == 2 and "--on phải là một ngày, ví dụ 2025-05-01" in no_day.stderr
    before_2019 = tuquan(
        "digest", "--unit", "Phủ Thông", "--on", "2019-01-01", database_url=database_url
    )
    assert before_2019.returncode == 0, "thị trấn Phủ Thông existed then"
    nobody = tuquan("privacy", "forget", "--person", "999999", database_url=database_url)
    assert (nobody.returncode, nobody.stderr.strip()) == (1, "Không có người số 999999.")


@ON_SQLITE
def test_the_words_follow_the_locale(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tuquan("migrate", database_url=database_url).stdout == (
        "Cơ sở dữ liệu đã ở phiên bản mới nhất.\n"
    )
    assert "Dữ liệu mẫu đã có sẵn" in tuquan("seed", "demo", database_url=database_url).stdout
    monkeypatch.setenv("TUQUAN_LOCALE", "en")
    assert tuquan("migrate", database_url=database_url).stdout == (
        "The database schema is up to date.\n"
    )
    listed = tuquan("digest", "--unit", "Phu Thong", "--include-ended", database_url=database_url)
    assert "thị trấn Phủ Thông (merged into xã Phủ Thông since 01/07/2025)" in listed.stderr


@ON_SQLITE
def test_the_console_chat_shows_no_search_index_notes(database_url: str) -> None:
    chat = tuquan(
        "chat", "--as", "resident", database_url=database_url, stdin="/menu\ntiếng mõ là gì\n"
    )
    assert chat.returncode == 0, chat.stderr
    assert "Tiếng mõ" in chat.stdout
    assert "bm25s" not in chat.stdout + chat.stderr
    assert "Building index" not in chat.stdout + chat.stderr
