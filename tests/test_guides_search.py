"""The labelled questions find their passage, however they are typed."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from handlers.guides import DEFAULT_GUIDES_DIR, check
from handlers.guides.search import GuideIndex
from handlers.guides.terms import syllables, without_courtesy
from storage.telex import untelex
from storage.text import fold

QUESTIONS = Path(__file__).parent / "data" / "guide_questions.yaml"
# What the labelled set reached when these were set: hit@1 0.96, hit@3 1.00.
MIN_HIT_AT_1 = 0.90
MIN_HIT_AT_3 = 0.97
# Written after the weights were chosen and never tuned on: reached hit@1 0.75, hit@3 0.95.
UNSEEN = Path(__file__).parent / "data" / "guide_questions_unseen.yaml"
MIN_UNSEEN_HIT_AT_1 = 0.65
MIN_UNSEEN_HIT_AT_3 = 0.90
# Typed as on Zalo (no diacritics, chat shorthand, politeness): reached hit@1 0.89, hit@3 0.93.
ZALO = Path(__file__).parent / "data" / "guide_questions_zalo_dev.yaml"
MIN_ZALO_HIT_AT_1 = 0.80
MIN_ZALO_HIT_AT_3 = 0.90
# Typed as on Zalo, written by another hand before any of that tuning and never read while
# tuning: reached hit@1 0.67, hit@3 0.88 (0.46 and 0.85 before). A floor, not a target.
HELD_OUT = Path(__file__).parent / "data" / "guide_questions_zalo.yaml"
MIN_HELD_OUT_HIT_AT_1 = 0.60
MIN_HELD_OUT_HIT_AT_3 = 0.85


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    guides, problems = check(DEFAULT_GUIDES_DIR)
    assert not problems
    return GuideIndex(tuple(guides))


def labelled(path: Path = QUESTIONS) -> list[dict[str, str]]:
    questions: list[dict[str, str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return questions


def hit_rates(
    index: GuideIndex, transform: Callable[[str], str], path: Path = QUESTIONS
) -> tuple[float, float]:
    questions = labelled(path)
    first = top3 = 0
    for question in questions:
        hits = index.search(transform(question["q"]), limit=3)
        found = [(hit.guide.slug, hit.section.title) for hit in hits]
        wanted = (question["doc"], question["section"])
        first += bool(found) and found[0] == wanted
        top3 += wanted in found
    return first / len(questions), top3 / len(questions)


def test_the_set_is_large_and_every_label_exists(index: GuideIndex) -> None:
    questions = labelled()
    assert len(questions) >= 40
    passages = {(g.slug, s.title) for g, s, _ in index.passages}
    for question in questions + labelled(UNSEEN) + labelled(ZALO) + labelled(HELD_OUT):
        assert (question["doc"], question["section"]) in passages, question


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(lambda text: text, id="as-written"),
        pytest.param(lambda text: unicodedata.normalize("NFD", text), id="nfd"),
        pytest.param(fold, id="no-diacritics"),
    ],
)
def test_labelled_questions_find_their_passage(
    index: GuideIndex, typed: Callable[[str], str]
) -> None:
    at_1, at_3 = hit_rates(index, typed)
    assert at_1 >= MIN_HIT_AT_1, f"hit@1 {at_1:.2f}"
    assert at_3 >= MIN_HIT_AT_3, f"hit@3 {at_3:.2f}"


def test_questions_never_tuned_on_mostly_find_their_guide(index: GuideIndex) -> None:
    at_1, at_3 = hit_rates(index, lambda text: text, UNSEEN)
    assert at_1 >= MIN_UNSEEN_HIT_AT_1, f"hit@1 {at_1:.2f}"
    assert at_3 >= MIN_UNSEEN_HIT_AT_3, f"hit@3 {at_3:.2f}"


def test_questions_typed_as_in_chat_find_their_passage(index: GuideIndex) -> None:
    at_1, at_3 = hit_rates(index, lambda text: text, ZALO)
    assert at_1 >= MIN_ZALO_HIT_AT_1, f"hit@1 {at_1:.2f}"
    assert at_3 >= MIN_ZALO_HIT_AT_3, f"hit@3 {at_3:.2f}"


def test_questions_held_out_from_tuning_keep_their_floor(index: GuideIndex) -> None:
    assert len(labelled(HELD_OUT)) >= 40
    at_1, at_3 = hit_rates(index, lambda text: text, HELD_OUT)
    assert at_1 >= MIN_HELD_OUT_HIT_AT_1, f"hit@1 {at_1:.2f}"
    assert at_3 >= MIN_HELD_OUT_HIT_AT_3, f"hit@3 {at_3:.2f}"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ko", ["khong"]),
        ("k", ["khong"]),
        ("dc", ["duoc"]),
        ("đc", ["duoc"]),
        ("j", ["gi"]),
        ("ng", ["nguoi"]),
        ("bn", ["bao", "nhieu"]),
        ("ntn", ["nhu", "the", "nao"]),
        ("mik", ["minh"]),
        ("vs", ["voi"]),
        ("dky", ["dang", "ky"]),
    ],
)
def test_chat_shorthand_is_spelled_out(index: GuideIndex, typed: str, meant: list[str]) -> None:
    assert index.speller.query_words(f"tham gia {typed} an ninh") == [
        "tham",
        "gia",
        *meant,
        "an",
        "ninh",
    ]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("cho em hỏi tiếng mõ là gì ạ", "tieng mo la gi"),
        ("cho mình hỏi chút ai tham gia", "ai tham gia"),
        ("xin chau hoi bao ai nhe", "bao ai"),
        ("ad ơi, lập tổ thế nào vậy", "lap to the nao"),
        ("em muốn hỏi hội phụ nữ làm gì à", "hoi phu nu lam gi"),
        ("hội phụ nữ làm gì", "hoi phu nu lam gi"),
        ("mình hỏi ai", "minh hoi ai"),
    ],
)
def test_politeness_around_a_question_is_left_out(typed: str, meant: str) -> None:
    assert without_courtesy(fold(typed).split()) == meant.split()


@pytest.mark.parametrize(
    "wrap",
    ["cho em hỏi {} ạ", "ad ơi cho mình hỏi {} vậy", "xin cháu hỏi {} nhé", "cho e hoi {} ak"],
)
def test_a_polite_question_finds_the_passage_of_the_bare_one(index: GuideIndex, wrap: str) -> None:
    for question in labelled()[:20]:
        bare = index.search(question["q"], limit=1)
        polite = index.search(wrap.format(question["q"]), limit=1)
        assert [(h.guide.slug, h.section.title) for h in polite] == [
            (h.guide.slug, h.section.title) for h in bare
        ], question["q"]


def test_mo_of_mo_hinh_is_not_read_as_the_mo_of_tieng_mo(index: GuideIndex) -> None:
    assert syllables("mô hình tiếng mõ") == ["mohinh", "tieng", "mo"]
    assert index.speller.query_words("mo hinh go mo") == ["mohinh", "go", "mo"]


def test_words_beyond_the_topic_choose_the_section_when_no_cue_does(index: GuideIndex) -> None:
    hits = index.search("mo treo o hien nha")
    assert hits and hits[0].guide.slug == "tieng-mo-an-ninh"
    assert hits[0].section.title == "Hoạt động hằng tuần"


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("tiếng mõ an ninh", "tieng-mo-an-ninh"),
        ("tieengs mox an ninh", "tieng-mo-an-ninh"),
        ("tie6ng mo4 an ninh", "tieng-mo-an-ninh"),
        ("ATGT", "an-toan-giao-thong"),
        ("antt", "an-ninh-trat-tu"),
        ("mõ", "tieng-mo-an-ninh"),
        ("doan duong tu quna", "doan-duong-tu-quan"),
    ],
)
def test_short_and_misspelt_topics_open_the_guide(
    index: GuideIndex, question: str, slug: str
) -> None:
    hits = index.search(question)
    assert hits and hits[0].guide.slug == slug
    assert hits[0].section.title == "Mục đích"


@pytest.mark.parametrize(
    "question", ["xin chào", "giá lúa hôm nay bao nhiêu", "asdfgh", "", "???", "ok"]
)
def test_what_the_guides_do_not_cover_finds_nothing(index: GuideIndex, question: str) -> None:
    assert index.search(question) == []


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tieengs", "tieng"),
        ("dduwowcj", "duoc"),
        ("thaam", "tham"),
        ("owr", "o"),
        ("tiesng", "tieng"),
        ("an", "an"),
        ("ninh", "ninh"),
    ],
)
def test_telex_keys_are_taken_off(typed: str, meant: str) -> None:
    assert untelex(typed) == meant


def test_a_long_question_is_answered(index: GuideIndex) -> None:
    question = "nhà tôi muốn tham gia mô hình tiếng mõ an ninh " * 40
    assert index.search(question)
