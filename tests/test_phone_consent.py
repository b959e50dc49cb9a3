"""After the name, joining asks for a phone (typed, or Telegram's contact button) and, for a
hamlet head, whether residents may see it; "Thông tin của tôi" changes both later. Every menu
names who the person is."""

from __future__ import annotations

import pytest

from handlers.flows.onboarding import phone_number
from storage.enums import Role
from tests.support import DEPUTY, HEAD, OFFICER, RESIDENT, Harness, labels, text_of
from tests.test_onboarding import join, make_invite


async def _joined(
    h: Harness, user: str, unit: str = "Khuổi Bốc", role: Role = Role.REPORTER
) -> None:
    code = await make_invite(h, unit, role=role)
    await join(h, user, code)
    asked = await h.say(user, "Bàn Thị Mai")
    assert "Cảm ơn Bàn Thị Mai" in text_of(asked) and labels(asked[-1]) == ["Bỏ qua"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(+84) 98-765-4321", "0987654321"),
        ("091234567", None),
        ("09123456789", None),
        ("1912345678", None),
        ("+1 555 123 4567", None),
        ("số tôi là 0912345678", None),
    ],
)
def test_vietnamese_numbers_are_read_and_normalized(typed: str, stored: str | None) -> None:
    assert phone_number(typed) == stored


async def test_a_head_gives_a_phone_and_lets_residents_see_it(harness: Harness) -> None:
    await _joined(harness, "user-mai")
    share = await harness.say("user-mai", "+84 912 345 678")
    assert "có cho bà con xem số 0912345678 không?" in text_of(share)
    assert labels(share[-1]) == ["Có", "Không"]
    done = await harness.say("user-mai", "co")
    assert "Báo sự việc" in labels(done[-1])
    person = await harness.person("user-mai")
    assert (person.phone, person.share_phone) == ("0912345678", True)


async def test_a_wrong_number_is_refused_and_nothing_is_stored(harness: Harness) -> None:
    await _joined(harness, "user-sai")
    for typed in ("12345", "0912 345", "không nhớ số"):
        again = await harness.say("user-sai", typed)
        assert "Số điện thoại chưa đúng" in text_of(again)
        assert labels(again[-1]) == ["Bỏ qua"]
    assert (await harness.person("user-sai")).phone is None


async def test_skipping_asks_nothing_more(harness: Harness) -> None:
    await _joined(harness, "user-bo")
    done = await harness.say("user-bo", "bỏ qua")
    assert "Báo sự việc" in labels(done[-1])
    person = await harness.person("user-bo")
    assert (person.phone, person.share_phone) == (None, False)


async def test_a_deputy_is_not_asked_about_residents(harness: Harness) -> None:
    await _joined(harness, "user-pho", "Pác Nà", Role.DEPUTY)
    done = await harness.say("user-pho", "0987654321")
    assert "Báo sự việc" in labels(done[-1]) and "bà con xem" not in text_of(done)
    person = await harness.person("user-pho")
    assert (person.phone, person.share_phone) == ("0987654321", False)


async def test_a_shared_contact_is_the_number(harness: Harness) -> None:
    await _joined(harness, "user-tg")
    foreign = await harness.event("user-tg", kind="contact")
    assert "số của người khác" in text_of(foreign)
    assert (await harness.person("user-tg")).phone is None
    share = await harness.event("user-tg", kind="contact", phone="84912000111")
    assert "0912000111" in text_of(share)
    await harness.say("user-tg", "không")
    person = await harness.person("user-tg")
    assert (person.phone, person.share_phone) == ("0912000111", False)


async def test_a_head_changes_phone_sharing_and_name_from_the_menu(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    card = await harness.tap(HEAD, "Thông tin của tôi")
    assert "Họ tên: Hoàng Văn Thào" in text_of(card) and "Số điện thoại: chưa có" in text_of(card)
    await harness.tap(HEAD, "Đổi số điện thoại")
    await harness.say(HEAD, "0987 654 321")
    saved = await harness.say(HEAD, "không")
    assert "Đã lưu." in text_of(saved) and "Bà con không xem được số này." in text_of(saved)
    assert "Cho bà con xem số" in labels(saved[-1])
    head = await harness.person(HEAD)
    assert (head.phone, head.share_phone) == ("0987654321", False)

    await harness.tap(HEAD, "Cho bà con xem số")
    assert (await harness.person(HEAD)).share_phone is True
    await harness.tap(HEAD, "Đổi họ tên")
    refused = await harness.say(HEAD, "x")
    assert "họ tên trên một dòng" in text_of(refused)
    assert (await harness.person(HEAD)).full_name == "Hoàng Văn Thào"
    await harness.say(HEAD, "Hoàng Văn Thảo")
    await harness.tap(HEAD, "Đổi số điện thoại")
    await harness.tap(HEAD, "Xóa số điện thoại")
    head = await harness.person(HEAD)
    assert (head.full_name, head.phone, head.share_phone) == ("Hoàng Văn Thảo", None, False)


async def test_a_residents_sees_the_shared_number(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Thông tin của tôi")
    await harness.tap(HEAD, "Đổi số điện thoại")
    await harness.say(HEAD, "0987654321")
    await harness.say(HEAD, "có")
    await harness.say(RESIDENT, "/menu")
    await harness.tap(RESIDENT, "Liên hệ trưởng thôn")
    await harness.say(RESIDENT, "phu thong")
    shown = await harness.say(RESIDENT, "na phai")
    assert "0987654321" in text_of(shown)


async def test_an_officer_keeps_a_phone_without_the_residents_question(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Thông tin của tôi")
    await harness.tap(OFFICER, "Đổi số điện thoại")
    saved = await harness.say(OFFICER, "0912 111 222")
    assert "Đã lưu." in text_of(saved) and "bà con" not in text_of(saved).lower()
    assert "Thông tin của đồng chí Nông Thị Hoa" in text_of(saved)
    officer = await harness.person(OFFICER)
    assert (officer.phone, officer.share_phone) == ("0912111222", False)


@pytest.mark.parametrize(
    ("user", "header"),
    [
        (HEAD, "<b>Anh/chị Hoàng Văn Thào</b> — trưởng thôn Nà Phải"),
        (DEPUTY, "— phó thôn Nà Phải"),
        (OFFICER, "<b>Đồng chí Nông Thị Hoa</b> — cán bộ MTTQ xã Phủ Thông"),
    ],
)
async def test_every_menu_says_who_the_person_is(harness: Harness, user: str, header: str) -> None:
    menu = await harness.say(user, "/menu")
    assert header in menu[-1].text.split("\n")[0]


async def test_a_street_head_is_the_head_of_the_residential_group(harness: Harness) -> None:
    code = await make_invite(harness, "Chính", role=Role.DEPUTY)
    await join(harness, "user-pho-chinh", code)
    await harness.say("user-pho-chinh", "Nông Văn Tới")
    menu = await harness.say("user-pho-chinh", "bỏ qua")
    assert "<b>Anh/chị Nông Văn Tới</b> — tổ phó tổ dân phố Chính" in menu[-1].text


async def test_a_resident_menu_has_no_header(harness: Harness) -> None:
    menu = await harness.say(RESIDENT, "/menu")
    assert not menu[-1].text.startswith("<b>") and " — " not in menu[-1].text
