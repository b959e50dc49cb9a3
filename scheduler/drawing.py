"""Where the Monday's charts are drawn: beside the event loop, or in processes of their own.

Drawing a chart is Python holding the GIL for a few hundred milliseconds; in a thread it
stalls the sender and the engine of the same process for as long. In a pool of processes
the bot's loop stays free and the charts of several communes are drawn at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol

from handlers import charts
from handlers.digest_contents import Digest
from handlers.i18n import Translator


class Drawer(Protocol):
    at_once: int  # charts worth asking for together

    async def png(self, digest: Digest, locale: str) -> bytes: ...

    def close(self) -> None: ...


def draw(digest: Digest, locale: str) -> bytes:
    return charts.render_png(digest, Translator(locale))


# Drawing is work that can wait a little; the bot's own process answers people and keeps the
# sender on its pace, and on a small machine two drawing workers would take its turns on the
# cores (and first, the second or so each spends importing matplotlib).
WORKER_NICENESS = 10


def leave_with(parent: int) -> None:
    """A worker's start: it yields the cores to the bot, and it ends when the bot does, even
    when the bot was killed, for the pool's own queues never tell a worker its parent is
    gone."""
    os.nice(WORKER_NICENESS)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class InThread:
    at_once = 1

    async def png(self, digest: Digest, locale: str) -> bytes:
        return await asyncio.to_thread(draw, digest, locale)

    def close(self) -> None:
        return None


class InProcesses:
    """`processes` workers, started on the first chart; spawned, since forking a process
    with an event loop and threads running copies their locks in whatever state they are."""

    def __init__(self, processes: int) -> None:
        self.at_once = processes + 1  # one more, to keep every worker fed
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None

    async def png(self, digest: Digest, locale: str) -> bytes:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self._processes,
                mp_context=context,
                initializer=leave_with,
                initargs=(os.getpid(),),
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, draw, digest, locale)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def drawer(processes: int) -> Drawer:
    """TUQUAN_CHART_PROCESSES: 0 draws in a thread of the bot's own process."""
    return InProcesses(processes) if processes > 0 else InThread()
