"""What a Telegram update says, in the terms the engine speaks.

Each runtime parses an update with its own framework; `bot/telegram/updates.py` reads either
into an `Incoming`, and from there to an `InEvent`, so both hand the engine the same event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from handlers.messages import EventKind, InEvent, Location
from storage.enums import Channel

CHANNEL = Channel.TELEGRAM.value
# Updates the bot asks for; edits, reactions and membership changes carry nothing to store.
ALLOWED_UPDATES = ("message", "callback_query")
# What a person can send that a report cannot hold; anything else without text, photo,
# place or contact is a service message (someone joined, a pin) and is not answered.
UNSUPPORTED_CONTENT = (
    "sticker", "voice", "audio", "document", "video", "video_note", "animation",
    "poll", "dice", "game", "story", "paid_media",
)  # fmt: skip
# Data that could never be a token: a press with malformed data matches no question.
UNMATCHABLE = ""
PRIVATE = "private"
_TOKEN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]{0,47}$")


@dataclass(frozen=True)
class Incoming:
    """One update that a person sent, read by a runtime from its framework's types."""

    update_id: int
    kind: EventKind
    user_id: int
    chat_id: int
    text: str | None = None
    callback_query_id: str | None = None
    callback_data: str | None = None
    message_id: int | None = None
    photo_file_id: str | None = None
    location: tuple[float, float] | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    private: bool = True

    @property
    def is_press(self) -> bool:
        return self.callback_query_id is not None

    @property
    def display_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or None


def is_private(chat_type: object) -> bool:
    """A chat of the person with the bot alone; groups, supergroups and channels are not."""
    return chat_type == PRIVATE


def parse_callback_data(data: str | None) -> tuple[str, str]:
    """(token, choice id) from "token:id": a question's version ("12") or what a standing
    message acts on ("r96", "w2026-W48.12"); whether it still means anything is the
    engine's to decide. Malformed data gives a pair that matches nothing."""
    token, colon, choice_id = (data or "").partition(":")
    if not colon or not _TOKEN.match(token) or not choice_id:
        return UNMATCHABLE, UNMATCHABLE
    return token, choice_id


def own_phone(phone: str, contact_user_id: int | None, sender_id: int | None) -> str | None:
    """The number of a shared contact when it is the sender's own (what the "send my phone
    number" button shares); someone else's card from the contacts is no consent of theirs."""
    return phone if contact_user_id is not None and contact_user_id == sender_id else None


def to_event(incoming: Incoming) -> InEvent:
    fields: dict[str, Any] = {
        "channel": CHANNEL,
        "user_key": str(incoming.user_id),
        "chat_key": str(incoming.chat_id),
        "kind": incoming.kind,
        "text": incoming.text,
        "display_name": incoming.display_name,
        "locale": incoming.language,
        "private": incoming.private,
    }
    if incoming.kind == "choice":
        fields["choice_token"], fields["choice_id"] = parse_callback_data(incoming.callback_data)
    if incoming.photo_file_id is not None:
        fields["photos"] = [incoming.photo_file_id]
    if incoming.location is not None:
        latitude, longitude = incoming.location
        fields["location"] = Location(latitude=latitude, longitude=longitude)
    if incoming.phone is not None:
        fields["phone"] = incoming.phone
    return InEvent.model_validate(fields)


def unreadable(raw: dict[str, Any]) -> Incoming | None:
    """An update the framework could not read: still stored, and answered as unsupported.

    Without a sender and a chat there is nobody to answer, and it is dropped.
    """
    update_id = raw.get("update_id")
    press = raw.get("callback_query")
    body = press if isinstance(press, dict) else raw.get("message")
    if not isinstance(update_id, int) or not isinstance(body, dict):
        return None
    message = body.get("message") if press is not None else body
    sender, chat = body.get("from"), message.get("chat") if isinstance(message, dict) else None
    user_id = sender.get("id") if isinstance(sender, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else user_id
    if not isinstance(user_id, int) or not isinstance(chat_id, int):
        return None
    query_id = body.get("id") if press is not None else None
    return Incoming(
        update_id=update_id,
        kind="unsupported",
        user_id=user_id,
        chat_id=chat_id,
        private=is_private(chat.get("type") if isinstance(chat, dict) else PRIVATE),
        callback_query_id=str(query_id) if query_id is not None else None,
    )
