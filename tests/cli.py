"""Run `tuquan` as a real process, the way a person or a script would."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tuquan(
    *args: str,
    database_url: str,
    stdin: str = "",
    failpoints: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUQUAN_DATABASE_URL": database_url, "TUQUAN_LOG_LEVEL": "WARNING"}
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
