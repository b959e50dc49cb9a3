"""Bot API methods that send, edit and delete messages."""

import mimetypes
from collections.abc import Awaitable, Callable

from .errors import bad_request
from .files import StoredFile
from .formatting import check_caption, check_message_text, format_text
from .html_parser import FormattedText
from .jsontypes import JSONDict
from .markup import is_inline_keyboard, parse_reply_markup
from .media import document_object, photo_from_url, photo_size, uploaded_photo_sizes
from .params import Params, UploadedFile
from .sending import (
    acquire_send_slot,
    editable_message,
    ensure_not_blocked,
    message_not_modified,
    replied_message,
    store_bot_message,
    target_chat,
)
from .state import BotState, ChatActionRecord
from .store import StoredMessage

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip


def _formatted(
    state: BotState, params: Params, text_field: str, entities_field: str
) -> FormattedText:
    entities = params.json(entities_field)
    return format_text(
        params.string(text_field) or "",
        params.string("parse_mode"),
        entities if isinstance(entities, list) else None,
        strict_ampersand=state.config.strict_html_ampersand,
    )


def _reply_markup(params: Params) -> JSONDict | None:
    return parse_reply_markup(params.json("reply_markup", "reply keyboard markup"))


def _text_content(formatted: FormattedText, field: str, entities_field: str) -> JSONDict:
    content: JSONDict = {field: formatted.text} if formatted.text else {}
    if formatted.entities:
        content[entities_field] = formatted.entities
    return content


async def send_message(state: BotState, params: Params) -> JSONDict:
    chat = target_chat(state, params)
    ensure_not_blocked(state, chat)
    formatted = _formatted(state, params, "text", "entities")
    check_message_text(formatted)
    reply_markup = _reply_markup(params)
    reply_to = replied_message(state, chat, params)
    acquire_send_slot(state, chat)
    message = store_bot_message(
        state,
        chat,
        params,
        _text_content(formatted, "text", "entities"),
        reply_markup=reply_markup,
        parse_mode=params.string("parse_mode"),
        reply_to=reply_to,
    )
    return message.to_api()


def _known_file(state: BotState, file_id: str, kind: str) -> StoredFile:
    stored = state.files.by_id(file_id)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    return stored


def _photo_sizes(state: BotState, photo: UploadedFile | str) -> list[JSONDict]:
    if isinstance(photo, UploadedFile):
        return uploaded_photo_sizes(state.files, photo.data)
    if photo.startswith(("http://", "https://")):
        return photo_from_url(state.files, photo)
    stored = _known_file(state, photo, "photo")
    return [photo_size(stored, stored.width or 800, stored.height or 600)]


def _document(state: BotState, document: UploadedFile | str) -> JSONDict:
    if isinstance(document, UploadedFile):
        guessed, _ = mimetypes.guess_type(document.filename)
        extension = document.filename.rsplit(".", 1)[-1] if "." in document.filename else "bin"
        stored = state.files.add(
            "document",
            document.data,
            extension=extension,
            mime_type=guessed or document.content_type,
            file_name=document.filename,
        )
    elif document.startswith(("http://", "https://")):
        name = document.rstrip("/").rsplit("/", 1)[-1] or "file"
        stored = state.files.add(
            "document", b"", extension="bin", file_name=name, remote_url=document
        )
    else:
        stored = _known_file(state, document, "document")
    return document_object(stored)


def _media_sender(
    field: str, build: Callable[[BotState, UploadedFile | str], object]
) -> Callable[[BotState, Params], Awaitable[JSONDict]]:
    async def send_media(state: BotState, params: Params) -> JSONDict:
        chat = target_chat(state, params)
        ensure_not_blocked(state, chat)
        media = params.file(field)
        if media is None or media == "":
            raise bad_request(f"there is no {field} in the request")
        caption = _formatted(state, params, "caption", "caption_entities")
        check_caption(caption)
        reply_markup = _reply_markup(params)
        reply_to = replied_message(state, chat, params)
        acquire_send_slot(state, chat)
        content: JSONDict = {field: build(state, media)}
        content.update(_text_content(caption, "caption", "caption_entities"))
        if params.boolean("show_caption_above_media"):
            content["show_caption_above_media"] = True
        message = store_bot_message(
            state,
            chat,
            params,
            content,
            reply_markup=reply_markup,
            parse_mode=params.string("parse_mode"),
            reply_to=reply_to,
        )
        return message.to_api()

    return send_media


def _revise(
    message: StoredMessage,
    state: BotState,
    *,
    text: FormattedText | None,
    text_field: str,
    reply_markup: JSONDict | None,
    parse_mode: str | None,
) -> JSONDict:
    message.history.append(message.snapshot())
    payload = message.payload
    entities_field = "entities" if text_field == "text" else "caption_entities"
    if text is not None:
        payload.pop(text_field, None)
        payload.pop(entities_field, None)
        payload.update(_text_content(text, text_field, entities_field))
        message.parse_mode = parse_mode
    message.reply_markup = reply_markup
    if is_inline_keyboard(reply_markup):
        payload["reply_markup"] = reply_markup
    else:
        payload.pop("reply_markup", None)
    payload["edit_date"] = state.unix_time()
    return message.to_api()


def _edit_markup(params: Params) -> JSONDict | None:
    markup = _reply_markup(params)
    if markup is not None and not is_inline_keyboard(markup):
        raise bad_request("inline keyboard expected")
    return markup


async def edit_message_text(state: BotState, params: Params) -> JSONDict:
    message = editable_message(state, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    formatted = _formatted(state, params, "text", "entities")
    check_message_text(formatted)
    # Telegram drops the inline keyboard of an edited message unless it is sent again.
    markup = _edit_markup(params)
    unchanged = (formatted.text, formatted.entities, markup) == (
        message.text,
        message.entities,
        message.reply_markup,
    )
    if unchanged:
        raise message_not_modified()
    return _revise(
        message,
        state,
        text=formatted,
        text_field="text",
        reply_markup=markup,
        parse_mode=params.string("parse_mode"),
    )


async def edit_message_caption(state: BotState, params: Params) -> JSONDict:
    message = editable_message(state, params)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption = _formatted(state, params, "caption", "caption_entities")
    check_caption(caption)
    markup = _edit_markup(params)
    current = (message.caption or "", message.entities, message.reply_markup)
    if (caption.text, caption.entities, markup) == current:
        raise message_not_modified()
    return _revise(
        message,
        state,
        text=caption,
        text_field="caption",
        reply_markup=markup,
        parse_mode=params.string("parse_mode"),
    )


async def edit_message_reply_markup(state: BotState, params: Params) -> JSONDict:
    message = editable_message(state, params)
    markup = _edit_markup(params)
    if markup == message.reply_markup:
        raise message_not_modified()
    return _revise(
        message, state, text=None, text_field="text", reply_markup=markup, parse_mode=None
    )


async def delete_message(state: BotState, params: Params) -> bool:
    chat = target_chat(state, params)
    message_id = params.required_integer("message_id", "message identifier is not specified")
    message = state.store.find_message(chat.id, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    return True


async def send_chat_action(state: BotState, params: Params) -> bool:
    chat = target_chat(state, params)
    ensure_not_blocked(state, chat)
    action = params.string("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    state.chat_actions.append(ChatActionRecord(chat.id, action, state.unix_time()))
    return True


HANDLERS: dict[str, Callable[[BotState, Params], Awaitable[object]]] = {
    "sendMessage": send_message,
    "sendPhoto": _media_sender("photo", _photo_sizes),
    "sendDocument": _media_sender("document", _document),
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
}
