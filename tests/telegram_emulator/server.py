"""The aiohttp application: /bot<token>/<method> and /file/bot<token>/<file_path>."""

import functools
import json
import time

from aiohttp import web

from .dispatch import ApiAnswer, call_method, error_answer
from .errors import BotApiError, not_found, unauthorized
from .params import read_params
from .state import BotState
from .stats import RequestRecord

STATE_KEY = web.AppKey("telegram_emulator_state", BotState)
# Telegram accepts uploads up to 50 MB through the Bot API.
MAX_REQUEST_BYTES = 50 * 1024 * 1024
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def build_app(state: BotState) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[STATE_KEY] = state
    app.router.add_route("*", "/bot{token}/{method}", _api_endpoint)
    app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", _file_endpoint)
    return app


async def _api_endpoint(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    method = request.match_info["method"]
    if request.match_info["token"] != state.token:
        answer = error_answer(unauthorized())
        _record_rejected(state, method, answer)
        return _respond(request, answer)
    try:
        params = await read_params(request)
    except BotApiError as error:
        answer = error_answer(error)
        _record_rejected(state, method, answer)
        return _respond(request, answer)
    return _respond(request, await call_method(state, method, params))


async def _file_endpoint(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    stored = state.files.by_path(request.match_info["file_path"])
    if request.match_info["token"] != state.token or stored is None:
        return _respond(request, error_answer(not_found()))
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )


def _record_rejected(state: BotState, method: str, answer: ApiAnswer) -> None:
    state.record(
        RequestRecord(
            method=method,
            params={},
            time=time.time(),
            status=answer.status,
            response=answer.payload,
            duration=0.0,
        )
    )


def _respond(request: web.Request, answer: ApiAnswer) -> web.StreamResponse:
    if answer.drop_connection:
        if request.transport is not None:
            request.transport.close()
        return web.Response()
    if answer.html is not None:
        return web.Response(status=answer.status, text=answer.html, content_type="text/html")
    return web.json_response(answer.payload, status=answer.status, dumps=_dumps)
