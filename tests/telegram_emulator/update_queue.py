"""Pending updates with getUpdates' confirmation semantics and exclusive long polling."""

import asyncio
import copy
from dataclasses import dataclass, field

from .jsontypes import JSONDict
from .waiting import ChangeNotifier

# Without allowed_updates Telegram sends every type except these.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_UPDATES_PER_CALL = 100


def update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


@dataclass
class PollTicket:
    """One getUpdates call in progress; a newer call terminates it."""

    wake: asyncio.Event = field(default_factory=asyncio.Event)
    terminated_by: str | None = None


class UpdateQueue:
    def __init__(self, notifier: ChangeNotifier, first_update_id: int) -> None:
        self._notifier = notifier
        self._pending: list[JSONDict] = []
        self._next_update_id = first_update_id
        self._allowed: frozenset[str] | None = None
        self._active_poll: PollTicket | None = None
        self.filtered_out: list[JSONDict] = []  # excluded by allowed_updates, never sent

    def next_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def push(self, update: JSONDict) -> bool:
        """Queue an update unless allowed_updates excludes its type, as Telegram does."""
        if not self._is_allowed(update_type(update)):
            self.filtered_out.append(copy.deepcopy(update))
            return False
        self._pending.append(copy.deepcopy(update))
        self._pending.sort(key=lambda pending: int(pending["update_id"]))
        self.wake_poll()
        self._notifier.notify()
        return True

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        """None keeps the previous setting; an empty list restores the default."""
        if allowed is None:
            return
        self._allowed = frozenset(allowed) if allowed else None

    @property
    def allowed_updates(self) -> list[str] | None:
        return sorted(self._allowed) if self._allowed is not None else None

    def confirm(self, offset: int) -> None:
        """Apply getUpdates' offset: positive forgets older ids, negative keeps the tail."""
        if offset > 0:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        self._notifier.notify()

    def confirm_delivered(self, update_id: int) -> None:
        self._pending = [u for u in self._pending if int(u["update_id"]) != update_id]
        self._notifier.notify()

    def drop_all(self) -> None:
        self._pending.clear()
        self._notifier.notify()

    def peek(self, limit: int = MAX_UPDATES_PER_CALL) -> list[JSONDict]:
        return copy.deepcopy(self._pending[:limit])

    def __len__(self) -> int:
        return len(self._pending)

    def begin_poll(self) -> PollTicket:
        self.terminate_poll(
            "other getUpdates request; make sure that only one bot instance is running"
        )
        ticket = PollTicket()
        self._active_poll = ticket
        self._notifier.notify()
        return ticket

    @property
    def poll_active(self) -> bool:
        return self._active_poll is not None

    def end_poll(self, ticket: PollTicket) -> None:
        if self._active_poll is ticket:
            self._active_poll = None

    def terminate_poll(self, reason: str) -> None:
        if self._active_poll is not None:
            self._active_poll.terminated_by = reason
            self._active_poll.wake.set()
            self._active_poll = None

    def wake_poll(self) -> None:
        if self._active_poll is not None:
            self._active_poll.wake.set()

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in OPT_IN_UPDATE_TYPES
        return kind in self._allowed
