"""Conversation steps by (flow, step), filled in by the flow modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.context import Ctx
from handlers.messages import InEvent

StepHandler = Callable[[Ctx, InEvent], Awaitable[None]]

STEPS: dict[tuple[str, str], StepHandler] = {}


def step(flow: str, name: str) -> Callable[[StepHandler], StepHandler]:
    def register(handler: StepHandler) -> StepHandler:
        STEPS[(flow, name)] = handler
        return handler

    return register
