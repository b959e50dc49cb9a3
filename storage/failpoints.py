"""Named places where a test can make the process die, to prove what a crash leaves behind.

TUQUAN_FAILPOINTS="after_inbox_commit:3" kills the process with SIGKILL the third time the
code passes `hit("after_inbox_commit")`. Unset, every call is a dictionary miss.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_armed: dict[str, int] = {}
_hits: Counter[str] = Counter()


def _load() -> None:
    for spec in filter(None, os.environ.get("TUQUAN_FAILPOINTS", "").split(",")):
        name, _, count = spec.partition(":")
        _armed[name.strip()] = int(count or 1)


_load()


def hit(name: str) -> None:
    if name not in _armed:
        return
    _hits[name] += 1
    if _hits[name] == _armed[name]:
        os.kill(os.getpid(), signal.SIGKILL)
