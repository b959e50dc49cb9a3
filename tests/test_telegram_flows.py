"""The scenario suite on both runtimes, polling and webhook, against both fake servers."""

from __future__ import annotations

import pytest

from tests.telegram_flows.scenarios import run_all
from tests.telegram_flows.world import RUN_NAMES, RUNS, Runtime, WayIn, on_the_emulator, running_bot
from tests.telegram_test_api import TelegramTestApi


@pytest.mark.parametrize(RUN_NAMES, RUNS, indirect=["database_url"])
async def test_scenarios_on_the_emulator(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> None:
    async with on_the_emulator(database_url, runtime, way_in) as world:
        await run_all(world)


@pytest.mark.parametrize(RUN_NAMES, RUNS, indirect=["database_url"])
async def test_scenarios_on_telegram_test_api(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> None:
    async with (
        TelegramTestApi() as server,
        running_bot(server, database_url, runtime, way_in) as world,
    ):
        await run_all(world)
