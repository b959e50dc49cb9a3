"""Steps every sending or editing method shares: target chat, blocks, flood, storing."""

import time

from .errors import (
    BotApiError,
    bad_request,
    chat_not_found,
    forbidden,
    too_many_requests,
)
from .jsontypes import JSONDict
from .markup import is_inline_keyboard
from .params import Params
from .state import BotState
from .store import Chat, StoredMessage

MESSAGE_OPTIONS = (
    "disable_notification",
    "protect_content",
    "message_thread_id",
    "message_effect_id",
    "allow_paid_broadcast",
    "business_connection_id",
)


def target_chat(state: BotState, params: Params) -> Chat:
    reference = params.string("chat_id")
    if not reference:
        raise bad_request("chat_id is empty")
    chat = state.store.find_chat(reference)
    if chat is None:
        raise chat_not_found()
    return chat


def ensure_not_blocked(state: BotState, chat: Chat) -> None:
    if chat.id in state.faults.blocked_chats:
        if chat.is_group:
            raise forbidden("bot was kicked from the group chat")
        raise forbidden("bot was blocked by the user")


def acquire_send_slot(state: BotState, chat: Chat) -> None:
    retry_after = state.flood.acquire(chat.id, chat.is_group, time.monotonic())
    if retry_after is not None:
        state.stats.record_rate_limited(chat.id)
        raise too_many_requests(retry_after)


def replied_message(state: BotState, chat: Chat, params: Params) -> StoredMessage | None:
    reply_parameters = params.json("reply_parameters")
    if isinstance(reply_parameters, dict):
        message_id = reply_parameters.get("message_id")
        allow_missing = bool(reply_parameters.get("allow_sending_without_reply", False))
        reply_chat = chat
        if reply_parameters.get("chat_id") is not None:
            reply_chat = state.store.find_chat(reply_parameters["chat_id"]) or chat
    elif "reply_to_message_id" in params:
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.boolean("allow_sending_without_reply")
        reply_chat = chat
    else:
        return None
    message = state.store.find_message(reply_chat.id, int(message_id or 0))
    if message is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return message


def link_preview_options(params: Params) -> object:
    options = params.json("link_preview_options")
    if options is None and params.boolean("disable_web_page_preview"):
        return {"is_disabled": True}
    return options


def store_bot_message(
    state: BotState,
    chat: Chat,
    params: Params,
    content: JSONDict,
    *,
    reply_markup: JSONDict | None,
    parse_mode: str | None,
    reply_to: StoredMessage | None,
) -> StoredMessage:
    payload: JSONDict = {
        "message_id": state.store.allocate_message_id(chat.id),
        "from": state.bot_user(),
        "chat": chat.to_api(),
        "date": state.unix_time(),
        **content,
    }
    if reply_to is not None:
        replied = reply_to.to_api()
        replied.pop("reply_to_message", None)
        payload["reply_to_message"] = replied
    if chat.type == "supergroup" and "message_thread_id" in params:
        payload["message_thread_id"] = params.integer("message_thread_id")
    if params.boolean("protect_content"):
        payload["has_protected_content"] = True
    if is_inline_keyboard(reply_markup):
        payload["reply_markup"] = reply_markup
    options = {name: params.raw(name) for name in MESSAGE_OPTIONS if name in params}
    preview = link_preview_options(params)
    if preview is not None:
        options["link_preview_options"] = preview
    message = StoredMessage(
        chat_id=chat.id,
        message_id=int(payload["message_id"]),
        from_bot=True,
        payload=payload,
        parse_mode=parse_mode,
        reply_markup=reply_markup,
        options=options,
    )
    state.store.add_message(message)
    state.stats.record_message_sent(chat.id, time.monotonic())
    return message


def editable_message(state: BotState, params: Params) -> StoredMessage:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID: inline messages are not emulated")
    chat = target_chat(state, params)
    ensure_not_blocked(state, chat)
    message_id = params.required_integer("message_id", "message identifier is not specified")
    message = state.store.find_message(chat.id, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def message_not_modified() -> BotApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message"
    )
