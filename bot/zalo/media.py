"""Copying photos that Zalo gives as URLs into the media folder, after the inbox commit.

Runs beside the transport, never in the way of confirming an update. The link comes from
whoever wrote to the bot, so it is fetched only over https, only from Zalo's CDN hosts and
only from public addresses: checked for the link and again at every redirect, for every
address a name resolves to, and the connection goes to the very address that was checked.
Each download has one deadline and a size cap, and a few run at once, so a slow server holds
back only its own photo. A refused link or a photo too large is given up at once; other
failures are tried again with growing pauses, up to a bound. The report keeps the URL in
every case, so nothing of it is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import ssl
from datetime import datetime
from pathlib import Path

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from bot.zalo.media_rules import FetchPolicy, Reach, Refused, TooLarge
from storage import media
from storage.clock import Clock, system_clock
from storage.models import MediaFile

log = logging.getLogger(__name__)

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


class CheckedResolver(AbstractResolver):
    """Resolves with `inner` and refuses a name any of whose addresses is not public. aiohttp
    connects only to the addresses this returns, so a name that changes its answer between
    a check and the connection gains nothing."""

    def __init__(self, reach: Reach, inner: AbstractResolver) -> None:
        self.reach = reach
        self.inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        for result in results:
            try:
                address = ipaddress.ip_address(result["host"])
            except ValueError:
                raise Refused("address not understood") from None
            self.reach.check_address(address)
        return results

    async def close(self) -> None:
        await self.inner.close()


class MediaFetcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Path,
        channel: str,
        *,
        policy: FetchPolicy | None = None,
        clock: Clock = system_clock,
        resolver: AbstractResolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.sessions = sessions
        self.directory = directory
        self.channel = channel
        self.policy = policy or FetchPolicy()
        self.clock = clock
        self.resolver = resolver
        self.ssl_context = ssl_context
        self.bell = asyncio.Event()
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._http: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            resolver = CheckedResolver(
                self.policy.reach, self.resolver or aiohttp.DefaultResolver()
            )
            connector = aiohttp.TCPConnector(
                resolver=resolver, ssl=self.ssl_context or True, limit=self.policy.concurrency
            )
            self._http = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.policy.deadline),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._http

    async def run(self, stop: asyncio.Event) -> None:
        """Keep up to `concurrency` downloads going, taking a due row as soon as one ends."""
        running: set[asyncio.Task[None]] = set()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self.bell.clear()
                free = self.policy.concurrency - len(running)
                if free > 0:
                    try:
                        rows = await self._claim(free)
                    except Exception:
                        log.exception("media pass failed; retrying")
                        rows = []
                    running.update(asyncio.create_task(self._fetch_logged(row)) for row in rows)
                ringing = asyncio.ensure_future(self.bell.wait())
                await asyncio.wait(
                    {stopping, ringing, *running},
                    timeout=self.policy.idle_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                ringing.cancel()
                running = {task for task in running if not task.done()}
        finally:
            stopping.cancel()
            # A download cut short keeps its lease and is taken again when the lease ends.
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def fetch_due(self) -> int:
        """Download every row due now, a few at a time; how many were tried."""
        rows = await self._claim(self.policy.batch)

        async def bounded(row: MediaFile) -> None:
            async with self._slots:
                await self._fetch(row)

        outcomes = await asyncio.gather(*(bounded(row) for row in rows), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return len(rows)

    async def _claim(self, limit: int) -> list[MediaFile]:
        async with self.sessions() as session, session.begin():
            return await media.claim(
                session, self.channel, self.clock(), self.policy.lease, limit=limit
            )

    async def _fetch_logged(self, row: MediaFile) -> None:
        try:
            await self._fetch(row)
        except Exception:
            log.exception("photo %s: outcome not recorded; retried when its lease ends", row.id)

    async def _fetch(self, row: MediaFile) -> None:
        retry_at: datetime | None = None
        try:
            relative, size, content_type = await self._download(row)
        except Refused as error:
            outcome = f"refused: {error}"
        except aiohttp.InvalidURL:
            outcome = "refused: not a URL"
        except TooLarge as error:
            outcome = f"too large: {error}"
        except (aiohttp.ClientError, OSError, ValueError) as error:
            # TimeoutError is an OSError: a slow server is tried again later.
            outcome = _describe(error)
            if row.attempts + 1 < self.policy.max_attempts:
                retry_at = self.clock() + self.policy.backoff(row.attempts + 1)
        else:
            async with self.sessions() as session, session.begin():
                stored = await session.get_one(MediaFile, row.id)
                media.stored(stored, relative, size, content_type, self.clock())
            return
        # URLs may carry access keys of the platform's storage: only the row is named.
        log.warning("photo %s not copied (%s)%s", row.id, outcome, "" if retry_at else "; gave up")
        async with self.sessions() as session, session.begin():
            stored = await session.get_one(MediaFile, row.id)
            media.failed(stored, outcome, retry_at)

    async def _download(self, row: MediaFile) -> tuple[str, int, str | None]:
        reach, http = self.policy.reach, self._client()
        url = URL(row.source_url)
        async with asyncio.timeout(self.policy.deadline):
            for _ in range(reach.max_redirects + 1):
                reach.check_url(url)
                async with http.get(url, allow_redirects=False) as answer:
                    location = answer.headers.get("Location")
                    if answer.status in REDIRECTS and location:
                        url = url.join(URL(location))
                        continue
                    answer.raise_for_status()
                    data, content_type = await self._body(answer)
                    break
            else:
                raise Refused("too many redirects")
        relative = Path(self.channel) / f"{row.id}{EXTENSIONS.get(content_type or '', '.bin')}"
        await asyncio.to_thread(_write_whole, self.directory / relative, data)
        return relative.as_posix(), len(data), content_type

    async def _body(self, answer: aiohttp.ClientResponse) -> tuple[bytes, str | None]:
        cap = self.policy.max_bytes
        declared = answer.content_length
        if declared is not None and declared > cap:
            raise TooLarge(f"{declared} bytes > {cap}")
        data = bytearray()
        async for chunk in answer.content.iter_chunked(CHUNK):
            data += chunk
            if len(data) > cap:
                raise TooLarge(f"more than {cap} bytes")
        return bytes(data), answer.content_type if "Content-Type" in answer.headers else None


def _write_whole(target: Path, data: bytes) -> None:
    """Written aside, flushed to disk, then renamed: a crash never leaves half a photo."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, aiohttp.ClientResponseError):
        return f"{type(error).__name__}: {error.status}"
    if isinstance(error, aiohttp.ClientError):
        return type(error).__name__
    return f"{type(error).__name__}: {str(error)[:200]}"
