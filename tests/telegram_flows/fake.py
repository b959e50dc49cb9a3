"""What the scenarios need from a fake Telegram server, and our emulator as one."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from tests.telegram_emulator import TelegramEmulator
from tests.telegram_emulator.store import StoredMessage

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as the person's phone shows it now."""

    message_id: int
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # inline: (label, data)
    keyboard: list[str] = field(default_factory=list)  # reply keyboard labels
    location_button: str | None = None
    persistent_keyboard: bool = False

    def data_of(self, label: str) -> str:
        return next(data for text, data in self.buttons if text == label)


class FakeTelegram(Protocol):
    name: str
    token: str

    @property
    def api_root(self) -> str: ...

    async def text(self, user: int, text: str, first_name: str) -> int | None:
        """The update id when the server tells it."""
        ...

    async def photo(self, user: int, caption: str | None = None, album: str | None = None) -> str:
        """The file id of the largest size."""
        ...

    async def location(self, user: int, latitude: float, longitude: float) -> None: ...

    async def contact(self, user: int, phone: str, first_name: str) -> None:
        """The person's own number, as Telegram's "share my contact" button sends it."""
        ...

    async def sticker(self, user: int) -> None: ...

    async def press(self, user: int, message: BotMessage, data: str) -> None:
        """A button press; `data` need not be one the message offers (old or forged)."""
        ...

    async def bot_messages(self, chat: int) -> list[BotMessage]: ...

    def chat_commands(self, chat: int) -> list[str] | None:
        """Commands set for this private chat, or None when the server does not keep them."""
        ...


def reply_keyboard_of(markup: dict[str, Any] | None) -> tuple[list[str], str | None, bool]:
    if not markup or "keyboard" not in markup:
        return [], None, False
    labels: list[str] = []
    location: str | None = None
    for row in markup["keyboard"]:
        for button in row:
            label = button if isinstance(button, str) else button["text"]
            if isinstance(button, dict) and button.get("request_location"):
                location = label
            else:
                labels.append(label)
    return labels, location, bool(markup.get("is_persistent"))


def plain(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


class EmulatorTelegram:
    """tests/telegram_emulator, which also checks every rule Telegram enforces."""

    name = "emulator"

    def __init__(self, emulator: TelegramEmulator) -> None:
        self.emulator = emulator
        self.token = emulator.token
        self.press_ids: list[str] = []

    @property
    def api_root(self) -> str:
        return self.emulator.base_url

    async def text(self, user: int, text: str, first_name: str) -> int | None:
        return int(self.emulator.user_sends_text(user, text, first_name)["update_id"])

    async def photo(self, user: int, caption: str | None = None, album: str | None = None) -> str:
        update = self.emulator.user_sends_photo(user, caption, media_group_id=album)
        return str(update["message"]["photo"][-1]["file_id"])

    async def location(self, user: int, latitude: float, longitude: float) -> None:
        self.emulator.user_sends_location(user, latitude, longitude)

    async def contact(self, user: int, phone: str, first_name: str) -> None:
        self.emulator.user_sends_contact(user, phone_number=phone, first_name=first_name)

    async def sticker(self, user: int) -> None:
        self.emulator.user_sends_sticker(user)

    async def press(self, user: int, message: BotMessage, data: str) -> None:
        update = self.emulator.user_presses_button(
            user, message.message_id, data, require_button=False
        )
        self.press_ids.append(str(update["callback_query"]["id"]))

    async def bot_messages(self, chat: int) -> list[BotMessage]:
        return [_shown(message) for message in self.emulator.sent_messages(chat)]

    def chat_commands(self, chat: int) -> list[str] | None:
        found = self.emulator.commands_for({"type": "chat", "chat_id": chat})
        return [str(command["command"]) for command in found]


def _shown(message: StoredMessage) -> BotMessage:
    keyboard, location, persistent = reply_keyboard_of(message.reply_markup)
    return BotMessage(
        message_id=message.message_id,
        text=message.text or "",
        buttons=[
            (
                b["text"],
                b.get("callback_data") or b.get("url") or b.get("web_app", {}).get("url", ""),
            )
            for b in message.inline_buttons
        ],
        keyboard=keyboard,
        location_button=location,
        persistent_keyboard=persistent,
    )
