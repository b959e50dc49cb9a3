"""Waking tests and long polls when the emulator's state changes, without fixed sleeps."""

import asyncio
import contextlib
import time
from collections.abc import Callable

# A predicate may also depend on state outside the emulator (the bot's database...),
# which sends no change notification, so waiters re-check at least this often.
FALLBACK_RECHECK_SECONDS = 0.05


class ChangeNotifier:
    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, at_most: float) -> None:
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), at_most)

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        within: float,
        description: str = "condition",
    ) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {within}s waiting for {description}")
            await self.wait(min(remaining, FALLBACK_RECHECK_SECONDS))
