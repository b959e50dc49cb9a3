"""Which offered option a typed answer means: its number or its words, diacritics optional."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.messages import Choice
from storage.text import fold

MIN_PARTIAL_LENGTH = 3
MIN_WORD_SHARE = 0.6


def match(text: str, options: Sequence[Choice], *, loose: bool = True) -> str | None:
    """The option meant, or None when the answer fits none or fits several equally.

    Where free text is also a valid answer, only the number or the whole label counts
    (`loose=False`): a name or a place must not be taken for a button.
    """
    key = fold(text)
    if not key:
        return None
    if key.isdecimal():
        index = int(key) - 1
        return options[index].id if 0 <= index < len(options) else None
    labels = [(option.id, fold(option.label)) for option in options]
    for option_id, label in labels:
        if label == key:
            return option_id
    if not loose:
        return None
    return _by_words(key, labels) or _by_part(key, labels)


def _by_words(key: str, labels: list[tuple[str, str]]) -> str | None:
    """'bao cao hoat dong mo hinh' means 'Báo hoạt động mô hình': most words in common."""
    words = set(key.split())
    scored: list[tuple[float, str]] = []
    for option_id, label in labels:
        label_words = set(label.split())
        shared = len(words & label_words)
        if not shared:
            continue
        score = min(shared / len(label_words), shared / len(words))
        if score >= MIN_WORD_SHARE or (shared == len(label_words) and shared >= 2):
            scored.append((shared / len(label_words), option_id))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def _by_part(key: str, labels: list[tuple[str, str]]) -> str | None:
    if len(key) < MIN_PARTIAL_LENGTH:
        return None
    found = [option_id for option_id, label in labels if label.startswith(key) or key in label]
    return found[0] if len(found) == 1 else None
