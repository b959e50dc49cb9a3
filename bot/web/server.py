"""Serving an aiohttp application on a `host:port` for as long as a block runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


def host_and_port(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdecimal():
        raise ValueError(f"expected host:port, got {listen!r}")
    return host, int(port)


@asynccontextmanager
async def serving(app: web.Application, listen: str) -> AsyncIterator[web.AppRunner]:
    host, port = host_and_port(listen)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield runner
    finally:
        await runner.cleanup()
