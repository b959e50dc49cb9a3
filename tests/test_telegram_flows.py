"""The scenario suite on both runtimes, polling and webhook, against both fake servers."""

from __future__ import annotations

import pytest

from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator
from tests.telegram_flows.fake import EmulatorTelegram
from tests.telegram_flows.scenarios import run_all
from tests.telegram_flows.world import RUN_NAMES, RUNS, Runtime, WayIn, running_bot
from tests.telegram_test_api import TelegramTestApi


@pytest.mark.parametrize(RUN_NAMES, RUNS, indirect=["database_url"])
async def test_scenarios_on_the_emulator(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> None:
    config = EmulatorConfig(rate_limits=RateLimits(enabled=False), webhook_retry_delay=0.05)
    async with TelegramEmulator(config) as emulator:
        fake = EmulatorTelegram(emulator)
        async with running_bot(fake, database_url, runtime, way_in) as world:
            await run_all(world)
            # Every press was answered (stale and forged ones too), each once.
            await emulator.wait_until(lambda: len(emulator.callback_answers) >= len(fake.press_ids))
        answered = sorted(answer.callback_query_id for answer in emulator.callback_answers)
        assert answered == sorted(fake.press_ids)
        assert emulator.internal_errors == []


@pytest.mark.parametrize(RUN_NAMES, RUNS, indirect=["database_url"])
async def test_scenarios_on_telegram_test_api(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> None:
    async with (
        TelegramTestApi() as server,
        running_bot(server, database_url, runtime, way_in) as world,
    ):
        await run_all(world)
