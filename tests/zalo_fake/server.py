"""The HTTP side: POST /bot<token>/<method> with a JSON body, and GET /media/<name> for photos."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from tests.zalo_fake.state import FakeState, Json, Sent, Webhook

STATE = web.AppKey("zalo_fake_state", FakeState)
MAX_TEXT = 2000
SECRET_LENGTHS = range(8, 257)


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def build_app(state: FakeState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app.router.add_post("/bot{token}/{method}", _api)
    app.router.add_get("/media/{name}", _photo)
    return app


async def _api(request: web.Request) -> web.Response:
    state = request.app[STATE]
    method = request.match_info["method"]
    state.calls.append(method)
    try:
        if request.match_info["token"] != state.token:
            raise ApiError(401, "Unauthorized")
        try:
            params = await request.json() if request.can_read_body else {}
        except json.JSONDecodeError:
            raise ApiError(400, "Bad Request: body is not JSON") from None
        if not isinstance(params, dict):
            raise ApiError(400, "Bad Request: body is not an object")
        handler = METHODS.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: unknown method")
        result = await handler(state, params)
    except ApiError as error:
        if method.startswith("send"):
            state.rejected.append((method, error.code, error.description))
            state.changed()
        body = {"ok": False, "error_code": error.code, "description": error.description}
        status = error.code if state.error_status == "mirror" else 200
        return web.json_response(body, status=status)
    return web.json_response({"ok": True, "result": result} if result is not None else {"ok": True})


async def _photo(request: web.Request) -> web.Response:
    state = request.app[STATE]
    name = request.match_info["name"]
    state.photo_requests.append(name)
    if state.photo_failures.get(name, 0) > 0:
        state.photo_failures[name] -= 1
        return web.Response(status=503)
    photo = state.photos.get(name)
    if photo is None:
        return web.Response(status=404)
    return web.Response(body=photo.data, content_type=photo.content_type)


def _text(params: Json, key: str, *, required: bool = True) -> str | None:
    value = params.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"Bad Request: {key} is required")
    return value


def _chat(state: FakeState, params: Json) -> str:
    chat_id = _text(params, "chat_id")
    assert chat_id is not None
    if chat_id not in state.known_chats:
        raise ApiError(400, "Bad Request: chat not found")
    if chat_id in state.blocked:
        raise ApiError(403, "Forbidden: the user has blocked the bot")
    if state.over_rate():
        raise ApiError(429, "Too Many Requests")
    return chat_id


def _length_checked(text: str, key: str) -> str:
    if not 1 <= len(text) <= MAX_TEXT:
        raise ApiError(400, f"Bad Request: {key} must have 1 to {MAX_TEXT} characters")
    return text


def _accept(state: FakeState, sent: Sent) -> Json:
    state.recent_sends.append(time.monotonic())
    state.sent.append(sent)
    state.changed()
    return {"message_id": sent.message_id, "date": int(time.time() * 1000)}


async def get_me(state: FakeState, params: Json) -> Json:
    return {"id": "1459232241", "account_name": "bot.tuquan", "account_type": "BASIC"}


async def get_updates(state: FakeState, params: Json) -> Json:
    if state.webhook is not None:
        raise ApiError(409, "Conflict: a webhook is set; delete it to use getUpdates")
    seconds = float(params.get("timeout") or 30)
    deadline = time.monotonic() + seconds
    generation = state.poll_generation
    while not state.queue:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or state.poll_generation != generation:
            raise ApiError(408, "Request Timeout")
        await state.wait_change(remaining)
    # Handed out is delivered: there is no offset to confirm it later.
    update = state.queue.popleft()
    state.changed()
    return update


async def set_webhook(state: FakeState, params: Json) -> Json:
    url, secret = _text(params, "url"), _text(params, "secret_token")
    assert url is not None and secret is not None
    if not url.startswith(("https://", "http://127.0.0.1")):
        raise ApiError(400, "Bad Request: url must be HTTPS")
    if len(secret) not in SECRET_LENGTHS:
        raise ApiError(400, "Bad Request: secret_token must have 8 to 256 characters")
    state.webhook = Webhook(url, secret, int(time.time() * 1000))
    state.changed()
    return {"url": url, "updated_at": state.webhook.updated_at}


async def delete_webhook(state: FakeState, params: Json) -> Json:
    state.webhook = None
    state.changed()
    return {"url": "", "updated_at": int(time.time() * 1000)}


async def get_webhook_info(state: FakeState, params: Json) -> Json:
    if state.webhook is None:
        raise ApiError(404, "Not Found: no webhook")
    return {"url": state.webhook.url, "updated_at": state.webhook.updated_at}


async def send_message(state: FakeState, params: Json) -> Json:
    text = _length_checked(str(_text(params, "text")), "text")
    chat_id = _chat(state, params)
    return _accept(state, Sent(chat_id, text, state.new_id("m")))


async def send_photo(state: FakeState, params: Json) -> Json:
    photo = _text(params, "photo")
    caption = _text(params, "caption", required=False)
    if caption is not None:
        _length_checked(caption, "caption")
    chat_id = _chat(state, params)
    sent = Sent(chat_id, caption or "", state.new_id("m"), "sendPhoto", photo)
    return _accept(state, sent)


async def send_chat_action(state: FakeState, params: Json) -> None:
    _text(params, "action")
    _chat(state, params)
    await asyncio.sleep(0)


METHODS: dict[str, Any] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendChatAction": send_chat_action,
}
