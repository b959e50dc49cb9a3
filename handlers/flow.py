"""A conversation as a declaration: its steps, where each may lead, its typed state, and who
may be in it.

Each flow module ends with one `Flow(...)` table, the whole graph in one place:

    class At(Steps, flow="activity"):
        MODEL = "model"
        TEXT = "text"

    ACTIVITY = Flow(
        At, ActivityDraft, needs=Need.REPORTER, entry=(At.MODEL,),
        steps={
            At.MODEL: Step(on_model, then=(At.TEXT,)),
            At.TEXT: Step(on_text),
        },
    )

A step asks its question with `ctx.ask(At.TEXT, ...)`: a mistyped step is a name error, not
a person silently sent back to the menu. The router runs only steps of a declared flow, only
for someone the flow's `needs` admits, and refuses a move the table does not declare.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from handlers.access import Need
from handlers.context import Ctx
from handlers.messages import InEvent
from handlers.steps import Steps

StepHandler = Callable[[Ctx, InEvent], Awaitable[None]]


class FlowState(BaseModel):
    """What a conversation remembers between its steps; a field it does not declare is an
    error, so one flow's state is never read as another's."""

    model_config = ConfigDict(extra="forbid")


class NoState(FlowState):
    """The state of a flow that remembers nothing between its steps."""


S = TypeVar("S", bound=FlowState)


@dataclass(frozen=True)
class Step:
    """What answers the step, and the steps of this or another flow it may ask next.

    Staying at the step, going back to the menu and starting any flow at one of its entries
    are always allowed, so they are not listed.
    """

    on: StepHandler
    then: tuple[Steps, ...] = ()


class UndeclaredMove(RuntimeError):
    """A step moved the conversation somewhere its flow's table does not say it may go."""


@dataclass(frozen=True)
class Flow(Generic[S]):
    at: type[Steps]
    state: type[S]
    steps: Mapping[Steps, Step]
    needs: Need = Need.ANYONE
    entry: tuple[Steps, ...] = ()
    name: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.at.flow)
        missing = [str(member) for member in self.at if member not in self.steps]
        strangers = [str(key) for key in self.steps if not isinstance(key, self.at)]
        if missing or strangers:
            raise ValueError(f"flow {self.name}: no handler for {missing}, foreign {strangers}")

    def of(self, ctx: Ctx) -> S:
        """This flow's state for the person, typed."""
        return ctx.state(self.state)

    def step(self, name: str) -> Step | None:
        try:
            return self.steps[self.at(name)]
        except ValueError:
            return None

    def moves(self, name: str) -> tuple[Steps, ...]:
        found = self.step(name)
        return found.then if found is not None else ()


@dataclass(frozen=True)
class Graph:
    """Every declared flow, by name: what the router runs and the graph test walks."""

    flows: Mapping[str, Flow[Any]]

    @classmethod
    def of(cls, flows: Iterable[Flow[Any]]) -> Graph:
        found: dict[str, Flow[Any]] = {}
        for flow in flows:
            if flow.name in found:
                raise ValueError(f"two flows are named {flow.name}")
            found[flow.name] = flow
        return cls(found)

    def step(self, flow: str, name: str) -> Step | None:
        found = self.flows.get(flow)
        return found.step(name) if found is not None else None

    def entries(self) -> set[tuple[str, str]]:
        return {(flow.name, str(at)) for flow in self.flows.values() for at in flow.entry}

    def allows(self, before: tuple[str, str], after: tuple[str, str]) -> bool:
        if after == before or after in self.entries():
            return True
        flow = self.flows.get(before[0])
        if flow is None:
            return False
        return any((target.flow, str(target)) == after for target in flow.moves(before[1]))

    def check(self, before: tuple[str, str], after: tuple[str, str]) -> None:
        if self.step(*after) is None:
            raise UndeclaredMove(f"{after[0]}/{after[1]} is not a declared step")
        if not self.allows(before, after):
            raise UndeclaredMove(f"{before[0]}/{before[1]} may not lead to {after[0]}/{after[1]}")
