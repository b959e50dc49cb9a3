"""Routing one Bot API call to its handler, with fault injection and request logging."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from . import methods_bot, methods_messages, methods_updates
from .errors import BotApiError, not_found
from .faults import Fault, FaultAction
from .jsontypes import JSONDict
from .params import Params
from .state import BotState
from .stats import RequestRecord

MethodHandler = Callable[[BotState, Params], Awaitable[object]]
# nginx's status for "client closed the connection before the answer": never sent.
CLIENT_CLOSED_REQUEST = 499

_LOG = logging.getLogger(__name__)
# Bot API method names are case-insensitive.
HANDLERS: dict[str, tuple[str, MethodHandler]] = {
    name.lower(): (name, handler)
    for module in (methods_bot, methods_messages, methods_updates)
    for name, handler in module.HANDLERS.items()
}
_DEFAULT_DESCRIPTIONS = {
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_NGINX_ERROR_PAGE = (
    "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
    "<center><h1>{status}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    payload: JSONDict | None = None
    html: str | None = None
    drop_connection: bool = False


def error_answer(error: BotApiError) -> ApiAnswer:
    return ApiAnswer(error.error_code, error.to_payload())


def fault_error(status: int, description: str | None, retry_after: int | None) -> BotApiError:
    if status == 429:
        after = retry_after if retry_after is not None else 1
        return BotApiError(429, f"Too Many Requests: retry after {after}", {"retry_after": after})
    text = description or _DEFAULT_DESCRIPTIONS.get(status, "Internal Server Error")
    parameters = {"retry_after": retry_after} if retry_after is not None else None
    return BotApiError(status, text, parameters)


async def call_method(
    state: BotState, method: str, params: Params, source: str = "http"
) -> ApiAnswer:
    started = time.monotonic()
    entry = HANDLERS.get(method.lower())
    if entry is None:
        answer = error_answer(not_found())
        _record(state, method, params, answer, started, source, None)
        return answer
    method, handler = entry
    state.stats.calls_by_method[method] += 1
    # Faults script what the bot's own calls meet, not calls hidden in webhook answers.
    fault = state.faults.take(method) if source == "http" else None
    try:
        answer = await _answer(state, handler, params, fault)
    except asyncio.CancelledError:
        # The client went away (timeout, shutdown) while the call was pending.
        gone = ApiAnswer(CLIENT_CLOSED_REQUEST)
        _record(state, method, params, gone, started, source, fault)
        raise
    _record(state, method, params, answer, started, source, fault)
    return answer


def _record(
    state: BotState,
    method: str,
    params: Params,
    answer: ApiAnswer,
    started: float,
    source: str,
    fault: Fault | None,
) -> None:
    state.record(
        RequestRecord(
            method=method,
            params=params.for_log(),
            time=time.time(),
            status=0 if answer.drop_connection else answer.status,
            response=answer.payload,
            duration=time.monotonic() - started,
            source=source,
            fault=fault.action.value if fault else None,
            encoding=params.encoding,
        )
    )


async def _answer(
    state: BotState, handler: MethodHandler, params: Params, fault: Fault | None
) -> ApiAnswer:
    if fault is None:
        return await _run(state, handler, params)
    state.stats.injected_faults += 1
    if fault.action is FaultAction.ERROR:
        error = fault_error(fault.status, fault.description, fault.retry_after)
        if fault.html_body:
            page = _NGINX_ERROR_PAGE.format(status=f"{fault.status} {error.description}")
            return ApiAnswer(fault.status, html=page)
        return error_answer(error)
    answer = await _run(state, handler, params) if fault.apply_call else None
    if fault.action is FaultAction.HANG:
        await state.sleep(fault.delay)
        return answer or ApiAnswer(0, drop_connection=True)
    return ApiAnswer(answer.status if answer else 0, drop_connection=True)


async def _run(state: BotState, handler: MethodHandler, params: Params) -> ApiAnswer:
    try:
        result = await handler(state, params)
    except BotApiError as error:
        return error_answer(error)
    except Exception as error:  # an emulator bug must not look like a Telegram answer
        _LOG.exception("telegram emulator failed in %s", handler.__name__)
        state.internal_errors.append(error)
        return error_answer(BotApiError(500, f"Internal Server Error: emulator bug: {error!r}"))
    return ApiAnswer(200, {"ok": True, "result": result})
