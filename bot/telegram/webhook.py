"""Receiving updates on a webhook: answered 2xx only once the update is in the inbox.

Telegram pushes up to 40 requests at once (setWebhook's max_connections); those that arrive
together are committed in one transaction (`bot.grouping`), each answered after that commit.

Telegram retries an update until it gets a 2xx, so a crash before the commit loses
nothing. A request without the secret header (401) or with a wrong one (403) is refused
before its body is read; a body that is not JSON, or nests deeper than any update, gets 400
and nothing is stored.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable
from urllib.parse import urlsplit

from aiohttp import web

from bot.telegram.api import TelegramApi, Unauthorized
from bot.telegram.incoming import ALLOWED_UPDATES
from bot.telegram.ingest import Ingest
from bot.telegram.waiting import persist
from bot.webhook_json import Unreadable, read_json

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookReceiver:
    def __init__(self, ingest: Ingest, secret: str) -> None:
        self.ingest = ingest
        self._secret = secret.encode("utf-8")

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401)
        if not hmac.compare_digest(given.encode("utf-8"), self._secret):
            return web.Response(status=403)
        try:
            update = read_json(await request.read())
        except Unreadable:
            return web.Response(status=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400)
        try:
            await self.ingest.store_pushed(update)
        except Exception:
            log.exception(
                "could not store update %s; Telegram will send it again", update["update_id"]
            )
            return web.Response(status=500)
        return web.Response(status=200)


def webhook_app(receiver: WebhookReceiver, url: str) -> web.Application:
    app = web.Application()
    app.router.add_post(urlsplit(url).path or "/", receiver.handle)
    return app


async def run_webhook(
    api: TelegramApi,
    ingest: Ingest,
    stop: asyncio.Event,
    *,
    url: str,
    secret: str,
    listen: str,
    port: int,
) -> None:
    runner = web.AppRunner(
        webhook_app(WebhookReceiver(ingest, secret), url), access_log=None, handle_signals=False
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, listen, port).start()
        log.info("receiving updates on a webhook at %s:%s (%s)", listen, port, api.runtime)

        # Only once we listen: Telegram starts pushing as soon as the webhook is set.
        def set_webhook() -> Awaitable[None]:
            return api.set_webhook(url, secret, ALLOWED_UPDATES)

        if await persist(stop, set_webhook, "setWebhook", fatal=(Unauthorized,)):
            await stop.wait()
    finally:
        await runner.cleanup()
