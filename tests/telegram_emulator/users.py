"""Simulated Telegram users: each action queues an Update as Telegram would send it."""

import copy
import itertools
import re
import time

from .errors import EmulatorUsageError
from .jsontypes import JSONDict
from .media import image_dimensions, photo_size
from .sample_media import PHOTO_DIMENSIONS, sample_jpeg
from .state import BotState
from .store import CallbackQueryRecord, Chat, SimulatedUser, StoredMessage
from .utf16 import utf16_length

_BOT_COMMAND = re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_media_group_ids = itertools.count(13_800_000_000_000_001)
# Placeholders with the right magic bytes; only their type is realistic.
_SAMPLE_VOICE = b"OggS\x00\x02" + bytes(58)
_SAMPLE_STICKER = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)


def command_entities(text: str) -> list[JSONDict]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group()),
        }
        for match in _BOT_COMMAND.finditer(text)
    ]


class UserActions:
    _state: BotState

    def register_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> SimulatedUser:
        """Make a user known, as if they had opened the bot, without sending an update."""
        user = self._user(user_id, first_name, last_name=last_name, username=username)
        if language_code is not None:
            user.language_code = language_code
        self._state.store.private_chat(user)
        return user

    def register_group(
        self,
        chat_id: int,
        title: str = "Nhóm thử nghiệm",
        *,
        chat_type: str = "group",
        username: str | None = None,
    ) -> Chat:
        return self._state.store.add_chat(
            Chat(id=chat_id, type=chat_type, title=title, username=username)
        )

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        first_name: str | None = None,
        *,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        user = self._user(user_id, first_name)
        chat = self._state.store.private_chat(user)
        return self._user_message(user, chat, _text_content(text), reply_to_message_id)

    def user_sends_group_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        first_name: str | None = None,
        *,
        title: str = "Nhóm thử nghiệm",
        chat_type: str = "group",
    ) -> JSONDict:
        user = self._user(user_id, first_name)
        chat = self.register_group(chat_id, title, chat_type=chat_type)
        return self._user_message(user, chat, _text_content(text), None)

    def user_sends_photo(
        self,
        user_id: int,
        caption: str | None = None,
        media_group_id: str | None = None,
        sizes: int = 3,
        *,
        first_name: str | None = None,
        image: bytes | None = None,
    ) -> JSONDict:
        """Photo with `sizes` PhotoSizes, largest last; `image` replaces the largest one."""
        if not 1 <= sizes <= len(PHOTO_DIMENSIONS):
            raise EmulatorUsageError(f"sizes must be 1-{len(PHOTO_DIMENSIONS)}")
        user = self._user(user_id, first_name)
        chat = self._state.store.private_chat(user)
        content: JSONDict = {"photo": self._photo_sizes(sizes, image)}
        if caption:
            content["caption"] = caption
            entities = command_entities(caption)
            if entities:
                content["caption_entities"] = entities
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._user_message(user, chat, content, None)

    def user_sends_album(self, user_id: int, n: int, caption: str | None = None) -> list[JSONDict]:
        """An album arrives as n updates sharing media_group_id; the caption is on the first."""
        group_id = str(next(_media_group_ids))
        return [
            self.user_sends_photo(user_id, caption if index == 0 else None, group_id)
            for index in range(n)
        ]

    def user_sends_location(self, user_id: int, lat: float, lon: float) -> JSONDict:
        user = self._user(user_id, None)
        chat = self._state.store.private_chat(user)
        location = {"latitude": lat, "longitude": lon}
        return self._user_message(user, chat, {"location": location}, None)

    def user_sends_contact(
        self,
        user_id: int,
        phone_number: str = "+84901234567",
        first_name: str | None = None,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> JSONDict:
        """Defaults to sharing the sender's own contact, as a request_contact button does."""
        user = self._user(user_id, None)
        chat = self._state.store.private_chat(user)
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
            "user_id": contact_user_id if contact_user_id is not None else user.id,
        }
        if last_name is not None:
            contact["last_name"] = last_name
        return self._user_message(user, chat, {"contact": contact}, None)

    def user_sends_sticker(self, user_id: int, emoji: str = "👍") -> JSONDict:
        user = self._user(user_id, None)
        chat = self._state.store.private_chat(user)
        stored = self._state.files.add(
            "sticker", _SAMPLE_STICKER, extension="webp", mime_type="image/webp"
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "TuquanTestStickers",
            "file_size": stored.file_size,
        }
        return self._user_message(user, chat, {"sticker": sticker}, None)

    def user_sends_voice(
        self, user_id: int, duration: int = 3, *, data: bytes | None = None
    ) -> JSONDict:
        user = self._user(user_id, None)
        chat = self._state.store.private_chat(user)
        stored = self._state.files.add(
            "voice",
            _SAMPLE_VOICE if data is None else data,
            extension="oga",
            mime_type="audio/ogg",
        )
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.file_size,
        }
        return self._user_message(user, chat, {"voice": voice}, None)

    def user_sends_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> JSONDict:
        user = self._user(user_id, None)
        chat = self._state.store.private_chat(user)
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._state.files.add(
            "document", data, extension=extension, mime_type=mime_type, file_name=file_name
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": stored.file_size,
        }
        content: JSONDict = {"document": document}
        if caption:
            content["caption"] = caption
        return self._user_message(user, chat, content, None)

    def user_presses_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        require_button: bool = True,
    ) -> JSONDict:
        """A callback_query for a bot message; by default the button must exist on it."""
        user = self._user(user_id, None)
        target_chat_id = user_id if chat_id is None else chat_id
        message = self._state.store.find_message(target_chat_id, message_id)
        if message is None:
            raise EmulatorUsageError(f"no message {message_id} in chat {target_chat_id}")
        offered = [button.get("callback_data") for button in message.inline_buttons]
        if require_button and callback_data not in offered:
            raise EmulatorUsageError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"it offers {offered}"
            )
        return self._callback_query(user, message, callback_data)

    def user_presses_button_by_text(
        self, user_id: int, text: str, *, chat_id: int | None = None
    ) -> JSONDict:
        """Press the most recent inline button labelled `text` in the chat."""
        target_chat_id = user_id if chat_id is None else chat_id
        for message in reversed(self._state.store.chat_messages(target_chat_id)):
            if message.deleted or not message.from_bot:
                continue
            for button in message.inline_buttons:
                if button.get("text") == text and "callback_data" in button:
                    user = self._user(user_id, None)
                    return self._callback_query(user, message, button["callback_data"])
        raise EmulatorUsageError(f"no inline button labelled {text!r} in chat {target_chat_id}")

    def user_blocks_bot(self, user_id: int) -> JSONDict:
        """Block the bot: sends then fail with 403 and a my_chat_member update arrives."""
        self._state.faults.blocked_chats.add(user_id)
        return self._member_status_update(user_id, "member", "kicked")

    def user_unblocks_bot(self, user_id: int) -> JSONDict:
        self._state.faults.blocked_chats.discard(user_id)
        return self._member_status_update(user_id, "kicked", "member")

    def inject_update(self, update: JSONDict) -> JSONDict:
        """Queue an arbitrary, possibly malformed update; update_id is added if missing."""
        raw = copy.deepcopy(update)
        raw.setdefault("update_id", self._state.updates.next_update_id())
        self._state.updates.push(raw)
        return copy.deepcopy(raw)

    def _user(
        self,
        user_id: int,
        first_name: str | None,
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimulatedUser:
        users = self._state.store.users
        known = users.get(user_id)
        if known is not None:
            if first_name is not None:
                known.first_name = first_name
            return known
        user = SimulatedUser(
            id=user_id,
            first_name=first_name or f"Người dùng {user_id}",
            last_name=last_name,
            username=username,
            language_code=self._state.config.default_language_code,
        )
        users[user_id] = user
        return user

    def _photo_sizes(self, count: int, image: bytes | None) -> list[JSONDict]:
        sizes: list[JSONDict] = []
        dimensions = PHOTO_DIMENSIONS[:count]
        for index, (width, height) in enumerate(dimensions):
            data = sample_jpeg(width, height)
            if image is not None and index == count - 1:
                data = image
                width, height = image_dimensions(image) or (width, height)
            stored = self._state.files.add(
                "photo", data, extension="jpg", mime_type="image/jpeg", dimensions=(width, height)
            )
            sizes.append(photo_size(stored, width, height))
        return sizes

    def _user_message(
        self,
        user: SimulatedUser,
        chat: Chat,
        content: JSONDict,
        reply_to_message_id: int | None,
    ) -> JSONDict:
        store = self._state.store
        payload: JSONDict = {
            "message_id": store.allocate_message_id(chat.id),
            "from": user.to_api(),
            "chat": chat.to_api(),
            "date": self._state.unix_time(),
            **content,
        }
        if reply_to_message_id is not None:
            replied = store.find_message(chat.id, reply_to_message_id)
            if replied is None:
                raise EmulatorUsageError(f"no message {reply_to_message_id} in chat {chat.id}")
            payload["reply_to_message"] = replied.to_api()
        store.add_message(
            StoredMessage(chat.id, int(payload["message_id"]), from_bot=False, payload=payload)
        )
        return self._push("message", payload)

    def _callback_query(self, user: SimulatedUser, message: StoredMessage, data: str) -> JSONDict:
        store = self._state.store
        query_id = store.new_callback_query_id()
        store.callback_queries[query_id] = CallbackQueryRecord(
            id=query_id,
            user_id=user.id,
            chat_id=message.chat_id,
            message_id=message.message_id,
            data=data,
            created_at=time.time(),
        )
        payload = {
            "id": query_id,
            "from": user.to_api(),
            "message": message.to_api(),
            "chat_instance": self._chat_instance(message.chat_id),
            "data": data,
        }
        return self._push("callback_query", payload)

    def _member_status_update(self, user_id: int, old: str, new: str) -> JSONDict:
        user = self._user(user_id, None)
        chat = self._state.store.private_chat(user)
        bot = self._state.bot_user()
        date = self._state.unix_time()
        member_update = {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": date,
            "old_chat_member": _member(bot, old),
            "new_chat_member": _member(bot, new),
        }
        return self._push("my_chat_member", member_update)

    def _chat_instance(self, chat_id: int) -> str:
        # Stable per chat like Telegram's, which is an opaque signed 64-bit number.
        return str((chat_id * 2_654_435_761 + self._state.config.bot_id) % 2**63)

    def _push(self, kind: str, payload: JSONDict) -> JSONDict:
        update = {"update_id": self._state.updates.next_update_id(), kind: payload}
        self._state.updates.push(update)
        return copy.deepcopy(update)


def _text_content(text: str) -> JSONDict:
    content: JSONDict = {"text": text}
    entities = command_entities(text)
    if entities:
        content["entities"] = entities
    return content


def _member(bot: JSONDict, status: str) -> JSONDict:
    member: JSONDict = {"user": bot, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    return member
