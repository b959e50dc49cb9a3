"""Vietnamese text as people type it: NFC or NFD, with or without diacritics."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t]+")
_NON_WORD = re.compile(r"[^\w\s]")


def clean(text: str) -> str:
    """What we store: NFC, no control or direction marks, trimmed; line breaks kept."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def fold(text: str) -> str:
    """A key for matching: lower case, no diacritics, no punctuation, single spaces."""
    # Labels and answers are folded again at every step; long free text is rarely repeated.
    return _fold_short(text) if len(text) <= 200 else _fold(text)


@lru_cache(maxsize=4096)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    stripped = stripped.replace("đ", "d")
    stripped = _NON_WORD.sub(" ", stripped)
    return " ".join(stripped.split())
