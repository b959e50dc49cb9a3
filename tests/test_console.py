"""The console as a person uses it: a scripted session, an invite, an export."""

from __future__ import annotations

from tests.cli import exported, tuquan

INCIDENT_TEXT = "Đổ rác <b>trộm</b> & đốt ở bờ suối"
SESSION = "\n".join(
    [
        "/menu",
        "bao su viec",
        "2",
        "khong khan",
        INCIDENT_TEXT,
        "hôm nay",
        "/vitri 22.28, 105.86",
        "/anh bo-suoi.jpg",
        "xong",
        "gửi báo cáo",
        "Báo hoạt động mô hình",
        "tieng mo",
        "Tuần tra đêm & gõ mõ thử",
        "hôm qua",
        "12",
        "bỏ qua",
        "1",
        "tuần này bình thường",
        "có",  # the week already has both reports: asked to confirm
        "",
    ]
)


def test_scripted_session_stores_each_report_once_with_text_unchanged(database_url: str) -> None:
    before = exported(database_url)
    result = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin=SESSION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Đã ghi nhận báo cáo số") == 2
    assert "Anh/chị vẫn muốn ghi nhận tuần này bình thường" in result.stdout
    assert "Đã ghi nhận: tuần 48 (23/11 - 29/11/2026) ở thôn Nà Phải bình thường" in result.stdout
    assert "  1. Báo sự việc" in result.stdout

    new = exported(database_url)[len(before) :]
    assert [(row["kind"], row["text"]) for row in new] == [
        ("incident", INCIDENT_TEXT),
        ("activity", "Tuần tra đêm & gõ mõ thử"),
        ("nothing", ""),
    ]
    incident = new[0]
    assert incident["unit_path"] == "tỉnh Thái Nguyên / xã Phủ Thông / thôn Nà Phải"
    assert incident["category"] == "environment"
    assert incident["reporter"] == "Hoàng Văn Thào"


def test_invite_from_the_command_line_binds_a_new_console_user(database_url: str) -> None:
    ambiguous = tuquan(
        *("invite", "create", "--unit", "Phu Thong", "--include-ended", "--role", "officer"),
        database_url=database_url,
    )
    assert ambiguous.returncode == 1
    assert "[1969]" in ambiguous.stderr and "thị trấn Phủ Thông" in ambiguous.stderr

    created = tuquan(
        "invite", "create", "--unit", "na phai", "--role", "deputy", database_url=database_url
    )
    assert created.returncode == 0, created.stderr
    code = created.stdout.strip()
    assert len(code) == 8

    joining = f"/start {code}\nđồng ý\nLâm Văn Phúc\n"
    chat = tuquan("chat", "--user-id", "42", database_url=database_url, stdin=joining)
    assert "vai trò phó thôn của thôn Nà Phải" in chat.stdout
    assert "Cảm ơn Lâm Văn Phúc" in chat.stdout
    again = tuquan("chat", "--user-id", "43", database_url=database_url, stdin=f"{code}\n")
    assert "đã được dùng" in again.stdout


URGENT = "\n".join(
    [
        *("/menu", "bao su viec", "thien tai", "khan cap", "Sạt lở đất vùi bếp", "hôm nay"),
        *("bỏ qua", "bỏ qua", "gửi báo cáo", ""),
    ]
)


def test_an_officer_answers_an_urgent_alert_by_its_letter_under_the_menu(
    database_url: str,
) -> None:
    filed = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin=URGENT)
    assert "cán bộ Mặt trận trực" in filed.stdout, filed.stdout
    number = exported(database_url)[-1]["id"]

    officer = tuquan("chat", "--as", "officer", database_url=database_url, stdin="a\n1\n")
    assert officer.returncode == 0, officer.stderr
    shown = officer.stdout
    assert f"Sự việc khẩn #{number}" in shown and "  a. Đã nhận\n  b. Đang xử lý" in shown
    assert shown.index("a. Đã nhận") < shown.index("  1. Tổng hợp"), "the menu comes after"
    assert f"Đã cập nhật sự việc #{number}: đã nhận" in shown
    assert "Tổng hợp cho khoảng thời gian nào?" in shown, "1 is the menu's"
    assert exported(database_url)[-1]["status"] == "acknowledged"
