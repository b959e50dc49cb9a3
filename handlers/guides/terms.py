"""Text → search terms, the same way for the guides and for what people type.

Terms are folded syllables (no diacritics, đ → d) and the pairs of neighbouring syllables,
since a Vietnamese word is often two syllables ('tham gia', 'an ninh'). Abbreviations are
spelled out. A typed syllable the guides never use is read as Telex keys left on a word,
then as a typo of the closest syllable the guides do use. The politeness around a typed
question ('cho em hỏi ... ạ') is left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise, product

from rapidfuzz import process
from rapidfuzz.distance import OSA

from storage.telex import untelex
from storage.text import fold

# What people write short, spelled out; the short form is kept too, as the guides use it.
ABBREVIATIONS = {
    "atgt": "an toan giao thong",
    "antt": "an ninh trat tu",
    "anct": "an ninh chinh tri",
    "mttq": "mat tran to quoc",
    "ubmttq": "uy ban mat tran to quoc",
    "tnxh": "te nan xa hoi",
    "ntm": "nong thon moi",
    "vsmt": "ve sinh moi truong",
    "ubnd": "uy ban nhan dan",
    "kdc": "khu dan cu",
    "tdp": "to dan pho",
    "pccc": "phong chay chua chay",
    "hpn": "hoi phu nu",
    "hnd": "hoi nong dan",
    "ccb": "cuu chien binh",
    "dtn": "doan thanh nien",
    "bctmt": "ban cong tac mat tran",
    "cax": "cong an xa",
}
# Chat shorthand: replaced, since the short form never appears in a guide.
SHORTHAND = {
    "ko": "khong",
    "k": "khong",
    "kg": "khong",
    "kh": "khong",
    "khg": "khong",
    "hok": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "j": "gi",
    "vs": "voi",
    "mk": "minh",
    "mik": "minh",
    "ntn": "nhu the nao",
    "bh": "bao gio",
    "r": "roi",
    "tg": "tham gia",
    "khum": "khong",
    "hem": "khong",
    "e": "em",
    "z": "vay",
    "zay": "vay",
    "ng": "nguoi",
    "ngta": "nguoi ta",
    "mn": "moi nguoi",
    "mng": "moi nguoi",
    "bn": "bao nhieu",
    "bnhieu": "bao nhieu",
    "sdt": "so dien thoai",
    "dky": "dang ky",
    "dki": "dang ky",
    "lm": "lam",
    "cx": "cung",
    "trc": "truoc",
    "ms": "moi",
    "bik": "biet",
    "nhen": "nhe",
    "ak": "a",
    "ah": "a",
}
# Politeness around a question ('cho em hỏi ... ạ', 'ad ơi') says nothing of what is asked,
# while its words ('hỏi', 'em', 'vậy') also occur in the guides and would pull passages.
ASKERS = ("em", "minh", "toi", "tui", "chau", "con", "anh", "chi", "co", "chu", "bac")
ASKING = ("hoi", "hoi chut", "hoi xiu", "hoi ti", "hoi thu", "hoi voi")
CLOSING_PARTICLES = frozenset({"a", "nhe", "vay", "ha", "nhi", "the", "day", "oi"})
# 'ad ơi, ...': whoever is called before 'ơi' is not part of the question.
CALLED = "oi"
MAX_CALLED_WORDS = 3


def _phrases(*choices: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(" ".join(words).split()) for words in product(*choices))


OPENINGS = _phrases(("cho", "xin", "xin cho"), ("", *ASKERS), ASKING) | _phrases(
    ASKERS, ("muon hoi", "xin hoi")
)
LONGEST_OPENING = max(len(opening) for opening in OPENINGS)
# Words kept whole because a syllable of theirs, folded, is also a topic: 'mô hình' is in
# every guide, and its 'mo' would otherwise read as 'mõ' of 'Tiếng mõ an ninh'.
JOINED = {("mo", "hinh"): "mohinh"}
MIN_FUZZY_LENGTH = 4
FUZZY_CANDIDATES = 5


def syllables(text: str) -> list[str]:
    """Folded syllables with abbreviations spelled out; how a guide's text is indexed."""
    words: list[str] = []
    for word in fold(text).split():
        words.append(word)
        if word in ABBREVIATIONS:
            words += ABBREVIATIONS[word].split()
    return joined(words)


def joined(words: list[str]) -> list[str]:
    """The syllables with each word of JOINED as one term."""
    result: list[str] = []
    for word in words:
        whole = JOINED.get((result[-1], word)) if result else None
        if whole:
            result[-1] = whole
        else:
            result.append(word)
    return result


def with_pairs(words: list[str]) -> list[str]:
    """Each syllable, then each pair of neighbours as one term: 'an_ninh'."""
    return [*words, *(f"{a}_{b}" for a, b in pairwise(words))]


class Speller:
    """Reads typed syllables as the guides' syllables: Telex keys, shorthand and typos."""

    def __init__(self, known: Iterable[str]) -> None:
        self.frequency = Counter(known)
        self.known = sorted(self.frequency)
        self._cache: dict[str, list[str]] = {}

    def correct(self, word: str) -> list[str]:
        """The syllables meant by one typed word (most often one; shorthand may give more)."""
        cached = self._cache.get(word)
        if cached is None:
            cached = self._correct(word)
            if len(self._cache) < 50_000:
                self._cache[word] = cached
        return cached

    def _correct(self, word: str) -> list[str]:
        if word in ABBREVIATIONS:
            return [word, *ABBREVIATIONS[word].split()]
        if word in self.frequency:
            return [word]
        if word in SHORTHAND:
            return SHORTHAND[word].split()
        decoded = untelex(word)
        if decoded in self.frequency:
            return [decoded]
        if decoded in SHORTHAND:
            return SHORTHAND[decoded].split()
        return [self._closest(decoded) or self._closest(word) or word]

    def _closest(self, word: str) -> str | None:
        """The known syllable one edit away (two for long words); the commonest on a tie."""
        if len(word) < MIN_FUZZY_LENGTH or not word.isalpha():
            return None
        allowed = 1 if len(word) <= 5 else 2
        found = process.extract(
            word, self.known, scorer=OSA.distance, score_cutoff=allowed, limit=FUZZY_CANDIDATES
        )
        if not found:
            return None
        best = min(found, key=lambda match: (match[1], -self.frequency[match[0]]))
        return str(best[0])

    def query_words(self, text: str) -> list[str]:
        words: list[str] = []
        for word in fold(text).split():
            words += self.correct(word)
        return without_courtesy(joined(words))


def without_courtesy(words: list[str]) -> list[str]:
    """The question without its greeting, 'cho em hỏi' before it and 'ạ', 'nhé' after it."""
    if CALLED in words[: MAX_CALLED_WORDS + 1]:
        words = words[words.index(CALLED) + 1 :]
    for length in range(min(LONGEST_OPENING, len(words)), 0, -1):
        if tuple(words[:length]) in OPENINGS:
            words = words[length:]
            break
    end = len(words)
    while end and words[end - 1] in CLOSING_PARTICLES:
        end -= 1
    return words[:end]
