"""The Zalo transport as bot.app.serve runs it: updates in (polling or webhook), photos copied,
and the client the sender uses to answer."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.app import Hub
from bot.ratelimit import Limits
from bot.sender import ChannelClient, SenderPolicy
from bot.settings import ZALO_MEDIA_HOSTS, Settings
from bot.waiting import sleep_or_stop
from bot.zalo import ingest
from bot.zalo.api import ZaloApi, ZaloApiError, ZaloUnreachable
from bot.zalo.client import RETRY_AFTER_SECONDS, ZaloClient
from bot.zalo.media_rules import FetchPolicy, Reach
from bot.zalo.polling import Keeper, Poller
from bot.zalo.updates import CHANNEL, Incoming

if TYPE_CHECKING:
    from bot.zalo.media import MediaFetcher

log = logging.getLogger(__name__)

Store = Callable[[Incoming], Awaitable[object]]
SECRET_LENGTHS = range(8, 257)
STARTUP_RETRY_SECONDS = 5.0


class ZaloSetupError(Exception):
    """The settings cannot work (no token, a refused token, a bad webhook secret)."""


@dataclass(frozen=True)
class ZaloConfig:
    token: str
    api_url: str
    limits: Limits
    media_dir: Path
    media_max_bytes: int
    poll_seconds: int = 30
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    media_hosts: tuple[str, ...] = ZALO_MEDIA_HOSTS

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    @classmethod
    def from_settings(cls, settings: Settings) -> ZaloConfig:
        token = settings.zalo_bot_token.get_secret_value() if settings.zalo_bot_token else ""
        if not token:
            raise ZaloSetupError("ZALO_BOT_TOKEN is not set")
        webhook_url = settings.zalo_webhook_url or None
        secret = (
            settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret else ""
        )
        if webhook_url and not (len(secret) in SECRET_LENGTHS and _header_safe(secret)):
            raise ZaloSetupError(
                "ZALO_WEBHOOK_SECRET must have 8 to 256 characters: ASCII letters, digits, - or _"
            )
        host, _, port = settings.zalo_webhook_listen.rpartition(":")
        if not port.isdecimal():
            raise ZaloSetupError("ZALO_WEBHOOK_LISTEN must be host:port, e.g. 127.0.0.1:8080")
        return cls(
            token=token,
            api_url=settings.zalo_api_url,
            limits=Limits(
                per_second=settings.zalo_rate_per_second,
                per_chat_per_second=settings.zalo_rate_per_chat_per_second,
            ),
            media_dir=settings.media_dir,
            media_max_bytes=settings.media_max_bytes,
            poll_seconds=settings.zalo_poll_timeout,
            webhook_url=webhook_url,
            webhook_secret=secret or None,
            listen_host=host or "0.0.0.0",
            listen_port=int(port),
            media_hosts=settings.zalo_media_host_suffixes,
        )


class ZaloTransport:
    channel = CHANNEL

    def __init__(
        self,
        config: ZaloConfig,
        *,
        listen_socket: socket.socket | None = None,
        fetch_policy: FetchPolicy | None = None,
        retry_after: float = RETRY_AFTER_SECONDS,
    ) -> None:
        self.config = config
        self.limits = config.limits
        self.listen_socket = listen_socket
        self.fetch_policy = fetch_policy or FetchPolicy(
            max_bytes=config.media_max_bytes, reach=Reach(hosts=config.media_hosts)
        )
        # The sender may still be sending while ingestion shuts down: each has its own client.
        self.zalo_client = ZaloClient(
            ZaloApi(config.token, config.api_url), retry_after=retry_after
        )
        self.client: ChannelClient = self.zalo_client
        # The sender's own retry policy serves Zalo as it is.
        self.policy: SenderPolicy | None = None
        self.webhook_ready = asyncio.Event()

    async def aclose(self) -> None:
        await self.zalo_client.api.aclose()

    async def run(self, hub: Hub, stop: asyncio.Event) -> None:
        from bot.zalo.media import MediaFetcher  # its HTTP client only once Zalo runs

        api = ZaloApi(self.config.token, self.config.api_url)
        fetcher = MediaFetcher(
            hub.sessions,
            self.config.media_dir,
            CHANNEL,
            policy=self.fetch_policy,
            clock=hub.clock,
        )
        try:
            if not await _connected(api, stop):
                return
            ingestion = (
                self._webhook(api, hub, fetcher, stop)
                if self.config.uses_webhook
                else self._poll(api, hub, fetcher, stop)
            )
            await asyncio.gather(ingestion, fetcher.run(stop))
        finally:
            await fetcher.aclose()
            await api.aclose()

    async def _poll(
        self, api: ZaloApi, hub: Hub, fetcher: MediaFetcher, stop: asyncio.Event
    ) -> None:
        keep = self._keeper(lambda incoming: ingest.store_until_kept(hub, incoming, stop), fetcher)
        await Poller(api, keep, poll_seconds=self.config.poll_seconds).run(stop)

    async def _webhook(
        self, api: ZaloApi, hub: Hub, fetcher: MediaFetcher, stop: asyncio.Event
    ) -> None:
        # aiohttp's server is imported by the bots that listen, not by every bot.
        from bot.grouping import Grouped
        from bot.zalo.webhook import Listen, WebhookServer

        # Requests that arrive together are committed together, each answered after it.
        pushed: Grouped[Incoming] = Grouped(lambda incomings: ingest.store_all(hub, incomings))
        keep = self._keeper(pushed.submit, fetcher)
        url, secret = self.config.webhook_url, self.config.webhook_secret
        assert url is not None and secret is not None
        listen = Listen(
            self.config.listen_host,
            self.config.listen_port,
            urlsplit(url).path or "/",
            self.listen_socket,
        )
        server = asyncio.create_task(
            WebhookServer(listen, secret, keep).run(stop, self.webhook_ready)
        )
        listening = asyncio.create_task(self.webhook_ready.wait())
        await asyncio.wait([server, listening], return_when=asyncio.FIRST_COMPLETED)
        if self.webhook_ready.is_set():
            # Listening first, then telling Zalo: the first push finds the door open.
            await _register_webhook(api, url, secret, stop)
            log.info("Zalo webhook set; listening on %s:%s", listen.host, listen.port)
        else:
            listening.cancel()
        await server

    def _keeper(
        self, store: Callable[[Incoming], Awaitable[object]], fetcher: MediaFetcher
    ) -> Keeper:
        async def keep(incoming: Incoming) -> None:
            if incoming.is_group:
                self.zalo_client.groups.add(incoming.chat_key)
            await store(incoming)
            if incoming.photo_urls:
                fetcher.bell.set()

        return keep


async def _register_webhook(api: ZaloApi, url: str, secret: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await api.set_webhook(url, secret)
            return
        except ZaloApiError as error:
            raise ZaloSetupError(
                f"Zalo refused the webhook ({error.code} {error.description})"
            ) from None
        except ZaloUnreachable as error:
            log.warning("could not set the Zalo webhook (%s); retrying", error)
            await sleep_or_stop(stop, STARTUP_RETRY_SECONDS)


async def _connected(api: ZaloApi, stop: asyncio.Event) -> bool:
    """Check the token with getMe; a refused token is fatal, a weak network is waited out."""
    while not stop.is_set():
        try:
            me = await api.get_me()
        except ZaloApiError as error:
            if error.code in (401, 403, 404):
                raise ZaloSetupError(
                    f"Zalo refused the bot token ({error.code}); check ZALO_BOT_TOKEN"
                ) from None
            log.warning("Zalo getMe failed (%s); retrying", error)
        except ZaloUnreachable as error:
            log.warning("Zalo Bot API unreachable (%s); retrying", error)
        else:
            log.info("connected to Zalo as %s", me.get("account_name") or me.get("id"))
            return True
        await sleep_or_stop(stop, STARTUP_RETRY_SECONDS)
    return False


def _header_safe(secret: str) -> bool:
    """It travels in an HTTP header, where only ASCII is safe."""
    return all(char.isascii() and (char.isalnum() or char in "-_") for char in secret)
