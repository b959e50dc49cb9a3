"""A webhook's body as JSON, refused when it is not JSON or nests deeper than any update.

Python's parser recurses once per level: thousands of `[` raise RecursionError, and a few
hundred that it does parse would recurse again in every library that walks the value
(validation, the database's JSON encoder). A platform's updates nest a dozen levels at most.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class Unreadable(ValueError):
    """Not JSON, or nested deeper than MAX_DEPTH."""


def read_json(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise Unreadable(type(error).__name__) from error
    if nests_deeper(value, max_depth):
        raise Unreadable(f"nested deeper than {max_depth}")
    return value


def nests_deeper(value: Any, max_depth: int) -> bool:
    """Whether lists and objects in `value` go more than `max_depth` levels down; walked
    without recursion."""
    waiting: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while waiting:
        item, depth = waiting.pop()
        if depth > max_depth:
            return True
        children = item.values() if isinstance(item, dict) else item
        waiting.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
