"""Chats, users, messages and callback queries as the emulated server remembers them."""

import copy
from dataclasses import dataclass, field

from .jsontypes import JSONDict
from .markup import inline_buttons


@dataclass
class SimulatedUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"

    def to_api(self) -> JSONDict:
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            value = getattr(self, name)
            if value is not None:
                user[name] = value
        return user


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup", "channel")

    def to_api(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": self.type}
        for name in ("title", "username", "first_name", "last_name"):
            value = getattr(self, name)
            if value is not None:
                chat[name] = value
        return chat


@dataclass(frozen=True)
class MessageRevision:
    """How a bot message looked before an edit replaced it."""

    text: str | None
    caption: str | None
    entities: list[JSONDict]
    reply_markup: JSONDict | None
    parse_mode: str | None
    date: int


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    payload: JSONDict
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    history: list[MessageRevision] = field(default_factory=list)
    deleted: bool = False
    options: JSONDict = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        text = self.payload.get("text")
        return text if isinstance(text, str) else None

    @property
    def caption(self) -> str | None:
        caption = self.payload.get("caption")
        return caption if isinstance(caption, str) else None

    @property
    def entities(self) -> list[JSONDict]:
        field = "entities" if "entities" in self.payload else "caption_entities"
        entities: list[JSONDict] = self.payload.get(field) or []
        return list(entities)

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def inline_buttons(self) -> list[JSONDict]:
        return inline_buttons(self.reply_markup)

    def snapshot(self) -> MessageRevision:
        return MessageRevision(
            text=self.text,
            caption=self.caption,
            entities=self.entities,
            reply_markup=copy.deepcopy(self.reply_markup),
            parse_mode=self.parse_mode,
            date=int(self.payload.get("edit_date") or self.payload["date"]),
        )

    def to_api(self) -> JSONDict:
        return copy.deepcopy(self.payload)


@dataclass
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    answered_at: float
    data: str | None
    chat_id: int | None
    message_id: int | None


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
    answer: CallbackAnswer | None = None


@dataclass
class ChatStore:
    users: dict[int, SimulatedUser] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    messages: dict[int, list[StoredMessage]] = field(default_factory=dict)
    callback_queries: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    _next_message_id: dict[int, int] = field(default_factory=dict)
    _last_callback_id: int = 4_011_122_233_344_455_000

    def private_chat(self, user: SimulatedUser) -> Chat:
        chat = Chat(
            id=user.id,
            type="private",
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
        )
        return self.chats.setdefault(user.id, chat)

    def add_chat(self, chat: Chat) -> Chat:
        return self.chats.setdefault(chat.id, chat)

    def find_chat(self, reference: str | int) -> Chat | None:
        if isinstance(reference, str) and reference.startswith("@"):
            name = reference[1:].lower()
            return next(
                (chat for chat in self.chats.values() if (chat.username or "").lower() == name),
                None,
            )
        try:
            return self.chats.get(int(reference))
        except ValueError:
            return None

    def allocate_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def add_message(self, message: StoredMessage) -> StoredMessage:
        self.messages.setdefault(message.chat_id, []).append(message)
        return message

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def chat_messages(self, chat_id: int) -> list[StoredMessage]:
        return list(self.messages.get(chat_id, []))

    def new_callback_query_id(self) -> str:
        self._last_callback_id += 1
        return str(self._last_callback_id)
