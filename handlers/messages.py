"""The neutral messages that flow between transports and the engine."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

EventKind = Literal["text", "choice", "photo", "location", "contact", "unsupported", "resume"]


class Location(BaseModel):
    latitude: float
    longitude: float


class InEvent(BaseModel):
    """One thing a person did: typed, tapped, sent a photo or a place."""

    channel: str
    user_key: str
    chat_key: str
    kind: EventKind
    text: str | None = None
    choice_token: str | None = None
    choice_id: str | None = None
    photos: list[str] = Field(default_factory=list)
    location: Location | None = None
    phone: str | None = None
    display_name: str | None = None
    locale: str | None = None
    private: bool = True
    """Written in the person's own chat with the bot; False in a group, where nothing is shown."""


class Choice(BaseModel):
    id: str
    label: str


class Attachment(BaseModel):
    """A file sent with the message; its bytes are in the `files` table under `file_id`."""

    kind: Literal["photo", "document"]
    file_id: int
    name: str


def is_standing(token: str | None) -> bool:
    """A token that starts with a letter names what a standing message acts on (`r96`, an
    alert; `w2026-W48.12`, a reminder): its buttons work at any step. A conversation's own
    token is its version, a number, and goes stale with the next question."""
    return bool(token) and not str(token)[0].isdecimal()


class OutMessage(BaseModel):
    """A reply: HTML-safe text (only <b> and <i>), optional choices bound to a step token.

    A numeric token is the conversation's version; a token that starts with a letter belongs
    to a standing message outside the conversation (an alert, a reminder), valid at any step.
    `replaces` names (by outbox key) an earlier message this one redraws where the platform
    can edit what it showed; elsewhere it is sent as a new message.
    """

    text: str
    choices: list[Choice] = Field(default_factory=list)
    choice_token: str | None = None
    ask_location: bool = False
    ask_contact: bool = False
    menu: list[str] = Field(default_factory=list)
    attachment: Attachment | None = None
    replaces: str | None = None
    web_app: str | None = None
    """The HTTPS address of a page to open inside the app (Telegram's Mini Apps); elsewhere
    the text carries its own link."""
    private_link: bool = False
    """Offer a way into the person's own chat with the bot (a button where the platform has
    links to it); said in a group, where the bot answers nothing else."""

    @property
    def standing_token(self) -> str | None:
        """The token of a standing message with buttons, by which later changes find it;
        a redraw is not one (what it redraws is)."""
        token = self.choice_token
        if self.replaces is None and self.choices and is_standing(token):
            return token
        return None
