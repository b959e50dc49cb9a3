"""What Telegram receives for a message: escaped HTML that fits, buttons whose data fits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.rendering import (
    CALLBACK_DATA_LIMIT,
    InlineKeyboard,
    RemoveKeyboard,
    ReplyKeyboard,
    fits_callback_data,
    render,
)
from bot.telegram.splitting import TELEGRAM_TEXT_LIMIT, split_html, utf16_length
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage
from tests.telegram_emulator import parse_html

t = Translator("vi")


def visible(markup: str) -> str:
    return parse_html(markup).text


def words_of(markup: str) -> list[str]:
    return visible(markup).split()


def test_user_text_is_escaped_and_telegram_reads_it_back_unchanged() -> None:
    typed = "Tom & Jerry <b>đánh nhau</b> ở <ngã ba> & 1 < 2"
    values = {"model": "Tiếng mõ", "text": typed, "date": "30/11/2026", "participants": 3}
    summary = t("activity.summary", **values, photos=0)
    [chunk] = render(OutMessage(text=str(t("report.confirm", summary=summary))), t)
    parsed = parse_html(chunk.html)
    assert f"Nội dung: {typed}" in parsed.text
    assert [entity["type"] for entity in parsed.entities].count("bold") == 6


def test_a_long_message_is_split_on_line_boundaries_and_each_part_stands_alone() -> None:
    lines = [f"<b>#{n}</b> Thôn Nà Phải &amp; Nà Mò: tuần tra đêm 😀" for n in range(400)]
    text = "<b>Báo cáo tuần</b>\n" + "\n".join(lines) + "\n<i>" + "rất dài\n" * 800 + "hết</i>"
    message = OutMessage(text=text, choices=[Choice(id="ok", label="Xong")], choice_token="7")
    chunks = render(message, t)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert utf16_length(chunk.html) <= TELEGRAM_TEXT_LIMIT
        assert not re.search(r"<[^>]*$|^[^<]*>", chunk.html)
        parse_html(chunk.html)  # raises on unbalanced tags or a cut reference
    assert [c.markup is not None for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert [w for c in chunks for w in words_of(c.html)] == words_of(text)
    # The italic block that spans the cut is closed before it and reopened after it.
    assert chunks[-1].html.startswith("<i>")


def test_a_line_longer_than_the_limit_is_cut_between_words() -> None:
    line = " ".join(["trưởng thôn"] * 1000)
    chunks = split_html(line)
    assert len(chunks) == 3
    assert all(utf16_length(chunk) <= TELEGRAM_TEXT_LIMIT for chunk in chunks)
    assert " ".join(chunks).split() == line.split()


def test_emoji_count_twice_and_are_never_halved() -> None:
    chunks = split_html("😀" * 5000)
    assert [utf16_length(chunk) for chunk in chunks] == [4096, 4096, 1808]
    assert "".join(chunks) == "😀" * 5000


atoms = st.one_of(
    st.sampled_from(["a", "ư", "ạ", "😀", "&amp;", "&lt;", " ", "\n", "x" * 30]),
    st.text(alphabet="abcđê ", min_size=1, max_size=12),
)


@st.composite
def markups(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 40))):
        inner = "".join(draw(st.lists(atoms, min_size=1, max_size=8)))
        tag = draw(st.sampled_from([None, "b", "i"]))
        parts.append(f"<{tag}>{inner}</{tag}>" if tag else inner)
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(markup=markups(), limit=st.integers(min_value=48, max_value=400))
def test_any_markup_splits_into_valid_parts_within_the_limit(markup: str, limit: int) -> None:
    chunks = split_html(markup, limit)
    for chunk in chunks:
        assert utf16_length(chunk) <= limit
        parse_html(chunk)
    joined = "".join(visible(chunk) for chunk in chunks)
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", visible(markup))


def test_buttons_carry_the_question_token_and_the_choice_id() -> None:
    message = OutMessage(
        text="Có cần xử lý khẩn không?",
        choices=[Choice(id="yes", label="Khẩn cấp"), Choice(id="no", label="Không khẩn")],
        choice_token="41",
    )
    [chunk] = render(message, t)
    assert isinstance(chunk.markup, InlineKeyboard)
    assert [(b.label, b.data) for row in chunk.markup.rows for b in row] == [
        ("Khẩn cấp", "41:yes"),
        ("Không khẩn", "41:no"),
    ]


def test_callback_data_is_measured_in_utf8_bytes() -> None:
    assert fits_callback_data("9:" + "a" * 62)
    assert not fits_callback_data("9:" + "a" * 63)
    # In UTF-8 "đ" takes two bytes, "ả" and "ổ" three: 27 letters fit as characters only.
    vietnamese = "đảổ" * 9
    assert len(f"9:{vietnamese}") < CALLBACK_DATA_LIMIT
    assert not fits_callback_data(f"9:{vietnamese}")


def test_choices_whose_data_would_not_fit_become_a_numbered_list() -> None:
    message = OutMessage(
        text="Chọn mô hình:",
        choices=[
            Choice(id="tieng-mo", label="Tiếng mõ an ninh"),
            Choice(id="đường-tự-quản-" * 4, label="Đoạn đường tự quản"),
        ],
        choice_token="12",
    )
    [chunk] = render(message, t)
    assert chunk.markup is None
    assert visible(chunk.html).endswith(
        "1. Tiếng mõ an ninh\n2. Đoạn đường tự quản\nGõ số thứ tự để chọn."
    )


def test_the_menu_is_a_persistent_reply_keyboard_not_repeated_inline() -> None:
    labels = ["Báo sự việc", "Báo hoạt động mô hình", "Tuần này bình thường", "Trợ giúp"]
    message = OutMessage(
        text="Bạn muốn làm gì?",
        choices=[Choice(id=str(n), label=label) for n, label in enumerate(labels)],
        choice_token="3",
        menu=labels,
    )
    [chunk] = render(message, t)
    assert isinstance(chunk.markup, ReplyKeyboard)
    assert chunk.markup.persistent and not chunk.markup.one_time
    assert [b.label for row in chunk.markup.rows for b in row] == labels


def test_other_choices_beside_a_menu_get_buttons_and_the_menu_a_message_of_its_own() -> None:
    message = OutMessage(
        text="Xác nhận?",
        choices=[Choice(id="yes", label="Đồng ý")],
        choice_token="5",
        menu=["Báo sự việc"],
    )
    first, second = render(message, t)
    assert isinstance(first.markup, InlineKeyboard) and isinstance(second.markup, ReplyKeyboard)
    assert visible(second.html) == "Menu chính ở bàn phím bên dưới."


def test_a_question_about_the_place_offers_the_location_button_once() -> None:
    message = OutMessage(
        text="Xảy ra ở đâu?",
        choices=[Choice(id="skip", label="Bỏ qua")],
        choice_token="8",
        ask_location=True,
    )
    [chunk] = render(message, t)
    assert isinstance(chunk.markup, ReplyKeyboard)
    assert chunk.markup.one_time and not chunk.markup.persistent
    buttons = [(b.label, b.request_location) for row in chunk.markup.rows for b in row]
    assert buttons == [("📍 Gửi vị trí", True), ("Bỏ qua", False)]


def test_a_question_about_the_phone_offers_the_contact_button_on_both_runtimes() -> None:
    from bot.telegram import aiogram_api, ptb_api

    message = OutMessage(
        text="Số điện thoại?",
        choices=[Choice(id="skip", label="Bỏ qua")],
        choice_token="4",
        ask_contact=True,
    )
    [chunk] = render(message, t)
    assert isinstance(chunk.markup, ReplyKeyboard)
    assert chunk.markup.one_time and not chunk.markup.persistent
    buttons = [(b.label, b.request_contact) for row in chunk.markup.rows for b in row]
    assert buttons == [("📱 Gửi số điện thoại", True), ("Bỏ qua", False)]
    ptb = ptb_api.markup(chunk.markup)
    aiogram = aiogram_api.markup(chunk.markup)
    assert ptb is not None and aiogram is not None
    for sent in (ptb.to_dict(), aiogram.model_dump(exclude_none=True)):
        assert sent["keyboard"][0][0] == {"text": "📱 Gửi số điện thoại", "request_contact": True}
        assert sent["keyboard"][1][0] in ("Bỏ qua", {"text": "Bỏ qua"})


def test_a_shown_one_time_keyboard_is_removed_by_the_first_message_that_can() -> None:
    buttons = OutMessage(text="Ảnh?", choices=[Choice(id="skip", label="Bỏ qua")], choice_token="9")
    plain = OutMessage(text="Mô tả sự việc?")
    menu = OutMessage(text="Bạn muốn làm gì?", menu=["Báo sự việc"])
    [with_buttons] = render(buttons, t, close_keyboard=True)
    assert isinstance(with_buttons.markup, InlineKeyboard)  # not here: it has its own
    [without] = render(plain, t, close_keyboard=True)
    assert isinstance(without.markup, RemoveKeyboard)
    [menu_chunk] = render(menu, t, close_keyboard=True)
    assert isinstance(menu_chunk.markup, ReplyKeyboard)  # the menu replaces it anyway


@pytest.mark.parametrize("label", ["Giữ tên: Nguyễn &amp; con", "<b>Giữ tên</b>: Nguyễn &amp; con"])
def test_button_labels_show_plain_characters(label: str) -> None:
    message = OutMessage(text="Tên?", choices=[Choice(id="keep", label=label)], choice_token="2")
    [chunk] = render(message, t)
    assert isinstance(chunk.markup, InlineKeyboard)
    assert chunk.markup.rows[0][0].label.endswith("Nguyễn & con")
