"""Validation of reply_markup objects (InlineKeyboardMarkup, ReplyKeyboardMarkup, ...)."""

import re

from .errors import BotApiError, bad_request
from .jsontypes import JSONDict

MAX_CALLBACK_DATA_BYTES = 64
MAX_PLACEHOLDER_LENGTH = 64
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
KEYBOARD_BUTTON_REQUESTS = (
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)
_BUTTON_URL = re.compile(r"^((https?|tg|ton)://\S+|[\w.-]+\.[a-zA-Z]{2,}(/\S*)?)$")


def parse_reply_markup(markup: object) -> JSONDict | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return {"inline_keyboard": _inline_keyboard(markup["inline_keyboard"])}
    if "keyboard" in markup:
        return _reply_keyboard(markup)
    if "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise bad_request("remove_keyboard must be true")
        return dict(markup)
    if "force_reply" in markup:
        if markup["force_reply"] is not True:
            raise bad_request("force_reply must be true")
        _check_placeholder(markup)
        return dict(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def is_inline_keyboard(markup: JSONDict | None) -> bool:
    return markup is not None and "inline_keyboard" in markup


def inline_buttons(markup: JSONDict | None) -> list[JSONDict]:
    if not is_inline_keyboard(markup) or markup is None:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]


def _rows(rows: object, what: str) -> list[list[object]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'Field "{what}" must be an Array of Arrays')
    return rows


def _inline_keyboard(rows: object) -> list[list[JSONDict]]:
    return [[_inline_button(button) for button in row] for row in _rows(rows, "inline_keyboard")]


def _inline_button(button: object) -> JSONDict:
    if not isinstance(button, dict):
        raise _bad_inline_button("InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _bad_inline_button('Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise _bad_inline_button('Field "text" must be of type String')
    actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise _bad_inline_button("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # The Bot API says "You must use exactly one of the optional fields".
        raise _bad_inline_button(
            f"exactly one of the optional fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in actions:
        _check_callback_data(button["callback_data"])
    if "url" in actions:
        _check_button_url(button["url"])
    if "web_app" in actions:
        _check_web_app(button["web_app"])
    return {name: value for name, value in button.items() if value is not None}


def _check_callback_data(data: object) -> None:
    if not isinstance(data, str):
        raise bad_request("BUTTON_DATA_INVALID")
    size = len(data.encode("utf-8"))
    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")


def _check_button_url(url: object) -> None:
    if not isinstance(url, str) or not _BUTTON_URL.match(url):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _check_web_app(web_app: object) -> None:
    # WebAppInfo: "An HTTPS URL of a Web App to be opened".
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        raise bad_request("BUTTON_URL_INVALID")


def _reply_keyboard(markup: JSONDict) -> JSONDict:
    rows = [
        [_keyboard_button(button) for button in row]
        for row in _rows(markup["keyboard"], "keyboard")
    ]
    _check_placeholder(markup)
    normalized = {name: value for name, value in markup.items() if value is not None}
    normalized["keyboard"] = rows
    return normalized


def _keyboard_button(button: object) -> JSONDict:
    if isinstance(button, str):
        return {"text": button}
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse keyboard button: KeyboardButton must be a String or an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request("can't parse keyboard button: Can't find field \"text\"")
    requests = [name for name in KEYBOARD_BUTTON_REQUESTS if button.get(name) not in (None, False)]
    if len(requests) > 1:
        raise bad_request(
            "can't parse keyboard button: at most one of the optional fields may be used, "
            f"got {', '.join(requests)}"
        )
    return {name: value for name, value in button.items() if value is not None}


def _check_placeholder(markup: JSONDict) -> None:
    placeholder = markup.get("input_field_placeholder")
    if placeholder is None:
        return
    if not isinstance(placeholder, str) or not 1 <= len(placeholder) <= MAX_PLACEHOLDER_LENGTH:
        raise bad_request("input_field_placeholder must be 1-64 characters long")


def _bad_inline_button(detail: str) -> BotApiError:
    return bad_request(f"can't parse inline keyboard button: {detail}")
