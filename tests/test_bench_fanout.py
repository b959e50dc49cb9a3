"""The fan-out benchmark measures what it says (at a tiny size)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.fanout import one_run
from bench.sending import busiest_second, sqlite_url
from tests.telegram_emulator import EmulatorStats


def test_the_busiest_second_is_counted_as_the_emulator_counts_it() -> None:
    moments = [0.0, 0.5, 0.99, 1.0, 1.5, 1.98, 1.99, 2.0, 2.01, 3.5]
    stats = EmulatorStats()
    for moment in moments:
        stats.record_message_sent(1, moment)
    assert busiest_second(moments) == stats.max_messages_per_second == 5
    assert busiest_second([]) == 0


async def test_every_officer_gets_the_text_and_the_chart_from_each_runtime(
    tmp_path: Path,
) -> None:
    shape = argparse.Namespace(
        communes=2, officers=3, hamlets=2, weeks=2, runtimes=["ptb", "aiogram"]
    )
    run = await one_run(sqlite_url(str(tmp_path), "fanout"), shape)
    assert (run.written.digests, run.written.rows, run.written.charts) == (6, 12, 2)
    for sent in run.sent.values():
        assert (sent.messages, sent.refused) == (12, 0)
        assert 0 < sent.seconds < sent.wall
