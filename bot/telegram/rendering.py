"""An OutMessage as Telegram messages: HTML chunks and the keyboard each one carries.

- Choices become an inline keyboard on the last chunk; each button's callback_data is
  "{choice_token}:{choice_id}", at most 64 bytes. Should one not fit (or the message has no
  token), the choices are written as a numbered list instead, which the engine reads as
  typed numbers: nothing depends on a button Telegram would refuse.
- A message with a menu sets the persistent reply keyboard of the role's main actions;
  choices that are the menu's own labels are not repeated as inline buttons.
- A message that asks for a place gets a one-time reply keyboard with a "send my location"
  button and its choices as text buttons (a message carries one keyboard, never two); one
  that asks for a phone number the same with a "send my phone number" button.
  Telegram hides it once used; it is removed by the next message that can carry the removal
  (one without buttons of its own), or replaced by the next menu.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.telegram.splitting import TELEGRAM_TEXT_LIMIT, split_html
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage

CALLBACK_DATA_LIMIT = 64
SHORT_INLINE_LABEL = 16
SHORT_MENU_LABEL = 22
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class InlineButton:
    label: str
    data: str = ""
    url: str | None = None
    """A link button (the bot's own chat, t.me/<bot>) instead of a press."""
    web_app: str | None = None
    """A page opened inside Telegram as a Mini App, which signs the person in."""


@dataclass(frozen=True)
class InlineKeyboard:
    rows: tuple[tuple[InlineButton, ...], ...]


@dataclass(frozen=True)
class ReplyButton:
    label: str
    request_location: bool = False
    request_contact: bool = False


Button = TypeVar("Button", InlineButton, ReplyButton)


@dataclass(frozen=True)
class ReplyKeyboard:
    rows: tuple[tuple[ReplyButton, ...], ...]
    persistent: bool
    one_time: bool


@dataclass(frozen=True)
class RemoveKeyboard:
    """Takes a reply keyboard away (the place question's, once answered)."""


Markup = InlineKeyboard | ReplyKeyboard | RemoveKeyboard | None


@dataclass(frozen=True)
class Chunk:
    """One Telegram message: HTML text (parse_mode HTML) and its keyboard."""

    html: str
    markup: Markup = None


@dataclass
class _Plan:
    text: str
    inline: InlineKeyboard | None = None
    reply: ReplyKeyboard | None = None


def plain_label(label: str) -> str:
    """Labels are HTML like every text of the engine; a button shows plain characters."""
    return html.unescape(_TAG.sub("", label)).strip()


def callback_data(token: str, choice_id: str) -> str:
    return f"{token}:{choice_id}"


def fits_callback_data(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT


def render(
    message: OutMessage,
    t: Translator,
    limit: int = TELEGRAM_TEXT_LIMIT,
    *,
    close_keyboard: bool = False,
    bot_username: str | None = None,
) -> list[Chunk]:
    """The messages to send; `close_keyboard` removes a one-time keyboard still shown, and
    `bot_username` lets a private link become a button into the bot's own chat."""
    if message.private_link and bot_username:
        return [Chunk(message.text, private_chat_button(bot_username, t))]
    chunks = _chunks(message, t, limit)
    if message.web_app:
        chunks[-1] = _with_mini_app(chunks[-1], message.web_app, t)
    if close_keyboard and not any(_is_reply(chunk.markup) for chunk in chunks):
        free = next((n for n, chunk in enumerate(chunks) if chunk.markup is None), None)
        if free is not None:
            chunks[free] = Chunk(chunks[free].html, RemoveKeyboard())
    return chunks


def _with_mini_app(chunk: Chunk, url: str, t: Translator) -> Chunk:
    button = InlineButton(str(t("web.open_mini_app")), web_app=url)
    if isinstance(chunk.markup, InlineKeyboard):
        return Chunk(chunk.html, InlineKeyboard((*chunk.markup.rows, (button,))))
    if chunk.markup is None:
        return Chunk(chunk.html, InlineKeyboard(((button,),)))
    return chunk  # a reply keyboard is shown: the text's link stays the way in


def _is_reply(markup: Markup) -> bool:
    return isinstance(markup, ReplyKeyboard | RemoveKeyboard)


def _chunks(message: OutMessage, t: Translator, limit: int) -> list[Chunk]:
    plan = _plan(message, t)
    chunks = [Chunk(text) for text in split_html(plan.text, limit) or [plan.text]]
    last = chunks[-1]
    if plan.inline is not None:
        chunks[-1] = Chunk(last.html, plan.inline)
        if plan.reply is not None:
            if len(chunks) > 1:
                chunks[0] = Chunk(chunks[0].html, plan.reply)
            else:
                chunks.append(Chunk(str(t("telegram.menu_below")), plan.reply))
    elif plan.reply is not None:
        chunks[-1] = Chunk(last.html, plan.reply)
    return chunks


def _plan(message: OutMessage, t: Translator) -> _Plan:
    if message.ask_location:
        return _Plan(message.text, reply=location_keyboard(message.choices, t))
    if message.ask_contact:
        return _Plan(message.text, reply=contact_keyboard(message.choices, t))
    plan = _Plan(message.text)
    choices = list(message.choices)
    if message.menu:
        plan.reply = menu_keyboard(message.menu)
        menu_labels = {plain_label(label) for label in message.menu}
        if all(plain_label(choice.label) in menu_labels for choice in choices):
            choices = []
    if choices:
        keyboard = inline_keyboard(message.choice_token, choices)
        if keyboard is None:
            plan.text = f"{message.text}\n\n{numbered(choices, t)}"
        else:
            plan.inline = keyboard
    return plan


def inline_keyboard(token: str | None, choices: Sequence[Choice]) -> InlineKeyboard | None:
    """The buttons, or None when one of them cannot carry its callback data."""
    if token is None:
        return None
    buttons = [
        InlineButton(plain_label(choice.label), callback_data(token, choice.id))
        for choice in choices
    ]
    if not all(fits_callback_data(button.data) and button.label for button in buttons):
        return None
    short = all(len(button.label) <= SHORT_INLINE_LABEL for button in buttons)
    per_row = 1
    if short:
        per_row = len(buttons) if len(buttons) <= 3 else 2
    return InlineKeyboard(_rows(buttons, per_row))


def private_chat_button(bot_username: str, t: Translator) -> InlineKeyboard:
    link = InlineButton(str(t("telegram.open_private")), url=f"https://t.me/{bot_username}")
    return InlineKeyboard(((link,),))


def numbered(choices: Sequence[Choice], t: Translator) -> str:
    lines = [
        f"{n}. {html.escape(plain_label(c.label), quote=False)}" for n, c in enumerate(choices, 1)
    ]
    return "\n".join([*lines, f"<i>{t('telegram.type_number')}</i>"])


def menu_keyboard(labels: Sequence[str]) -> ReplyKeyboard:
    buttons = [ReplyButton(plain_label(label)) for label in labels]
    per_row = 2 if all(len(b.label) <= SHORT_MENU_LABEL for b in buttons) else 1
    return ReplyKeyboard(_rows(buttons, per_row), persistent=True, one_time=False)


def location_keyboard(choices: Sequence[Choice], t: Translator) -> ReplyKeyboard:
    send = ReplyButton(str(t("telegram.send_location")), request_location=True)
    rows = [(send,), *((ReplyButton(plain_label(choice.label)),) for choice in choices)]
    return ReplyKeyboard(tuple(rows), persistent=False, one_time=True)


def contact_keyboard(choices: Sequence[Choice], t: Translator) -> ReplyKeyboard:
    """Sends the person's own number (request_contact); the choices are text buttons."""
    send = ReplyButton(str(t("telegram.send_contact")), request_contact=True)
    rows = [(send,), *((ReplyButton(plain_label(choice.label)),) for choice in choices)]
    return ReplyKeyboard(tuple(rows), persistent=False, one_time=True)


def _rows(buttons: Sequence[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
