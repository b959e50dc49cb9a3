"""Which offered option a typed answer means: its number or its words, diacritics optional.

Where a channel has no buttons the options are listed with what to type: the number for a
question of the conversation, a letter for a standing message (an alert, a reminder, a
digest). So a number always answers the question the person is at, and a letter ("a", or
"a96" for report #96) the latest standing message, at any step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.channels import ChannelTraits
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage, is_standing
from storage.text import fold

MIN_PARTIAL_LENGTH = 3
MIN_WORD_SHARE = 0.6
LETTERS = "abcdefghijklmnopqrstuvwxyz"
_CODE = re.compile(r"^([a-z]) ?([0-9]{1,9})?$")


def option_keys(message: OutMessage) -> list[str]:
    """What a person types for each option of the message on a channel without buttons."""
    if is_standing(message.choice_token):
        return list(LETTERS[: len(message.choices)])
    return [str(number) for number in range(1, len(message.choices) + 1)]


def letters(count: int, t: Translator) -> str:
    """ "a, b hoặc c": the letters of a standing message's options, as a sentence says them."""
    keys = list(LETTERS[:count])
    if len(keys) < 2:
        return "".join(keys)
    return f"{', '.join(keys[:-1])} {t('common.or')} {keys[-1]}"


def with_letters_hint(message: OutMessage, t: Translator, traits: ChannelTraits) -> OutMessage:
    """A standing message on a channel without buttons says how to answer it."""
    if traits.buttons or message.standing_token is None:
        return message
    hint = t("standing.type_letters", letters=letters(len(message.choices), t))
    return message.model_copy(update={"text": f"{message.text}\n\n{hint}"})


@dataclass(frozen=True)
class Code:
    """A typed answer to a standing message: the option's letter, and which one it is for
    when the person names it ("a96": report #96) rather than meaning the latest."""

    index: int
    ref: int | None = None


def parse_code(text: str) -> Code | None:
    found = _CODE.match(fold(text))
    if found is None:
        return None
    letter, ref = found.groups()
    return Code(LETTERS.index(letter), int(ref) if ref else None)


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
