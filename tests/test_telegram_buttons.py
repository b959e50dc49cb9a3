"""Every button the bot sends, pressed on the emulator through both runtimes and both ways in,
each press's effect checked in the database (tests/telegram_flows/buttons.py)."""

from __future__ import annotations

import pytest

from tests.telegram_flows.buttons import TYPED_ONLY, button_kinds, press_every_kind
from tests.telegram_flows.world import RUN_NAMES, RUNS, STALE, Runtime, WayIn, on_the_emulator


@pytest.mark.parametrize(RUN_NAMES, RUNS, indirect=["database_url"])
async def test_every_button_kind_is_pressed(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> None:
    async with on_the_emulator(database_url, runtime, way_in) as world:
        await press_every_kind(world)
    pressed = {press.kind for press in world.presses}
    assert button_kinds() <= pressed, f"never pressed: {sorted(button_kinds() - pressed)}"
    unseen = TYPED_ONLY - world.visited
    assert not unseen, f"typed-only steps never reached to see they have no buttons: {unseen}"
    stale = [press for press in world.presses if press.kind == STALE]
    assert stale == [], "every press was on the question the person was at"
