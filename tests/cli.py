"""Run `tuquan` as a real process, the way a person or a script would."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from storage.clock import running_from
from tests.databases import SEED_TIME

ROOT = Path(__file__).resolve().parents[1]
# Every `tuquan` process a test starts takes its time from here, whatever the date today:
# the tests' own clocks start at the same moment, and a restarted process goes on from
# where the last one was rather than back to the start.
PROCESS_CLOCK = running_from(SEED_TIME + timedelta(hours=1))
CLOCK_SETTING = "TUQUAN_CLOCK_START"


def clock_setting() -> dict[str, str]:
    return {CLOCK_SETTING: PROCESS_CLOCK().isoformat()}


def tuquan(
    *args: str,
    database_url: str,
    stdin: str = "",
    failpoints: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TUQUAN_DATABASE_URL": database_url,
        "TUQUAN_LOG_LEVEL": "WARNING",
        **clock_setting(),
    }
    env.pop("TUQUAN_FAILPOINTS", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("ZALO_BOT_TOKEN", None)
    if failpoints:
        env["TUQUAN_FAILPOINTS"] = failpoints
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


def exported(database_url: str) -> list[dict[str, str]]:
    result = tuquan("export", "--format", "csv", database_url=database_url)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))
