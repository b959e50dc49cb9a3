"""The words people read: how they are addressed, markup Telegram accepts, help that is whole."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.telegram.commands import commands_for
from handlers.access import Audience
from handlers.flows import officer
from handlers.guides import DEFAULT_GUIDES_DIR
from handlers.i18n import LOCALES_DIR, Translator, catalog
from tests.support import HEAD, OFFICER, RESIDENT, Harness, text_of

# Telegram's HTML parse mode takes these; our templates use the first two.
TELEGRAM_TAGS = frozenset({"b", "i", "a", "code"})
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>")
# "bạn" as a word in any case, its marks composed or not; "bản", "bàn" and "Ban" are other words.
BAN = re.compile(r"(?<!\w)bạn(?!\w)")
# Units the 2025 reform abolished or merged away, named in a guide only as their history.
GONE = re.compile(r"(?<!\w)(huyện|thị trấn|bắc kạn)(?!\w)")
HISTORY = re.compile(r"\((?:trước đây|trước kia)[^()]*\)")


def addresses_as_ban(text: str) -> bool:
    return bool(BAN.search(unicodedata.normalize("NFC", text).casefold()))


def markup_problems(template: str) -> list[str]:
    """What Telegram would refuse, or what a cut at a line break would tear apart."""
    problems: list[str] = []
    open_tags: list[str] = []
    position = 0
    for found in TAG.finditer(template):
        if open_tags and "\n" in template[position : found.start()]:
            problems.append(f"<{open_tags[-1]}> is still open at a line break")
        position = found.end()
        closing, name, attributes = found.group(1), found.group(2).lower(), found.group(3)
        if name not in TELEGRAM_TAGS:
            problems.append(f"<{name}> is not a tag Telegram takes")
        elif name == "a" and not closing and "href=" not in attributes:
            problems.append("<a> without href")
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags[-1] != name:
            problems.append(f"</{name}> closes what is not open")
        else:
            open_tags.pop()
    if open_tags:
        problems.append(f"never closed: {open_tags}")
    stray = TAG.sub("", template)
    if "<" in stray or ">" in stray:
        problems.append("a bare < or > (write &lt; &gt;)")
    return problems


def test_ban_is_found_as_a_word_only() -> None:
    assert addresses_as_ban("Bạn muốn làm gì?") and addresses_as_ban("Cảm ơn bạn!")
    assert addresses_as_ban("Cảm ơn ba\u0323n!")  # the same word with a combining dot below
    assert not addresses_as_ban("thôn, bản, ấp; Ban công tác Mặt trận; bàn với trưởng thôn")


def test_no_vi_entry_calls_anyone_ban() -> None:
    found = [key for key, text in catalog("vi").items() if addresses_as_ban(text)]
    assert not found, f"“bạn” in {found}: anh/chị for heads and residents, đồng chí for officers"


def guide_texts() -> dict[str, str]:
    return {
        path.name: unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        for path in sorted(DEFAULT_GUIDES_DIR.glob("*.md"))
    }


def test_no_guide_calls_anyone_ban() -> None:
    assert len(guide_texts()) >= 9
    assert [name for name, text in guide_texts().items() if addresses_as_ban(text)] == []


def test_guides_name_the_units_of_today_and_the_old_ones_as_history() -> None:
    assert GONE.search("ở huyện Bạch Thông".casefold())
    assert not GONE.search(HISTORY.sub("", "xã Phủ Thông (trước đây thuộc huyện Bạch Thông)"))
    for name, text in guide_texts().items():
        left = GONE.findall(HISTORY.sub("", text).casefold())
        assert not left, f"{name}: {left} outside a “(trước đây ...)”"
    assert "tỉnh Thái Nguyên" in guide_texts()["khu-pho-van-minh.md"]


def test_a_torn_or_foreign_tag_is_a_problem() -> None:
    assert markup_problems("<b>Trợ giúp</b") != []
    assert markup_problems("<b>Trợ giúp\n• mục</b>") != []
    assert markup_problems("<b><i>x</b></i>") != []
    assert markup_problems("<u>x</u>") != []
    assert markup_problems("<b>Trợ giúp</b>\n• <i>ví dụ</i>") == []


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_entry_is_markup_telegram_takes(locale: str) -> None:
    problems = {
        key: found for key, text in catalog(locale).items() if (found := markup_problems(text))
    }
    assert not problems, problems


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_no_string_in_the_catalog_file_runs_over_a_line(locale: str) -> None:
    """A quoted string left open at the end of its line is read glued to the next one."""
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    quoted = re.compile(r'^(?:msgid |msgstr )?"(?:[^"\\]|\\.)*"$')
    torn = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.startswith(('"', "msgid ", "msgstr ")) and not quoted.match(line)
    ]
    assert not torn, f"{path.name}: lines {torn}"


def test_vi_has_no_double_spaces_nor_straight_quotes() -> None:
    for key, text in catalog("vi").items():
        assert "  " not in text, key
        assert '"' not in text or key.startswith("cli."), key


def help_of(audience: Audience, locale: str = "vi") -> str:
    t = Translator(locale)
    key = {
        Audience.REPORTER: "help.reporter",
        Audience.OFFICER: "help.officer",
        Audience.RESIDENT: "help.resident",
    }[audience]
    return f"{t(key)}\n{t('help.privacy')}"


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("audience", list(Audience))
def test_help_names_every_command_of_the_telegram_menu(audience: Audience, locale: str) -> None:
    help_text = help_of(audience, locale)
    commands = commands_for(audience, Translator(locale))
    assert len(commands) >= 3
    for command in commands:
        assert f"/{command.command}" in help_text, (audience, command.command)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_officer_help_names_every_officer_command(locale: str) -> None:
    assert {"/tonghop", "/chuabao", "/sukien", "/xuatexcel"} <= set(officer.COMMANDS)
    help_text = help_of(Audience.OFFICER, locale)
    for command in officer.COMMANDS:
        assert re.search(rf"{command}(?!\w)", help_text), command


async def test_each_role_reads_its_own_help(harness: Harness) -> None:
    head = text_of(await harness.say(HEAD, "/trogiup"))
    assert "/huy" in head and "Báo sự việc" in head and "/tonghop" not in head
    assert "/lienket" in head  # and how to use it on both apps

    officer_help = text_of(await harness.say(OFFICER, "tro giup"))
    assert "/tonghop <i>tên thôn hoặc xã</i>" in officer_help and "/xuatexcel" in officer_help
    assert "Báo sự việc:" not in officer_help

    resident = text_of(await harness.say(RESIDENT, "/trogiup"))
    assert "<b>Trợ giúp</b>\n" in resident and "mã mời" in resident
    assert "/tonghop" not in resident
