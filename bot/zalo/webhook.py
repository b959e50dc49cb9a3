"""The webhook: Zalo POSTs each update; 2xx only once it is committed to the inbox.

The shared secret (X-Bot-Api-Secret-Token) is compared in constant time; a request without
it, or with a wrong one, is refused and nothing of it is stored, as is a body that is not
JSON or nests deeper than any update (400). Any answer but 2xx makes Zalo deliver the
update again, which the inbox's unique key turns into a no-op.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.webhook_json import Unreadable, read_json
from bot.zalo.updates import Incoming, parse, unwrap

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024
Keeper = Callable[[Incoming], Awaitable[object]]


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    path: str
    sock: socket.socket | None = None
    """An already bound socket (tests bind port 0 first, to know the URL before starting)."""


class WebhookServer:
    def __init__(self, listen: Listen, secret: str, keep: Keeper) -> None:
        self.listen = listen
        self._secret = secret.encode()
        self.keep = keep

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(self.listen.path, self.handle)
        # No access log: it would hold every request line; nothing in it is needed.
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site: web.BaseSite
        if self.listen.sock is not None:
            site = web.SockSite(runner, self.listen.sock)
        else:
            site = web.TCPSite(runner, self.listen.host, self.listen.port)
        try:
            await site.start()
            if ready is not None:
                ready.set()
            await stop.wait()
        finally:
            await runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.json_response({"ok": False, "description": "secret missing"}, status=401)
        if not hmac.compare_digest(given.encode(), self._secret):
            return web.json_response({"ok": False, "description": "wrong secret"}, status=403)
        try:
            body = read_json(await request.read())
        except Unreadable:
            return web.json_response({"ok": False, "description": "not JSON"}, status=400)
        update = unwrap(body)
        incoming = parse(update) if update is not None else None
        if incoming is None:
            # Nothing a person said: confirm it, or Zalo would keep sending it.
            return web.json_response({"ok": True})
        try:
            await self.keep(incoming)
        except Exception as error:
            log.warning("Zalo update %s not stored: %s", incoming.update_key, type(error).__name__)
            return web.json_response({"ok": False, "description": "try again"}, status=503)
        return web.json_response({"ok": True})
