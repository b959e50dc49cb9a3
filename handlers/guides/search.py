"""Which passage (guide, section) answers a question: BM25 over normalized terms.

Two BM25 indexes (bm25s) are combined: one over passages, which finds the section, and one
over whole guides (title, keywords, summary), which finds the model the person asks about.
A question names its model in a few words and its intent in a few others ('báo ai',
'ai tham gia'), so each section is also indexed with the ways people ask for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bm25s
import numpy as np
from numpy.typing import NDArray

from handlers.guides.document import Guide, Section
from handlers.guides.terms import Speller, syllables, with_pairs

# bm25s sets its own logger to DEBUG when imported, whatever the process configured, and
# notes every index it builds: in the console chat those lines land among the replies.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# How people ask for each of the six sections (folded), whatever the model: the intent.
SECTION_CUES = {
    "Mục đích": (
        "la gi, de lam gi, nham muc dich gi, muc dich, y nghia, loi ich, tac dung, co ich gi, "
        "nghia la gi, gioi thieu, vi sao, tai sao, la sao, nghia la sao, la cai gi, co loi gi, "
        "giup gi, de lam chi"
    ),
    "Ai tham gia": (
        "ai tham gia, nhung ai, gom nhung ai, ai nhan, ai lam, co duoc tham gia khong, "
        "co phai tham gia khong, thanh phan, thanh vien, gom ai, doi tuong, to truong, to pho, "
        "ai la nguoi, ai lo, ai phu trach, ai cung, nguoi nao tham gia, gom co"
    ),
    "Hoạt động hằng tuần": (
        "hang tuan, moi tuan, trong tuan, tuan nao, hang ngay, hom nao, ngay nao, lich, bao cao, "
        "thuong lam gi, "
        "lam nhung viec gi, phai lam gi, can lam gi, lam nhung gi, kiem tra nhung gi, "
        "phai lam sao khi, bao lau, may lan, mot lan, thu may, khi nao, luc nao, co sao khong, "
        "thuong xuyen"
    ),
    "Thế nào là làm tốt": (
        "the nao la tot, lam tot, the nao thi dat, tieu chi, danh gia, duoc coi la tot, "
        "dat chuan, binh xet, khen thuong, bai hoc, kinh nghiem, hoat dong tot, cong nhan, "
        "duoc goi la, duoc coi la, dat yeu cau"
    ),
    "Cách tham gia hoặc thành lập": (
        "muon lap, thanh lap, lap moi, dang ky, lam sao, bat dau, cac buoc, nhung buoc, "
        "buoc nao, bang cach nao, cach tham gia, muon tham gia, muon nhan, gop lai, xin phep, "
        "thu tuc, lam the nao de, chuan bi gi, can chuan bi, muon vao, xin vao"
    ),
    "Liên hệ": (
        "bao ai, hoi ai, gap ai, lien he, phan anh, bao cho ai, goi ai, so dien thoai, tim ai, "
        "voi ai, nho ai, hoi nguoi nao, bao nguoi nao, lien lac, o dau, cho ai"
    ),
}
GUIDE_WEIGHT = 0.7
INTENT_WEIGHT = 0.5
TITLE_REPEAT = 2
# Below both, the question shares only common words with the guides ('giá lúa hôm nay').
MIN_PASSAGE_SCORE = 2.6
MIN_GUIDE_SCORE = 2.0


@dataclass(frozen=True)
class Hit:
    guide: Guide
    section: Section
    position: int
    score: float


class GuideIndex:
    def __init__(self, guides: tuple[Guide, ...]) -> None:
        self.passages = [
            (guide, section, position)
            for guide in guides
            for position, section in enumerate(guide.sections)
        ]
        self.guides = guides
        passage_words = [self._passage_words(g, s) for g, s, _ in self.passages]
        guide_words = [self._guide_words(g) for g in guides]
        cue_words = syllables(" ".join(SECTION_CUES.values()))
        self.speller = Speller([*(w for words in passage_words for w in words), *cue_words])
        self._passage_index = _bm25([with_pairs(words) for words in passage_words])
        self._guide_index = _bm25([with_pairs(words) for words in guide_words])
        self._intent_index = _bm25([_cue_terms(cues) for cues in SECTION_CUES.values()])
        titles = list(SECTION_CUES)
        self._intent_of_passage = np.array(
            [titles.index(s.title) if s.title in titles else 0 for _, s, _ in self.passages],
            dtype=np.int64,
        )
        self._keywords = {
            " ".join(syllables(keyword)) for guide in guides for keyword in guide.keywords
        }
        self._topic_words = {
            word for guide in guides for word in syllables(" ".join([guide.title, *guide.keywords]))
        }
        self._guide_of_passage = np.array(
            [guides.index(g) for g, _, _ in self.passages], dtype=np.int64
        )

    @staticmethod
    def _guide_words(guide: Guide) -> list[str]:
        header = " ".join([guide.title] * TITLE_REPEAT + list(guide.keywords) + [guide.summary])
        return syllables(header)

    def _passage_words(self, guide: Guide, section: Section) -> list[str]:
        text = " ".join([section.title, section.body, guide.title, *guide.keywords])
        return syllables(text)

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """The best passages first; empty when nothing in the guides fits the question."""
        words = self.speller.query_words(question)
        terms = with_pairs(words)
        if not terms or not self.passages:
            return []
        passage_scores = _scores(self._passage_index, terms)
        guide_scores = _scores(self._guide_index, terms)
        if not self._fits(words, passage_scores, guide_scores):
            return []
        intent_scores = _scores(self._intent_index, terms)
        if not intent_scores.any() and self._names_a_topic_only(words):
            intent_scores[0] = 1.0  # a bare topic ('tiếng mõ') asks what it is
        combined = (
            _relative(passage_scores)
            + GUIDE_WEIGHT * _relative(guide_scores)[self._guide_of_passage]
            + INTENT_WEIGHT * _relative(intent_scores)[self._intent_of_passage]
        )
        order = np.argsort(-combined, kind="stable")[:limit]
        hits = []
        for i in order:
            guide, section, position = self.passages[i]
            hits.append(Hit(guide, section, position, float(combined[i])))
        return hits

    def _names_a_topic_only(self, words: list[str]) -> bool:
        """Whether every word is of a guide's title or keywords: 'tiếng mõ', not 'mõ treo ở
        đâu', whose other words say what is asked even when no cue names it."""
        return all(word in self._topic_words for word in words)

    def _fits(
        self,
        words: list[str],
        passage_scores: NDArray[np.float32],
        guide_scores: NDArray[np.float32],
    ) -> bool:
        """Whether the guides speak of this at all; a keyword alone ('mõ') is enough."""
        if passage_scores.max() >= MIN_PASSAGE_SCORE or guide_scores.max() >= MIN_GUIDE_SCORE:
            return True
        spaced = f" {' '.join(words)} "
        return any(f" {keyword} " in spaced for keyword in self._keywords)


def _relative(scores: NDArray[np.float32]) -> NDArray[np.float32]:
    """Scores as shares of the best, so a long question does not drown its intent words."""
    best = float(scores.max())
    return scores / best if best > 0 else scores


def _cue_terms(cues: str) -> list[str]:
    """A cue of one syllable is a term; a longer cue gives its pairs only, since its syllables
    alone ('moi' of 'lap moi', 'ai' of 'bao ai') also mean other things."""
    terms: list[str] = []
    for cue in cues.split(","):
        words = syllables(cue)
        terms += words if len(words) == 1 else with_pairs(words)[len(words) :]
    return terms


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index(corpus, show_progress=False)
    return index


def _scores(index: bm25s.BM25, terms: list[str]) -> NDArray[np.float32]:
    known = [term for term in terms if term in index.vocab_dict]
    if not known:
        return np.zeros(index.scores["num_docs"], dtype=np.float32)
    scores: NDArray[np.float32] = index.get_scores(known)
    return scores
