"""`python -m bench NAME [args]`: run one benchmark; `python -m bench all`: every one."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

# Helpers of the benchmarks, not benchmarks (bare_ptb is the anchor bot bench.process starts).
SKIP = {"machine", "results", "sending", "process", "bare_ptb"}
# Run by others or on request only: the data generator (the nation takes minutes) and the
# python-telegram-bot baseline (bench.ingest runs it beside ours).
NOT_IN_ALL = {"data", "baseline_ptb"}


def names() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(here)])
        if m.name not in SKIP and not m.name.startswith("_")
    )


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in [*names(), "all"]:
        print(f"usage: python -m bench {{{'|'.join([*names(), 'all'])}}} [args]")
        sys.exit(2)
    chosen = [n for n in names() if n not in NOT_IN_ALL] if sys.argv[1] == "all" else [sys.argv[1]]
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        module.main(sys.argv[2:])


main()
