"""A reply as Zalo shows it: plain text, choices as a numbered list, in parts of 2000 characters."""

from __future__ import annotations

import html
import re

from handlers.choices import option_keys
from handlers.messages import OutMessage

MAX_MESSAGE = 2000
_MARKUP = re.compile(r"</?(?:b|i)>")


def render(message: OutMessage) -> str:
    """Zalo shows text as typed: the template's <b>/<i> go, entities become characters again.

    Choices are listed with what to type (a number, or an alert's letter); the person answers
    with that or the option's words.
    """
    lines = [html.unescape(_MARKUP.sub("", message.text)).strip()]
    keys = option_keys(message)
    lines += [
        f"{key}. {html.unescape(c.label)}" for key, c in zip(keys, message.choices, strict=True)
    ]
    return "\n".join(lines)


def split(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Parts of at most `limit` characters, cut between lines where possible, then at spaces.

    Characters are counted in UTF-16 units, never fewer than Zalo counts.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _fit(line, limit):
            joined = f"{current}\n{piece}" if current else piece
            if _length(joined) <= limit:
                current = joined
                continue
            parts.append(current)
            current = piece
    parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def _fit(line: str, limit: int) -> list[str]:
    """A line longer than a whole message, cut at the last space that fits (or anywhere)."""
    pieces: list[str] = []
    while _length(line) > limit:
        cut = _prefix_fitting(line, limit)
        space = line.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def _prefix_fitting(text: str, limit: int) -> int:
    count = 0
    for index, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > limit:
            return index
    return len(text)


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
