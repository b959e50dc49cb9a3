"""Bot API methods about the bot itself, its commands, callback answers and files."""

import json
import re
import time
from collections.abc import Awaitable, Callable

from .errors import bad_request, chat_not_found
from .jsontypes import JSONDict
from .params import Params
from .sending import target_chat
from .state import BotState
from .store import CallbackAnswer
from .utf16 import utf16_length

MAX_COMMANDS = 100
MAX_CALLBACK_ANSWER_LENGTH = 200
COMMAND_SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_CODE = re.compile(r"^([a-z]{2})?$")
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_BOT_TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}


async def get_me(state: BotState, params: Params) -> JSONDict:
    config = state.config
    return {
        **state.bot_user(),
        "can_join_groups": config.can_join_groups,
        "can_read_all_group_messages": config.can_read_all_group_messages,
        "supports_inline_queries": config.supports_inline_queries,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_chat(state: BotState, params: Params) -> JSONDict:
    chat = target_chat(state, params)
    # ChatFullInfo requires these two fields; real values depend on the chat's boosts.
    return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11}


def commands_key(scope: object, language_code: str | None) -> tuple[str, str]:
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"] in ("chat", "chat_administrators", "chat_member") and "chat_id" not in scope:
        raise chat_not_found()
    language = language_code or ""
    if not _LANGUAGE_CODE.match(language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


def _scope_key(params: Params) -> tuple[str, str]:
    return commands_key(params.json("scope", "BotCommandScope"), params.string("language_code"))


def _checked_commands(commands: object) -> list[JSONDict]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    checked: list[JSONDict] = []
    for command in commands:
        if not isinstance(command, dict) or "command" not in command:
            raise bad_request("can't parse BotCommand: Can't find field \"command\"")
        if "description" not in command:
            raise bad_request("can't parse BotCommand: Can't find field \"description\"")
        name, description = command["command"], command["description"]
        if not isinstance(name, str) or not _COMMAND.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    return checked


async def set_my_commands(state: BotState, params: Params) -> bool:
    commands = _checked_commands(params.json("commands"))
    state.commands[_scope_key(params)] = commands
    return True


async def get_my_commands(state: BotState, params: Params) -> list[JSONDict]:
    return list(state.commands.get(_scope_key(params), []))


async def delete_my_commands(state: BotState, params: Params) -> bool:
    state.commands.pop(_scope_key(params), None)
    return True


def _bot_text_methods(
    field: str,
) -> tuple[
    Callable[[BotState, Params], Awaitable[bool]], Callable[[BotState, Params], Awaitable[JSONDict]]
]:
    async def set_text(state: BotState, params: Params) -> bool:
        value = params.string(field) or ""
        if len(value) > _BOT_TEXT_LIMITS[field]:
            raise bad_request(f"{field} is too long")
        state.bot_texts[(field, params.string("language_code") or "")] = value
        return True

    async def get_text(state: BotState, params: Params) -> JSONDict:
        key = (field, params.string("language_code") or "")
        default = state.config.bot_first_name if field == "name" else ""
        return {field: state.bot_texts.get(key, default)}

    return set_text, get_text


async def answer_callback_query(state: BotState, params: Params) -> bool:
    query_id = params.string("callback_query_id") or ""
    query = state.store.callback_queries.get(query_id)
    ttl = state.config.callback_query_ttl
    expired = query is not None and ttl is not None and time.time() - query.created_at > ttl
    if query is None or query.answer is not None or expired:
        raise bad_request(_QUERY_INVALID)
    text = params.string("text")
    if text is not None and utf16_length(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = CallbackAnswer(
        callback_query_id=query_id,
        text=text,
        show_alert=params.boolean("show_alert"),
        url=params.string("url"),
        cache_time=params.integer("cache_time") or 0,
        answered_at=time.time(),
        data=query.data,
        chat_id=query.chat_id,
        message_id=query.message_id,
    )
    query.answer = answer
    state.callback_answers.append(answer)
    return True


async def get_file(state: BotState, params: Params) -> dict[str, object]:
    stored = state.files.by_id(params.string("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.to_file()


async def log_out(state: BotState, params: Params) -> bool:
    return True


_set_description, _get_description = _bot_text_methods("description")
_set_short_description, _get_short_description = _bot_text_methods("short_description")
_set_name, _get_name = _bot_text_methods("name")

HANDLERS: dict[str, Callable[[BotState, Params], Awaitable[object]]] = {
    "getMe": get_me,
    "getChat": get_chat,
    "logOut": log_out,
    "close": log_out,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": _set_description,
    "getMyDescription": _get_description,
    "setMyShortDescription": _set_short_description,
    "getMyShortDescription": _get_short_description,
    "setMyName": _set_name,
    "getMyName": _get_name,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
}
