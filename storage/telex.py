"""Words typed with Telex (or VNI) whose keys were left on them: 'tieengs' → 'tieng'.

People on phones without a Vietnamese keyboard, or whose keyboard lost track mid-word, send
the raw keystrokes. The result is meant for matching against folded text (see `text.fold`),
so it carries no diacritics: only the keystrokes that would have made them are removed.
"""

from __future__ import annotations

import re

VOWELS = "aeiouy"
TONE_KEYS = "sfrxj"
# Shape keys: aa → â, ee → ê, oo → ô, aw → ă, ow → ơ, uw → ư, dd → đ; folded, each is one letter.
_SHAPES = (("dd", "d"), ("aa", "a"), ("ee", "e"), ("oo", "o"), ("aw", "a"), ("ow", "o"))
_UW = re.compile(r"uw|w")
# A tone key typed last ('tieengs', 'owr'), or after the vowel before the final ('tiesng').
_TONE_AT_END = re.compile(rf"(?<=[{VOWELS}wnghctmp])[{TONE_KEYS}]$")
_TONE_BEFORE_FINAL = re.compile(rf"(?<=[{VOWELS}])[{TONE_KEYS}](?=(?:ng|nh|ch|c|m|n|p|t)$)")
_VNI_DIGITS = re.compile(r"(?<=[a-z])[1-9]")


def untelex(word: str) -> str:
    """The folded word meant by `word` if it carries Telex or VNI keys, else `word` itself.

    Expects a folded word (lower case, no diacritics). Only the last tone key is removed, and
    only where Vietnamese spelling allows a tone mark, so ordinary words pass unchanged.
    """
    if not word.isascii() or len(word) < 2:
        return word
    result = _VNI_DIGITS.sub("", word) if not word.isdecimal() else word
    result = _TONE_BEFORE_FINAL.sub("", result, count=1)
    if result == word:
        result = _TONE_AT_END.sub("", result, count=1)
    for keys, letter in _SHAPES:
        result = result.replace(keys, letter)
    result = _UW.sub("u", result)
    return result or word
