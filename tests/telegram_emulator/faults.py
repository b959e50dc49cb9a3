"""Scripted failures that tests arm before the bot makes its calls."""

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import Enum


class FaultAction(Enum):
    ERROR = "error"
    HANG = "hang"
    DROP_CONNECTION = "drop_connection"


@dataclass
class Fault:
    action: FaultAction
    methods: frozenset[str] | None
    remaining: int
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    html_body: bool = False
    delay: float = 0.0
    # Whether the call still takes effect, as when Telegram did the work but the
    # answer never reached the bot (the case that makes naive retries duplicate).
    apply_call: bool = False

    def matches(self, method: str) -> bool:
        return self.methods is None or method.lower() in self.methods


def method_selector(method: str | Collection[str] | None) -> frozenset[str] | None:
    if method is None:
        return None
    if isinstance(method, str):
        return frozenset({method.lower()})
    return frozenset(name.lower() for name in method)


@dataclass
class FaultInjector:
    faults: list[Fault] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)

    def add(self, fault: Fault) -> None:
        if fault.remaining > 0:
            self.faults.append(fault)

    def take(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()
        self.blocked_chats.clear()
