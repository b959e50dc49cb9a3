"""Copying photos that Zalo gives as URLs into the media folder, after the inbox commit.

Runs beside the transport, never in the way of confirming an update. A download that fails
is tried again with growing pauses; one that is too large, or fails every time, is given up
and recorded. The report keeps the URL in every case, so nothing of it is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import media
from storage.clock import Clock, system_clock
from storage.models import MediaFile

log = logging.getLogger(__name__)

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}


class TooLarge(Exception):
    """Larger than the cap: never worth another try."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 10 * 1024 * 1024
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=10)
    max_backoff: timedelta = timedelta(minutes=30)
    lease: timedelta = timedelta(minutes=5)
    timeout: float = 60.0
    idle_seconds: float = 5.0

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_backoff * (1 << max(attempts - 1, 0)), self.max_backoff)


class MediaFetcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Path,
        channel: str,
        *,
        policy: FetchPolicy | None = None,
        clock: Clock = system_clock,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.sessions = sessions
        self.directory = directory
        self.channel = channel
        self.policy = policy or FetchPolicy()
        self.clock = clock
        self.http = http or httpx.AsyncClient(follow_redirects=True)
        self.bell = asyncio.Event()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.bell.clear()
            try:
                if await self.fetch_due():
                    continue
            except Exception:
                log.exception("media pass failed; retrying")
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.bell.wait())]
            await asyncio.wait(
                waiters, timeout=self.policy.idle_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in waiters:
                waiter.cancel()

    async def fetch_due(self) -> int:
        """Download every row due now; how many were tried."""
        async with self.sessions() as session, session.begin():
            rows = await media.claim(session, self.channel, self.clock(), self.policy.lease)
        for row in rows:
            await self._fetch(row)
        return len(rows)

    async def _fetch(self, row: MediaFile) -> None:
        retry_at: datetime | None = None
        try:
            relative, size, content_type = await self._download(row)
        except TooLarge as error:
            outcome = f"too large: {error}"
        except (httpx.HTTPError, OSError, ValueError) as error:
            outcome = f"{type(error).__name__}: {_describe(error)}"
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
        cap = self.policy.max_bytes
        async with self.http.stream("GET", row.source_url, timeout=self.policy.timeout) as answer:
            answer.raise_for_status()
            declared = answer.headers.get("content-length")
            if declared is not None and declared.isdecimal() and int(declared) > cap:
                raise TooLarge(f"{declared} bytes > {cap}")
            content_type = answer.headers.get("content-type", "").split(";")[0].strip() or None
            data = bytearray()
            async for chunk in answer.aiter_bytes():
                data += chunk
                if len(data) > cap:
                    raise TooLarge(f"more than {cap} bytes")
        relative = Path(self.channel) / f"{row.id}{EXTENSIONS.get(content_type or '', '.bin')}"
        await asyncio.to_thread(_write_whole, self.directory / relative, bytes(data))
        return relative.as_posix(), len(data), content_type


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
    if isinstance(error, httpx.HTTPStatusError):
        return str(error.response.status_code)
    return type(error).__name__ if isinstance(error, httpx.HTTPError) else str(error)[:200]
