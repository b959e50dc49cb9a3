"""Both runtimes read every kind of update into the same event for the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.telegram.aiogram_api import AiogramApi
from bot.telegram.api import TelegramApi
from bot.telegram.incoming import parse_callback_data, to_event, unreadable
from bot.telegram.ptb_api import PtbApi
from handlers.messages import InEvent
from tests.telegram_emulator import TelegramEmulator

USER = 5_550_101
NOWHERE = "http://127.0.0.1:9"  # reading needs no server


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator() as emulator:
        yield emulator


def readers(token: str) -> list[TelegramApi]:
    return [PtbApi(token, NOWHERE, 1.0, 1), AiogramApi(token, NOWHERE, 1.0, 1)]


def events(token: str, raw: dict[str, Any]) -> list[InEvent | None]:
    """What each runtime makes of the update; the test asserts they agree."""
    read = [api.read(raw) for api in readers(token)]
    found = [to_event(incoming) if incoming else None for incoming in read]
    assert found[0] == found[1], f"ptb and aiogram disagree on {raw}"
    return found


def event(token: str, raw: dict[str, Any]) -> InEvent:
    found = events(token, raw)[0]
    assert found is not None
    return found


def test_text_with_who_wrote_it(telegram: TelegramEmulator) -> None:
    telegram.register_user(USER, "Lan", last_name="Nguyễn", language_code="vi")
    found = event(telegram.token, telegram.user_sends_text(USER, "Xin chào"))
    assert (found.kind, found.text, found.user_key, found.chat_key) == (
        "text", "Xin chào", str(USER), str(USER)
    )  # fmt: skip
    assert (found.display_name, found.locale, found.channel) == ("Lan Nguyễn", "vi", "telegram")


def test_a_deep_link_start_is_text_for_the_router(telegram: TelegramEmulator) -> None:
    found = event(telegram.token, telegram.user_sends_text(USER, "/start ABCD2345"))
    assert (found.kind, found.text) == ("text", "/start ABCD2345")


def test_in_a_group_the_person_and_the_chat_differ(telegram: TelegramEmulator) -> None:
    found = event(telegram.token, telegram.user_sends_group_text(-100_200, USER, "/menu@bot"))
    assert (found.user_key, found.chat_key, found.text) == (str(USER), "-100200", "/menu@bot")


@pytest.mark.parametrize(
    ("data", "token", "choice"),
    [
        ("12:yes", "12", "yes"),
        ("7:đường:1", "7", "đường:1"),
        ("garbage", "", ""),
        ("12:", "", ""),
        (":yes", "", ""),
        # Standing messages: their token names what they act on; the engine checks it.
        ("r96:ack", "r96", "ack"),
        ("w2026-W48.12:ok", "w2026-W48.12", "ok"),
        ("abc:yes", "abc", "yes"),
        ("r 96:ack", "", ""),
        ("<b>:ack", "", ""),
    ],
)
def test_a_press_names_its_question_and_choice_or_nothing(
    telegram: TelegramEmulator, data: str, token: str, choice: str
) -> None:
    telegram.register_user(USER)
    telegram.user_sends_text(USER, "Hỏi")
    update = telegram.inject_update(
        {
            "callback_query": {
                "id": "4011",
                "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
                "message": {
                    "message_id": 1,
                    "date": 1_800_000_000,
                    "chat": {"id": USER, "type": "private"},
                    "text": "Hỏi",
                },
                "chat_instance": "77",
                "data": data,
            }
        }
    )
    found = event(telegram.token, update)
    assert (found.kind, found.choice_token, found.choice_id) == ("choice", token, choice)
    assert parse_callback_data(data) == (token, choice)


def test_a_photo_is_its_largest_size_with_its_caption(telegram: TelegramEmulator) -> None:
    update = telegram.user_sends_photo(USER, "Bãi rác", sizes=4)
    sizes = update["message"]["photo"]
    largest = max(sizes, key=lambda size: size["width"] * size["height"])
    found = event(telegram.token, update)
    assert (found.kind, found.photos, found.text) == ("photo", [largest["file_id"]], "Bãi rác")


def test_an_album_is_one_event_per_photo(telegram: TelegramEmulator) -> None:
    album = telegram.user_sends_album(USER, 3, caption="Ba ảnh")
    found = [event(telegram.token, update) for update in album]
    assert [len(e.photos) for e in found] == [1, 1, 1]
    assert len({e.photos[0] for e in found}) == 3
    assert [e.text for e in found] == ["Ba ảnh", None, None]


def test_a_place_and_a_contact(telegram: TelegramEmulator) -> None:
    place = event(telegram.token, telegram.user_sends_location(USER, 22.1, 105.8))
    assert place.kind == "location" and place.location is not None
    assert (place.location.latitude, place.location.longitude) == (22.1, 105.8)
    contact = event(telegram.token, telegram.user_sends_contact(USER, "+84912345678"))
    assert (contact.kind, contact.phone) == ("contact", "+84912345678")


def test_someone_elses_contact_carries_no_number(telegram: TelegramEmulator) -> None:
    shared = telegram.user_sends_contact(USER, "+84987654321", contact_user_id=USER + 1)
    found = event(telegram.token, shared)
    assert (found.kind, found.phone) == ("contact", None)


def test_stickers_voice_and_documents_are_unsupported(telegram: TelegramEmulator) -> None:
    sticker = event(telegram.token, telegram.user_sends_sticker(USER))
    voice = event(telegram.token, telegram.user_sends_voice(USER))
    document = event(
        telegram.token, telegram.user_sends_document(USER, b"%PDF-1.4", caption="Biên bản")
    )
    assert [sticker.kind, voice.kind, document.kind] == ["unsupported"] * 3
    assert document.text == "Biên bản"


def test_service_messages_and_membership_changes_are_not_events(
    telegram: TelegramEmulator,
) -> None:
    joined = telegram.inject_update(
        {
            "message": {
                "message_id": 9,
                "date": 1_800_000_000,
                "chat": {"id": -100_300, "type": "group", "title": "Thôn"},
                "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
                "new_chat_members": [{"id": 42, "is_bot": False, "first_name": "Mai"}],
            }
        }
    )
    assert events(telegram.token, joined) == [None, None]
    assert events(telegram.token, telegram.user_blocks_bot(USER)) == [None, None]


def test_an_update_neither_framework_can_read_is_answered_as_unsupported(
    telegram: TelegramEmulator,
) -> None:
    raw = {
        "update_id": 5,
        "callback_query": {
            "id": "9",
            "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
            "data": "1:x",
        },
    }
    for api in readers(telegram.token):
        with pytest.raises(Exception):  # noqa: B017 - each framework raises its own kind
            api.read(raw)
    fallback = unreadable(raw)
    assert fallback is not None
    assert (fallback.kind, fallback.user_id, fallback.callback_query_id) == (
        "unsupported",
        USER,
        "9",
    )
    assert unreadable({"update_id": 6, "channel_post": {}}) is None
