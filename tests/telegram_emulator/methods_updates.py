"""getUpdates long polling and the webhook methods."""

import asyncio
import contextlib
import ipaddress
import re
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from .errors import bad_request, conflict
from .jsontypes import JSONDict
from .params import Params
from .state import BotState
from .update_queue import MAX_UPDATES_PER_CALL
from .webhook import WebhookSettings

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
DEFAULT_MAX_CONNECTIONS = 40


def _allowed_updates(params: Params) -> list[str] | None:
    allowed = params.json("allowed_updates", "allowed_updates")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed_updates JSON array")
    return allowed


async def get_updates(state: BotState, params: Params) -> list[JSONDict]:
    if state.webhook.settings is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )
    offset = params.integer("offset") or 0
    limit = min(max(params.integer("limit") or MAX_UPDATES_PER_CALL, 1), MAX_UPDATES_PER_CALL)
    timeout = max(params.number("timeout") or 0.0, 0.0)
    allowed = _allowed_updates(params)
    queue = state.updates
    ticket = queue.begin_poll()
    try:
        queue.confirm(offset)
        queue.set_allowed_updates(allowed)
        deadline = time.monotonic() + timeout
        while True:
            if ticket.terminated_by is not None:
                raise conflict(f"terminated by {ticket.terminated_by}")
            updates = queue.peek(limit)
            remaining = deadline - time.monotonic()
            if updates or remaining <= 0 or state.closing.is_set():
                return updates
            ticket.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ticket.wake.wait(), remaining)
    finally:
        queue.end_poll(ticket)


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: Wrong HTTP URL specified")
    if not _is_loopback(parts.hostname):
        # A test must never make the emulator talk to anything but this machine.
        raise bad_request("bad webhook: the emulator delivers only to loopback addresses")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secret_token(params: Params) -> str | None:
    secret = params.string("secret_token")
    if not secret:
        return None
    if not _SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    return secret


async def set_webhook(state: BotState, params: Params) -> bool:
    url = params.string("url") or ""
    if not url:
        return await delete_webhook(state, params)
    _check_webhook_url(url)
    secret = _secret_token(params)
    max_connections = params.integer("max_connections") or DEFAULT_MAX_CONNECTIONS
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = _allowed_updates(params)
    state.updates.terminate_poll("setWebhook request")
    if params.boolean("drop_pending_updates"):
        state.updates.drop_all()
    state.updates.set_allowed_updates(allowed)
    state.webhook.configure(
        WebhookSettings(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            allowed_updates=state.updates.allowed_updates,
            ip_address=params.string("ip_address"),
        )
    )
    return True


async def delete_webhook(state: BotState, params: Params) -> bool:
    if params.boolean("drop_pending_updates"):
        state.updates.drop_all()
    state.webhook.configure(None)
    return True


async def get_webhook_info(state: BotState, params: Params) -> JSONDict:
    webhook = state.webhook
    settings = webhook.settings
    info: JSONDict = {
        "url": settings.url if settings else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if settings is not None:
        info["max_connections"] = settings.max_connections
        if settings.ip_address:
            info["ip_address"] = settings.ip_address
        if settings.allowed_updates is not None:
            info["allowed_updates"] = settings.allowed_updates
    if webhook.last_error_date is not None:
        info["last_error_date"] = webhook.last_error_date
        info["last_error_message"] = webhook.last_error_message
    return info


HANDLERS: dict[str, Callable[[BotState, Params], Awaitable[object]]] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
