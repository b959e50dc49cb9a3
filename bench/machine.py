"""What the numbers were measured on."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from datetime import UTC, datetime


def describe(postgres_version: str | None = None) -> str:
    memory_gib = _memory_gib()
    parts = [
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"{os.cpu_count()} cores",
        f"{memory_gib:.0f} GiB" if memory_gib else "memory unknown",
        f"{platform.machine()}",
        f"Python {sys.version.split()[0]}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if postgres_version:
        parts.append(f"PostgreSQL {postgres_version}")
    return ", ".join(parts)


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        return None
    return None
