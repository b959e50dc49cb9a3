"""One clock per process, which a demo or a test can set: TUQUAN_CLOCK_START."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.settings import Settings
from storage.clock import running_from, system_clock


def test_a_clock_set_to_start_somewhere_runs_on_at_the_machines_pace() -> None:
    ticks = iter([100.0, 100.0, 160.5])
    clock = running_from(datetime(2026, 11, 27, 9, 5, tzinfo=UTC), lambda: next(ticks))
    assert clock() == datetime(2026, 11, 27, 9, 5, tzinfo=UTC)
    assert clock() == datetime(2026, 11, 27, 9, 6, 0, 500_000, tzinfo=UTC)


def test_the_setting_is_a_local_time_unless_it_names_its_offset() -> None:
    local = Settings(_env_file=None, TUQUAN_CLOCK_START="2026-11-27T16:05")
    assert abs((local.clock() - datetime(2026, 11, 27, 9, 5, tzinfo=UTC)).total_seconds()) < 5
    assert local.clock is local.clock  # one per process: every part reads the same one
    offset = Settings(_env_file=None, TUQUAN_CLOCK_START="2026-11-27T16:05:00+00:00")
    assert abs((offset.clock() - datetime(2026, 11, 27, 16, 5, tzinfo=UTC)).total_seconds()) < 5


def test_without_the_setting_the_machines_clock_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUQUAN_CLOCK_START", raising=False)
    assert Settings(_env_file=None).clock is system_clock
