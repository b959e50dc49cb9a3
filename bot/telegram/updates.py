"""A Telegram update as either runtime's framework reads it, made an `Incoming` once.

python-telegram-bot and aiogram both model the Bot API's objects with its own field names,
so one reader serves both: the protocols below name only what it reads, and each runtime's
`Update` fits them as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.telegram.incoming import UNSUPPORTED_CONTENT, Incoming, is_private, own_phone


class User(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def language_code(self) -> str | None: ...


class Chat(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...


class Place(Protocol):
    @property
    def latitude(self) -> float: ...
    @property
    def longitude(self) -> float: ...


class Venue(Protocol):
    @property
    def location(self) -> Place: ...


class Contact(Protocol):
    @property
    def phone_number(self) -> str: ...
    @property
    def user_id(self) -> int | None: ...


class Photo(Protocol):
    @property
    def file_id(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


class Shown(Protocol):
    """The message a button was under; Telegram may no longer give its content."""

    @property
    def chat(self) -> Chat: ...
    @property
    def message_id(self) -> int: ...


class Message(Shown, Protocol):
    @property
    def from_user(self) -> User | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def caption(self) -> str | None: ...
    @property
    def photo(self) -> Sequence[Photo] | None: ...
    @property
    def location(self) -> Place | None: ...
    @property
    def venue(self) -> Venue | None: ...
    @property
    def contact(self) -> Contact | None: ...


class Press(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def from_user(self) -> User: ...
    @property
    def data(self) -> str | None: ...
    @property
    def message(self) -> Shown | None: ...


class Update(Protocol):
    @property
    def update_id(self) -> int: ...
    @property
    def message(self) -> Message | None: ...
    @property
    def callback_query(self) -> Press | None: ...


def incoming(update: Update) -> Incoming | None:
    """What a person sent; None for what carries nothing to answer (a service message)."""
    press = update.callback_query
    if press is not None:
        shown = press.message
        user = press.from_user
        return Incoming(
            update_id=update.update_id,
            kind="choice",
            user_id=user.id,
            chat_id=shown.chat.id if shown is not None else user.id,
            private=shown is None or is_private(shown.chat.type),
            callback_query_id=press.id,
            callback_data=press.data,
            message_id=shown.message_id if shown is not None else None,
            first_name=user.first_name,
            last_name=user.last_name,
            language=user.language_code,
        )
    message = update.message
    if message is None or message.from_user is None:
        return None
    content = _content(message)
    if content is None:
        return None
    user = message.from_user
    return Incoming(
        update_id=update.update_id,
        user_id=user.id,
        chat_id=message.chat.id,
        private=is_private(message.chat.type),
        message_id=message.message_id,
        first_name=user.first_name,
        last_name=user.last_name,
        language=user.language_code,
        **content,
    )


def _content(message: Message) -> dict[str, Any] | None:
    if message.text is not None:
        return {"kind": "text", "text": message.text}
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return {"kind": "photo", "photo_file_id": largest.file_id, "text": message.caption}
    place = message.location or (message.venue.location if message.venue else None)
    if place is not None:
        return {"kind": "location", "location": (place.latitude, place.longitude)}
    if message.contact is not None:
        contact, sender = message.contact, message.from_user
        phone = own_phone(contact.phone_number, contact.user_id, sender.id if sender else None)
        return {"kind": "contact", "phone": phone}
    if any(getattr(message, name, None) for name in UNSUPPORTED_CONTENT):
        return {"kind": "unsupported", "text": message.caption}
    return None
