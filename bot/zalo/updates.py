"""What a Zalo update means as a neutral event, whether it came from getUpdates or a webhook."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.messages import InEvent
from storage.enums import Channel

CHANNEL = Channel.ZALO.value
TEXT = "message.text.received"
IMAGE = "message.image.received"


@dataclass(frozen=True)
class Incoming:
    update_key: str
    user_key: str
    chat_key: str
    is_group: bool
    event: InEvent
    payload: dict[str, Any] = field(repr=False)

    @property
    def photo_urls(self) -> list[str]:
        return self.event.photos


def unwrap(body: Any) -> dict[str, Any] | None:
    """The update in a webhook body: seen both as `{"ok": true, "result": {...}}` and flat."""
    if not isinstance(body, dict):
        return None
    result = body.get("result")
    if body.get("ok") is True and isinstance(result, dict):
        return result
    return body


def parse(update: dict[str, Any]) -> Incoming | None:
    """None for what carries no message from a person (other events, bots, malformed ids)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender, chat = message.get("from"), message.get("chat")
    if not isinstance(sender, dict) or not isinstance(chat, dict):
        return None
    message_id, user_key, chat_key = message.get("message_id"), sender.get("id"), chat.get("id")
    if not (message_id and user_key and chat_key) or sender.get("is_bot") is True:
        return None
    user_key, chat_key = str(user_key), str(chat_key)
    is_group = str(chat.get("chat_type") or "").upper() == "GROUP"
    event = InEvent(
        channel=CHANNEL,
        user_key=user_key,
        chat_key=chat_key,
        display_name=_name(sender),
        private=not is_group,
        **_content(str(update.get("event_name") or ""), message),
    )
    return Incoming(
        update_key=str(message_id),
        user_key=user_key,
        chat_key=chat_key,
        is_group=is_group,
        event=event,
        payload=update,
    )


def _content(event_name: str, message: dict[str, Any]) -> dict[str, Any]:
    if event_name == TEXT:
        return {"kind": "text", "text": str(message.get("text") or "")}
    # The docs name the field `photo`; real payloads have been seen with `photo_url`.
    url = message.get("photo_url") or message.get("photo")
    if event_name == IMAGE and isinstance(url, str) and url.startswith(("https://", "http://")):
        caption = message.get("caption")
        return {"kind": "photo", "photos": [url], "text": str(caption) if caption else None}
    # Stickers, voice, files and locations: nothing the conversation can use.
    return {"kind": "unsupported"}


def _name(sender: dict[str, Any]) -> str | None:
    for key in ("display_name", "name", "first_name"):
        value = sender.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None
