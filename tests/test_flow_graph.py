"""Every conversation's graph, as its declaration says: each move resolves to a declared step,
each step can be reached from where the flow starts, and a move the table does not declare is
refused. `tests/test_bad_input.py` then sends hostile input to every one of these steps."""

from __future__ import annotations

from collections import deque

import pytest

from handlers.access import Need
from handlers.flow import Flow, FlowState, Graph, NoState, Step, UndeclaredMove
from handlers.flows import FLOWS
from handlers.messages import InEvent
from handlers.router import GRAPH
from handlers.steps import Steps


def every_step() -> set[tuple[str, str]]:
    return {(flow.name, str(at)) for flow in FLOWS for at in flow.at}


def test_every_flow_is_in_the_graph_once() -> None:
    assert len({flow.name for flow in FLOWS}) == len(FLOWS)
    assert set(GRAPH.flows) == {flow.name for flow in FLOWS}


@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.name)
def test_every_move_names_a_declared_step(flow: Flow[FlowState]) -> None:
    for at, step in flow.steps.items():
        for target in step.then:
            assert GRAPH.step(*target.key) is not None, f"{at.key} → {target.key}"


@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.name)
def test_every_step_is_reached_from_an_entry(flow: Flow[FlowState]) -> None:
    assert flow.entry, f"{flow.name} can never be started"
    assert reachable() >= {(flow.name, str(at)) for at in flow.at}


def reachable() -> set[tuple[str, str]]:
    seen = set(GRAPH.entries())
    waiting = deque(seen)
    while waiting:
        found = GRAPH.step(*waiting.popleft())
        assert found is not None
        for target in found.then:
            if target.key not in seen:
                seen.add(target.key)
                waiting.append(target.key)
    return seen


def test_the_menu_is_where_every_conversation_ends() -> None:
    assert ("menu", "main") in GRAPH.entries()


class Toy(Steps, flow="toy"):
    FIRST = "first"
    SECOND = "second"
    LAST = "last"


async def nothing(ctx: object, event: InEvent) -> None:
    return None


TOY = Flow(
    Toy,
    NoState,
    needs=Need.REPORTER,
    entry=(Toy.FIRST,),
    steps={
        Toy.FIRST: Step(nothing, then=(Toy.SECOND,)),
        Toy.SECOND: Step(nothing, then=(Toy.LAST,)),
        Toy.LAST: Step(nothing),
    },
)
TOYS = Graph.of([TOY, *FLOWS])


def test_a_move_the_table_declares_is_allowed() -> None:
    TOYS.check(Toy.FIRST.key, Toy.SECOND.key)
    TOYS.check(Toy.SECOND.key, Toy.SECOND.key)
    TOYS.check(Toy.LAST.key, ("menu", "main"))
    TOYS.check(Toy.LAST.key, Toy.FIRST.key)


def test_a_move_the_table_does_not_declare_is_refused() -> None:
    with pytest.raises(UndeclaredMove):
        TOYS.check(Toy.FIRST.key, Toy.LAST.key)
    with pytest.raises(UndeclaredMove):
        TOYS.check(Toy.FIRST.key, ("toy", "fisrt"))


def test_a_flow_without_a_handler_for_a_step_is_not_declared() -> None:
    with pytest.raises(ValueError, match="no handler"):
        Flow(Toy, NoState, steps={Toy.FIRST: Step(nothing)})


def test_two_flows_of_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="two flows"):
        Graph.of([TOY, TOY])
