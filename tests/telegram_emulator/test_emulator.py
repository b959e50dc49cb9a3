"""The emulator exercised through the real clients: python-telegram-bot and aiogram."""

import asyncio
import io
import json
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from aiogram import Bot as AiogramBot
from aiogram import Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiohttp import web
from telegram import Bot as PtbBot
from telegram import InlineKeyboardButton as PtbInlineButton
from telegram import InlineKeyboardMarkup as PtbInlineMarkup
from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from . import BotApiError, EmulatorConfig, RateLimits, TelegramEmulator, parse_html

pytestmark = [
    pytest.mark.asyncio,
    # Reading RetryAfter.retry_after warns about its future timedelta type; seconds() copes.
    pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning"),
]

USER_ID = 5_550_001
OTHER_USER_ID = 5_550_002


def seconds(retry_after: int | float | timedelta) -> float:
    # PTB 22.2+ returns an int unless PTB_TIMEDELTA opts into timedelta.
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after


def ptb_bot(telegram: TelegramEmulator, read_timeout: float = 5.0) -> PtbBot:
    # PTB appends the token and "/<method>" to base_url itself.
    return PtbBot(
        telegram.token,
        base_url=f"{telegram.base_url}/bot",
        base_file_url=f"{telegram.base_url}/file/bot",
        request=HTTPXRequest(read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(EmulatorConfig(webhook_retry_delay=0.05)) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def ptb(telegram: TelegramEmulator) -> AsyncIterator[PtbBot]:
    async with ptb_bot(telegram) as bot:
        yield bot


@pytest_asyncio.fixture
async def aiogram_bot(telegram: TelegramEmulator) -> AsyncIterator[AiogramBot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
    bot = AiogramBot(telegram.token, session=session)
    try:
        yield bot
    finally:
        # AiohttpSession.close() sleeps 250 ms for TLS shutdown; plain loopback HTTP has none.
        if session._session is not None:
            await session._session.close()


@pytest_asyncio.fixture
async def webhook_receiver() -> AsyncIterator["WebhookReceiver"]:
    receiver = WebhookReceiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


class WebhookReceiver:
    """A bot-side webhook endpoint whose answers the test scripts."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, object]]] = []
        self.statuses: list[int] = []
        self.reply: dict[str, object] | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.json()))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200 and self.reply is not None:
            return web.json_response(self.reply)
        return web.Response(status=status)


# --- getMe, routing and parameter encodings ---------------------------------------


async def test_get_me_through_both_clients(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    ptb_me = await ptb.get_me()
    aiogram_me = await aiogram_bot.get_me()

    assert ptb_me.is_bot and aiogram_me.is_bot
    assert ptb_me.username == aiogram_me.username == telegram.config.bot_username
    assert ptb_me.id == aiogram_me.id == int(telegram.token.split(":")[0])
    assert aiogram_me.can_join_groups is True


async def test_unknown_token_is_401_and_unknown_method_404(telegram: TelegramEmulator) -> None:
    async with httpx.AsyncClient(base_url=telegram.base_url, trust_env=False) as client:
        wrong_token = await client.post("/bot123:nope/getMe")
        unknown_method = await client.post(f"/bot{telegram.token}/sendTelepathy")
        case_insensitive = await client.get(f"/bot{telegram.token}/GETME")

    assert wrong_token.status_code == 401
    assert wrong_token.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown_method.status_code == 404
    assert unknown_method.json()["description"] == "Not Found"
    assert case_insensitive.json()["ok"] is True


async def test_json_body_query_string_and_form_are_all_accepted(
    telegram: TelegramEmulator,
) -> None:
    telegram.register_user(USER_ID, "Lan")
    markup = {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    async with httpx.AsyncClient(base_url=telegram.api_url, trust_env=False) as client:
        as_json = await client.post(
            "/sendMessage", json={"chat_id": USER_ID, "text": "json", "reply_markup": markup}
        )
        as_query = await client.get("/sendMessage", params={"chat_id": USER_ID, "text": "query"})
        as_form = await client.post(
            "/sendMessage",
            data={"chat_id": str(USER_ID), "text": "form", "reply_markup": json.dumps(markup)},
        )

    assert [r.status_code for r in (as_json, as_query, as_form)] == [200, 200, 200]
    assert as_json.json()["result"]["reply_markup"] == markup
    assert as_form.json()["result"]["reply_markup"] == markup
    assert [m.text for m in telegram.sent_messages(USER_ID)] == ["json", "query", "form"]


# --- getUpdates ----------------------------------------------------------------------


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    telegram: TelegramEmulator, ptb: PtbBot
) -> None:
    async def user_writes_later() -> None:
        await asyncio.sleep(0.2)
        telegram.user_sends_text(USER_ID, "/start", first_name="Lan")

    started = time.monotonic()
    writer = asyncio.create_task(user_writes_later())
    updates = await ptb.get_updates(timeout=5)
    await writer

    assert time.monotonic() - started < 2
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.from_user is not None and message.from_user.language_code == "vi"
    assert message.chat.type == "private"
    assert message.entities[0].type == "bot_command"


async def test_long_poll_waits_for_its_timeout_when_nothing_arrives(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot
) -> None:
    started = time.monotonic()
    updates = await aiogram_bot.get_updates(timeout=1)

    assert updates == []
    assert 0.9 < time.monotonic() - started < 3


async def test_unconfirmed_updates_are_redelivered_until_offset_confirms_them(
    telegram: TelegramEmulator, ptb: PtbBot
) -> None:
    first = telegram.user_sends_text(USER_ID, "một")
    second = telegram.user_sends_text(USER_ID, "hai")

    initial = await ptb.get_updates()
    again = await ptb.get_updates()
    after_first = await ptb.get_updates(offset=first["update_id"] + 1)
    after_all = await ptb.get_updates(offset=second["update_id"] + 1, timeout=0)

    assert [u.update_id for u in initial] == [first["update_id"], second["update_id"]]
    assert [u.update_id for u in again] == [first["update_id"], second["update_id"]]
    assert [u.update_id for u in after_first] == [second["update_id"]]
    assert after_all == ()
    assert telegram.pending_updates() == []


async def test_negative_offset_keeps_only_the_newest_updates(
    telegram: TelegramEmulator, ptb: PtbBot
) -> None:
    ids = [telegram.user_sends_text(USER_ID, f"tin {n}")["update_id"] for n in range(4)]

    newest = await ptb.get_updates(offset=-2)

    assert [u.update_id for u in newest] == ids[-2:]
    assert [u["update_id"] for u in telegram.pending_updates()] == ids[-2:]


async def test_limit_and_allowed_updates(telegram: TelegramEmulator, ptb: PtbBot) -> None:
    for n in range(3):
        telegram.user_sends_text(USER_ID, f"tin {n}")

    limited = await ptb.get_updates(limit=2)
    await ptb.get_updates(offset=limited[-1].update_id + 1, allowed_updates=["callback_query"])
    telegram.user_sends_text(USER_ID, "filtered out")

    assert len(limited) == 2
    assert [u["message"]["text"] for u in telegram.pending_updates()] == ["tin 2"]


async def test_second_get_updates_terminates_the_first_with_409(
    telegram: TelegramEmulator,
) -> None:
    async with ptb_bot(telegram) as first_instance, ptb_bot(telegram) as second_instance:
        waiting = asyncio.create_task(first_instance.get_updates(timeout=5))
        await telegram.wait_until(lambda: telegram.long_poll_active)
        await second_instance.get_updates(timeout=0)

        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting


async def test_get_updates_is_refused_while_a_webhook_is_set(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot, webhook_receiver: WebhookReceiver
) -> None:
    await aiogram_bot.set_webhook(webhook_receiver.url)

    with pytest.raises(TelegramConflictError, match="while webhook is active"):
        await aiogram_bot.get_updates()

    await aiogram_bot.delete_webhook()
    assert await aiogram_bot.get_updates() == []


# --- sendMessage validation --------------------------------------------------------


async def test_html_is_parsed_into_entities(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot
) -> None:
    telegram.user_sends_text(USER_ID, "xin chào")

    sent = await aiogram_bot.send_message(
        USER_ID,
        'Chào <b>bạn</b> &lt;3 <a href="https://example.com/?a=1&amp;b=2">link</a>',
        parse_mode="HTML",
    )

    assert sent.text == "Chào bạn <3 link"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [
        ("bold", 5, 3),
        ("text_link", 12, 4),
    ]
    assert (sent.entities or [])[1].url == "https://example.com/?a=1&b=2"
    assert telegram.last_message(USER_ID) is not None


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Character "&" at byte offset 4'),
        ("<b>đậm", "Can't find end tag corresponding to start tag b"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ],
)
async def test_invalid_html_is_rejected_like_telegram(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot, html: str, expected: str
) -> None:
    telegram.register_user(USER_ID)

    with pytest.raises(TelegramBadRequest) as raised:
        await aiogram_bot.send_message(USER_ID, html, parse_mode="HTML")

    assert "Bad Request: can't parse entities: " in raised.value.message
    assert expected in raised.value.message
    assert telegram.sent_messages(USER_ID) == []


async def test_ptb_sees_the_same_html_errors(telegram: TelegramEmulator, ptb: PtbBot) -> None:
    telegram.register_user(USER_ID)

    await ptb.send_message(USER_ID, "<b>x</b>", parse_mode="HTML")
    # PTB strips "Bad Request: " and capitalizes the rest of the description.
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await ptb.send_message(USER_ID, "a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await ptb.send_message(USER_ID, "&", parse_mode="HTML")

    assert [m.text for m in telegram.sent_messages(USER_ID)] == ["x"]


async def test_text_length_is_counted_in_utf16_units(
    telegram: TelegramEmulator, ptb: PtbBot
) -> None:
    telegram.register_user(USER_ID)
    emoji_4096_units = "😀" * 2048

    await ptb.send_message(USER_ID, "a" * 4096)
    await ptb.send_message(USER_ID, emoji_4096_units)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await ptb.send_message(USER_ID, emoji_4096_units + "a")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await ptb.send_message(USER_ID, "<b>" + "a" * 4097 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await ptb.send_message(USER_ID, "<b> </b>", parse_mode="HTML")

    assert len(telegram.sent_messages(USER_ID)) == 2


async def test_reply_parameters_need_an_existing_message(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot
) -> None:
    question = telegram.user_sends_text(USER_ID, "Hỏi")["message"]["message_id"]

    answer = await aiogram_bot.send_message(
        USER_ID, "Đáp", reply_parameters=ReplyParameters(message_id=question)
    )
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await aiogram_bot.send_message(
            USER_ID, "?", reply_parameters=ReplyParameters(message_id=999)
        )
    anyway = await aiogram_bot.send_message(
        USER_ID,
        "!",
        reply_parameters=ReplyParameters(message_id=999, allow_sending_without_reply=True),
    )

    assert answer.reply_to_message is not None
    assert answer.reply_to_message.message_id == question
    assert anyway.reply_to_message is None


async def test_unknown_chat_is_not_found(ptb: PtbBot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await ptb.send_message(999_999, "ai đó?")


async def test_callback_data_is_limited_to_64_utf8_bytes(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot
) -> None:
    telegram.register_user(USER_ID)
    data_64_bytes = "ệ" * 21 + "a"  # "ệ" takes 3 bytes in UTF-8
    assert len(data_64_bytes.encode()) == 64

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Chọn", callback_data=data)]]
        )

    sent = await aiogram_bot.send_message(USER_ID, "ok", reply_markup=keyboard(data_64_bytes))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await aiogram_bot.send_message(USER_ID, "no", reply_markup=keyboard(data_64_bytes + "b"))
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await aiogram_bot.send_message(
            USER_ID,
            "no",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x")]]),
        )

    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == data_64_bytes


async def test_how_each_client_encodes_reply_markup(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    telegram.register_user(USER_ID)
    await ptb.send_message(
        USER_ID,
        "ptb",
        reply_markup=PtbInlineMarkup([[PtbInlineButton("A", callback_data="a")]]),
    )
    await aiogram_bot.send_message(
        USER_ID,
        "aiogram",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
        ),
    )

    ptb_call, aiogram_call = telegram.requests_for("sendMessage")
    # Both put the markup as JSON text in a form field; PTB also sends chat_id as text.
    assert isinstance(ptb_call.params["reply_markup"], str)
    assert isinstance(aiogram_call.params["reply_markup"], str)
    assert json.loads(ptb_call.params["reply_markup"]) == json.loads(
        aiogram_call.params["reply_markup"]
    )
    first, second = telegram.sent_messages(USER_ID)
    assert first.reply_markup == second.reply_markup


async def test_reply_keyboard_is_stored_but_not_echoed(
    telegram: TelegramEmulator, ptb: PtbBot
) -> None:
    telegram.register_user(USER_ID)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("Gửi vị trí", request_location=True)], ["Hủy"]],
        resize_keyboard=True,
        one_time_keyboard=True,
        is_persistent=True,
        input_field_placeholder="Chọn đi",
    )

    sent = await ptb.send_message(USER_ID, "Vị trí?", reply_markup=keyboard)

    assert sent.reply_markup is None  # Telegram returns only inline keyboards
    stored = telegram.last_message(USER_ID)
    assert stored is not None and stored.reply_markup is not None
    assert stored.reply_markup["keyboard"][1] == [{"text": "Hủy"}]
    assert stored.reply_markup["keyboard"][0][0]["request_location"] is True


# --- flood limits --------------------------------------------------------------------


async def test_burst_to_a_private_chat_gets_429_with_retry_after(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    telegram.register_user(USER_ID)
    telegram.register_user(OTHER_USER_ID)
    telegram.set_rate_limits(per_chat_per_s=0.1, burst=3)

    for n in range(3):
        await ptb.send_message(USER_ID, f"tin {n}")
    with pytest.raises(RetryAfter) as ptb_raised:
        await ptb.send_message(USER_ID, "quá nhanh")
    with pytest.raises(TelegramRetryAfter) as aiogram_raised:
        await aiogram_bot.send_message(USER_ID, "quá nhanh")
    await aiogram_bot.send_message(OTHER_USER_ID, "another chat has its own budget")

    assert seconds(ptb_raised.value.retry_after) >= 1
    assert aiogram_raised.value.retry_after >= 1
    assert telegram.stats.rate_limited == 2
    assert telegram.stats.rate_limited_by_chat[USER_ID] == 2
    assert telegram.stats.max_messages_per_second_by_chat[USER_ID] == 3
    last = telegram.requests_for("sendMessage")[-2].response
    assert last is not None and last["parameters"]["retry_after"] >= 1


async def test_rate_limits_can_be_disabled(telegram: TelegramEmulator, ptb: PtbBot) -> None:
    telegram.register_user(USER_ID)
    telegram.disable_rate_limits()

    for n in range(10):
        await ptb.send_message(USER_ID, f"tin {n}")

    assert telegram.stats.rate_limited == 0
    assert telegram.stats.max_messages_per_second >= 10


async def test_group_limit_is_per_minute(telegram: TelegramEmulator, ptb: PtbBot) -> None:
    group_id = -1_001_234
    telegram.user_sends_group_text(group_id, USER_ID, "/start@tuquan_test_bot")
    telegram.set_rate_limits(global_per_s=100, group_per_min=5)

    for n in range(5):
        await ptb.send_message(group_id, f"tin {n}")
    with pytest.raises(RetryAfter) as raised:
        await ptb.send_message(group_id, "quá nhanh")

    assert seconds(raised.value.retry_after) > 1
    assert telegram.stats.max_messages_per_minute_by_chat[group_id] == 5


# --- webhook -------------------------------------------------------------------------


async def test_webhook_push_with_secret_and_redelivery_after_500(
    telegram: TelegramEmulator, ptb: PtbBot, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [500]
    await ptb.set_webhook(webhook_receiver.url, secret_token="bi_mat-123")

    update = telegram.user_sends_text(USER_ID, "qua webhook")
    await telegram.wait_until(lambda: len(webhook_receiver.received) >= 2, timeout=3)
    await telegram.wait_until(lambda: not telegram.pending_updates())
    info = await ptb.get_webhook_info()

    (first_headers, first_body), (second_headers, second_body) = webhook_receiver.received
    assert first_body == second_body == update
    assert first_headers["X-Telegram-Bot-Api-Secret-Token"] == "bi_mat-123"
    assert second_headers["X-Telegram-Bot-Api-Secret-Token"] == "bi_mat-123"
    assert info.url == webhook_receiver.url
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert [d.delivered for d in telegram.webhook_deliveries] == [False, True]


async def test_webhook_keeps_order_and_executes_a_method_in_its_answer(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [502, 200, 200]
    webhook_receiver.reply = {"method": "sendMessage", "chat_id": USER_ID, "text": "đã nhận"}
    await aiogram_bot.set_webhook(webhook_receiver.url)

    first = telegram.user_sends_text(USER_ID, "một")
    second = telegram.user_sends_text(USER_ID, "hai")
    await telegram.wait_for_messages(USER_ID, 2, timeout=3)

    delivered_ids = [body["update_id"] for _, body in webhook_receiver.received]
    assert delivered_ids == [first["update_id"], first["update_id"], second["update_id"]]
    assert "X-Telegram-Bot-Api-Secret-Token" not in webhook_receiver.received[0][0]
    assert [r.source for r in telegram.requests_for("sendMessage")] == ["webhook_reply"] * 2


async def test_unreachable_webhook_keeps_the_update_pending(
    telegram: TelegramEmulator, ptb: PtbBot
) -> None:
    # A port nobody listens on: bind one, note it, release it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    await ptb.set_webhook(f"http://127.0.0.1:{closed_port}/hook")

    telegram.user_sends_text(USER_ID, "không ai nghe")
    await telegram.wait_until(lambda: len(telegram.webhook_deliveries) >= 2)
    info = await ptb.get_webhook_info()

    assert info.pending_update_count == 1
    assert info.last_error_message == "Connection refused"
    assert not any(d.delivered for d in telegram.webhook_deliveries)


async def test_set_webhook_validates_secret_and_refuses_non_loopback(
    aiogram_bot: AiogramBot, webhook_receiver: WebhookReceiver
) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await aiogram_bot.set_webhook(webhook_receiver.url, secret_token="có dấu")
    with pytest.raises(TelegramBadRequest, match="loopback"):
        await aiogram_bot.set_webhook("https://example.com/hook")


# --- callbacks and edits -----------------------------------------------------------


async def test_callback_query_can_be_answered_only_once(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot
) -> None:
    telegram.user_sends_text(USER_ID, "/menu")
    sent = await aiogram_bot.send_message(
        USER_ID,
        "Chọn món",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Phở", callback_data="pho")]]
        ),
    )

    update = telegram.user_presses_button_by_text(USER_ID, "Phở")
    query = update["callback_query"]
    assert query["message"]["message_id"] == sent.message_id
    assert query["data"] == "pho" and query["chat_instance"]

    assert await aiogram_bot.answer_callback_query(query["id"], text="Đã chọn phở") is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await aiogram_bot.answer_callback_query(query["id"])
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        second = telegram.user_presses_button(USER_ID, sent.message_id, "pho")
        await aiogram_bot.answer_callback_query(second["callback_query"]["id"], text="x" * 201)

    (answer,) = telegram.callback_answers
    assert (answer.text, answer.data, answer.message_id) == ("Đã chọn phở", "pho", sent.message_id)


async def test_edit_message_text_and_not_modified(telegram: TelegramEmulator, ptb: PtbBot) -> None:
    telegram.register_user(USER_ID)
    markup = PtbInlineMarkup([[PtbInlineButton("Tiếp", callback_data="next")]])
    sent = await ptb.send_message(USER_ID, "<b>Bước 1</b>", parse_mode="HTML", reply_markup=markup)

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await ptb.edit_message_text(
            "<b>Bước 1</b>", USER_ID, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    edited = await ptb.edit_message_text("Bước 2", USER_ID, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await ptb.edit_message_text("?", USER_ID, 424242)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await ptb.edit_message_reply_markup(USER_ID, sent.message_id)

    assert not isinstance(edited, bool)  # PTB types inline-message edits as bool
    assert edited.text == "Bước 2" and edited.edit_date is not None
    stored = telegram.last_message(USER_ID)
    assert stored is not None
    assert stored.text == "Bước 2"
    assert stored.reply_markup is None  # an edit without reply_markup drops the keyboard
    assert [revision.text for revision in stored.history] == ["Bước 1"]
    assert stored.history[0].reply_markup is not None


async def test_delete_message(telegram: TelegramEmulator, aiogram_bot: AiogramBot) -> None:
    telegram.register_user(USER_ID)
    sent = await aiogram_bot.send_message(USER_ID, "tạm thời")

    assert await aiogram_bot.delete_message(USER_ID, sent.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await aiogram_bot.delete_message(USER_ID, sent.message_id)
    assert telegram.last_message(USER_ID) is None
    assert telegram.sent_messages(USER_ID)[0].deleted


# --- files ---------------------------------------------------------------------------


async def test_user_photo_can_be_fetched_with_get_file_by_both_clients(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    update = telegram.user_sends_photo(USER_ID, caption="ảnh đây", sizes=3)
    sizes = update["message"]["photo"]
    largest = sizes[-1]

    ptb_file = await ptb.get_file(largest["file_id"])
    ptb_bytes = await ptb_file.download_as_bytearray()
    aiogram_file = await aiogram_bot.get_file(largest["file_id"])
    downloaded = await aiogram_bot.download(aiogram_file)

    assert [s["width"] for s in sizes] == sorted(s["width"] for s in sizes)
    assert ptb_file.file_size == largest["file_size"]
    assert bytes(ptb_bytes).startswith(b"\xff\xd8")
    assert downloaded is not None and downloaded.read() == bytes(ptb_bytes)


async def test_send_photo_and_document_uploads_and_file_ids(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    telegram.disable_rate_limits()
    user_photo = telegram.user_sends_photo(USER_ID)["message"]["photo"][-1]
    jpeg = await (await ptb.get_file(user_photo["file_id"])).download_as_bytearray()

    by_ptb = await ptb.send_photo(USER_ID, bytes(jpeg), caption="<i>ptb</i>", parse_mode="HTML")
    by_aiogram = await aiogram_bot.send_photo(
        USER_ID, BufferedInputFile(bytes(jpeg), "anh.jpg"), caption="aiogram"
    )
    by_file_id = await aiogram_bot.send_photo(USER_ID, user_photo["file_id"])
    document = await ptb.send_document(USER_ID, io.BytesIO(b"%PDF-1.4"), filename="hoa-don.pdf")
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await aiogram_bot.send_photo(USER_ID, "not-a-file-id")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await ptb.send_photo(USER_ID, user_photo["file_id"], caption="c" * 1025)

    assert (by_ptb.photo[-1].width, by_ptb.photo[-1].height) == (800, 600)
    assert by_ptb.caption == "ptb" and by_ptb.caption_entities[0].type == "italic"
    assert by_aiogram.photo is not None and by_aiogram.caption == "aiogram"
    assert by_file_id.photo is not None and by_file_id.photo[-1].file_id == user_photo["file_id"]
    assert document.document is not None
    assert (document.document.file_name, document.document.mime_type) == (
        "hoa-don.pdf",
        "application/pdf",
    )


async def test_other_user_payloads_parse_in_both_clients(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    telegram.user_sends_album(USER_ID, 3, caption="album")
    telegram.user_sends_location(USER_ID, 21.0278, 105.8342)
    telegram.user_sends_contact(USER_ID)
    telegram.user_sends_sticker(USER_ID)
    telegram.user_sends_voice(USER_ID)
    telegram.user_sends_group_text(-100_777, OTHER_USER_ID, "/help@tuquan_test_bot")
    telegram.user_blocks_bot(USER_ID)

    ptb_updates = await ptb.get_updates()
    aiogram_updates = await aiogram_bot.get_updates(limit=9)

    assert len(ptb_updates) == 9
    album = [u.message for u in ptb_updates[:3]]
    assert len({m.media_group_id for m in album if m is not None}) == 1
    assert [u.message.location is not None for u in ptb_updates[3:4] if u.message]
    assert aiogram_updates[4].message is not None
    assert aiogram_updates[4].message.contact is not None
    assert aiogram_updates[5].message is not None and aiogram_updates[5].message.sticker
    assert aiogram_updates[6].message is not None and aiogram_updates[6].message.voice
    group_message = aiogram_updates[7].message
    assert group_message is not None and group_message.chat.type == "group"
    assert aiogram_updates[8].my_chat_member is not None
    assert aiogram_updates[8].my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await aiogram_bot.send_message(USER_ID, "còn đó không?")


async def test_injected_update_is_delivered_verbatim(telegram: TelegramEmulator) -> None:
    forged = telegram.inject_update({"edited_message": {"forged": True}})
    async with httpx.AsyncClient(base_url=telegram.api_url, trust_env=False) as client:
        answer = await client.post("/getUpdates", json={"offset": 0})

    assert answer.json() == {"ok": True, "result": [forged]}
    assert forged["update_id"] >= telegram.config.first_update_id


# --- commands ------------------------------------------------------------------------


async def test_commands_are_stored_per_scope_and_language(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    commands = [BotCommand(command="start", description="Bắt đầu")]
    await aiogram_bot.set_my_commands(commands, BotCommandScopeAllPrivateChats(), "vi")
    await ptb.set_my_commands([("help", "Trợ giúp")])

    private_vi = await aiogram_bot.get_my_commands(BotCommandScopeAllPrivateChats(), "vi")
    default = await ptb.get_my_commands()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await ptb.set_my_commands([("Start", "viết hoa")])
    await aiogram_bot.delete_my_commands(BotCommandScopeAllPrivateChats(), "vi")

    assert [c.command for c in private_vi] == ["start"]
    assert [c.command for c in default] == ["help"]
    assert telegram.commands_for() == [{"command": "help", "description": "Trợ giúp"}]
    assert telegram.commands_for({"type": "all_private_chats"}, "vi") == []


# --- fault injection -----------------------------------------------------------------


async def test_injected_errors_reach_the_clients(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    telegram.register_user(USER_ID)

    telegram.fail_with_server_error("sendMessage")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await ptb.send_message(USER_ID, "500")
    telegram.fail_with_bad_gateway("sendMessage")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await ptb.send_message(USER_ID, "502")
    telegram.fail_with_flood_wait("sendMessage", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as flood:
        await aiogram_bot.send_message(USER_ID, "429")
    telegram.fail_with_blocked("sendMessage")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await ptb.send_message(USER_ID, "403")
    await ptb.send_message(USER_ID, "works again")

    assert flood.value.retry_after == 7
    assert [m.text for m in telegram.sent_messages(USER_ID)] == ["works again"]
    assert telegram.stats.injected_faults == 4
    assert [r.status for r in telegram.requests_for("sendMessage")] == [500, 502, 429, 403, 200]


async def test_blocked_chat_answers_403_until_unblocked(
    telegram: TelegramEmulator, ptb: PtbBot
) -> None:
    telegram.register_user(USER_ID)
    telegram.block_chat(USER_ID)

    with pytest.raises(Forbidden):
        await ptb.send_message(USER_ID, "1")
    with pytest.raises(Forbidden):
        await ptb.send_chat_action(USER_ID, "typing")
    telegram.unblock_chat(USER_ID)
    await ptb.send_message(USER_ID, "2")

    assert [m.text for m in telegram.sent_messages(USER_ID)] == ["2"]


async def test_hang_makes_the_client_time_out_while_the_message_is_sent(
    telegram: TelegramEmulator,
) -> None:
    telegram.register_user(USER_ID)
    telegram.hang_next("sendMessage", seconds=2.0)

    async with ptb_bot(telegram, read_timeout=0.3) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(USER_ID, "chậm")

    assert [m.text for m in telegram.sent_messages(USER_ID)] == ["chậm"]
    await telegram.wait_until(lambda: bool(telegram.requests_for("sendMessage")))
    assert telegram.requests_for("sendMessage")[0].status == 499  # client hung up first


async def test_hang_without_effect_sends_nothing(telegram: TelegramEmulator) -> None:
    telegram.register_user(USER_ID)
    telegram.hang_next("sendMessage", seconds=0.5, apply_call=False)

    async with ptb_bot(telegram, read_timeout=0.2) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(USER_ID, "mất")

    assert telegram.sent_messages(USER_ID) == []


async def test_dropped_connection_is_a_network_error(
    telegram: TelegramEmulator, ptb: PtbBot, aiogram_bot: AiogramBot
) -> None:
    telegram.register_user(USER_ID)
    telegram.drop_next("sendMessage", times=2)

    with pytest.raises(NetworkError):
        await ptb.send_message(USER_ID, "mất kết nối")
    with pytest.raises(Exception, match=r"(?i)disconnect|connection"):
        await aiogram_bot.send_message(USER_ID, "mất kết nối")

    assert telegram.sent_messages(USER_ID) == []
    assert [r.status for r in telegram.requests_for("sendMessage")] == [0, 0]


# --- the real runtimes: PTB Application and aiogram Dispatcher ----------------------


async def test_ptb_application_polls_replies_and_handles_a_button(
    telegram: TelegramEmulator,
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        markup = PtbInlineMarkup([[PtbInlineButton("Bấm", callback_data="go")]])
        await update.message.reply_html("<i>Chào</i>", reply_markup=markup)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text("Đã bấm")

    application = (
        Application.builder()
        .token(telegram.token)
        .base_url(telegram.ptb_base_url)
        .base_file_url(telegram.ptb_base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=2)
        telegram.user_sends_text(USER_ID, "/start")
        (greeting,) = await telegram.wait_for_messages(USER_ID, 1)
        telegram.user_presses_button_by_text(USER_ID, "Bấm")
        await telegram.wait_until(lambda: greeting.text == "Đã bấm")
        await application.updater.stop()
        await application.stop()

    assert greeting.entities == []  # the edit sent plain text
    assert greeting.history[0].entities == [{"type": "italic", "offset": 0, "length": 4}]
    assert [answer.text for answer in telegram.callback_answers] == ["ok"]
    assert telegram.pending_updates() == []
    assert 409 not in telegram.stats.responses_by_status


async def test_aiogram_dispatcher_polls_replies_and_handles_a_button(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot
) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message(F.text == "/start")
    async def start(message: Message) -> None:
        button = InlineKeyboardButton(text="Bấm", callback_data="go")
        await message.answer(
            "<b>Chào</b>",
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
        )

    @dispatcher.callback_query(F.data == "go")
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("ok")
        await aiogram_bot.edit_message_text(
            "Đã bấm", chat_id=USER_ID, message_id=query.message.message_id if query.message else 0
        )

    polling = asyncio.create_task(
        dispatcher.start_polling(aiogram_bot, handle_signals=False, polling_timeout=2)
    )
    telegram.user_sends_text(USER_ID, "/start")
    (greeting,) = await telegram.wait_for_messages(USER_ID, 1)
    telegram.user_presses_button_by_text(USER_ID, "Bấm")
    await telegram.wait_until(lambda: greeting.text == "Đã bấm")
    await dispatcher.stop_polling()
    await polling

    assert greeting.history[0].entities == [{"type": "bold", "offset": 0, "length": 4}]
    assert [answer.text for answer in telegram.callback_answers] == ["ok"]


# --- helpers and parser details --------------------------------------------------------


async def test_wait_for_messages_wakes_on_send(
    telegram: TelegramEmulator, aiogram_bot: AiogramBot
) -> None:
    telegram.register_user(USER_ID)

    async def bot_replies_later() -> None:
        await asyncio.sleep(0.1)
        await aiogram_bot.send_message(USER_ID, "trả lời")

    replying = asyncio.create_task(bot_replies_later())
    messages = await telegram.wait_for_messages(USER_ID, 1, timeout=2)
    await replying

    assert [m.text for m in messages] == ["trả lời"]
    with pytest.raises(TimeoutError):
        await telegram.wait_for_messages(USER_ID, 2, timeout=0.1)


async def test_parser_offsets_and_nested_code_blocks() -> None:
    parsed = parse_html(
        '😀 <b>in <i>đậm</i></b>\n<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote><tg-spoiler>s</tg-spoiler>&#128512;&#x41;"
    )

    assert parsed.text == "😀 in đậm\nx = 1qs😀A"
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == [
        ("bold", 3, 6),
        ("italic", 6, 3),
        ("pre", 10, 5),
        ("expandable_blockquote", 15, 1),
        ("spoiler", 16, 1),
    ]
    assert parsed.entities[2]["language"] == "python"
    with pytest.raises(BotApiError, match='Tag "span" must have class "tg-spoiler"'):
        parse_html("<span>x</span>")
    assert parse_html("a & b", strict_ampersand=False).text == "a & b"


async def test_config_rate_limits_apply_from_start() -> None:
    config = EmulatorConfig(rate_limits=RateLimits(private_per_second=1.0, private_burst=1))
    async with TelegramEmulator(config) as telegram, ptb_bot(telegram) as bot:
        telegram.register_user(USER_ID)
        await bot.send_message(USER_ID, "1")
        with pytest.raises(RetryAfter):
            await bot.send_message(USER_ID, "2")
