"""Guides: how often the labelled questions find their passage, and how fast.

Every question of tests/data/guide_questions*.yaml is asked as written, in NFD and without
diacritics; hit@1 and hit@3 count the labelled (guide, section) first or among the first
three. The time is one whole answer: normalizing, spelling, three BM25 indexes, ranking.
"""

from __future__ import annotations

import argparse
import statistics
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.machine import describe
from bench.results import write_section
from handlers.guides import DEFAULT_GUIDES_DIR, check
from handlers.guides.search import GuideIndex
from storage.text import fold

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
# The labelled set the ranking was tuned on; one written after that tuning (whose misses were
# seen in the second); questions typed as on Zalo, tuned on; and questions typed as on Zalo,
# written by another hand before that tuning and never read while tuning.
QUESTION_SETS = {
    "labelled": DATA / "guide_questions.yaml",
    "unseen": DATA / "guide_questions_unseen.yaml",
    "Zalo, tuned on": DATA / "guide_questions_zalo_dev.yaml",
    "Zalo, held out": DATA / "guide_questions_zalo.yaml",
}
HELD_OUT = "Zalo, held out"
GOAL_HIT_AT_1 = 0.8
GOAL_P99_MS = 20.0
FORMS: dict[str, Callable[[str], str]] = {
    "as written": lambda text: text,
    "NFD": lambda text: unicodedata.normalize("NFD", text),
    "no diacritics": fold,
}


@dataclass(frozen=True)
class Found:
    typed: str
    hit_at_1: float
    hit_at_3: float
    p50_ms: float
    p99_ms: float


def measure(index: GuideIndex, questions: list[dict[str, str]], runs: int) -> list[Found]:
    rows = []
    for name, form in FORMS.items():
        first = top3 = 0
        timings: list[float] = []
        for run in range(runs):
            for question in questions:
                text = form(question["q"])
                started = time.perf_counter()
                hits = index.search(text, limit=3)
                timings.append(time.perf_counter() - started)
                if run == 0:
                    found = [(hit.guide.slug, hit.section.title) for hit in hits]
                    wanted = (question["doc"], question["section"])
                    first += bool(found) and found[0] == wanted
                    top3 += wanted in found
        timings.sort()
        p50 = statistics.median(timings) * 1000
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1000
        rows.append(Found(name, first / len(questions), top3 / len(questions), p50, p99))
    return rows


def verdict(held_out: list[Found]) -> str:
    hit_at_1 = min(found.hit_at_1 for found in held_out)
    hit_at_3 = min(found.hit_at_3 for found in held_out)
    p99 = max(found.p99_ms for found in held_out)
    met = hit_at_1 >= GOAL_HIT_AT_1 and p99 < GOAL_P99_MS
    said = (
        f"On the held-out set, in every form: hit@1 {hit_at_1:.2f} against {GOAL_HIT_AT_1} and "
        f"p99 {p99:.2f} ms against {GOAL_P99_MS:.0f} ms: " + ("met." if met else "missed.")
    )
    if met:
        return said
    return (
        f"{said} BM25 puts the right passage among its first three for {hit_at_3:.2f} of "
        "them, so what is missing is the order among a few candidates. What would get "
        "there: a re-ranker over BM25's first five, a small multilingual sentence-embedding "
        "or cross-encoder model shipped inside the install (nothing may download at run "
        "time), some hundred megabytes and a few milliseconds a question on a CPU by the "
        "published sizes, not measured here; or each guide's passages given the words "
        "residents ask them in, which is writing, not code."
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench guides")
    parser.add_argument("--runs", type=int, default=20, help="times each question is asked")
    args = parser.parse_args(argv)
    guides, problems = check(DEFAULT_GUIDES_DIR)
    if problems:
        raise SystemExit("\n".join(str(p) for p in problems))
    started = time.perf_counter()
    index = GuideIndex(tuple(guides))
    build_ms = (time.perf_counter() - started) * 1000
    rows: list[str] = []
    held_out: list[Found] = []
    for set_name, path in QUESTION_SETS.items():
        questions: list[dict[str, str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = measure(index, questions, args.runs)
        rows += [
            f"| {set_name} ({len(questions)}) | {f.typed} | {f.hit_at_1:.2f} | "
            f"{f.hit_at_3:.2f} | {f.p50_ms:.2f} ms | {f.p99_ms:.2f} ms |"
            for f in found
        ]
        if set_name == HELD_OUT:
            held_out = found
    lines = [
        "## Guides: answering residents' questions",
        "",
        f"`python -m bench guides --runs {args.runs}`; {describe()}.",
        f"Questions over {len(guides)} guides ({len(index.passages)} passages); each asked "
        f"{args.runs} times per form, the first time with a cold spelling cache. The weights "
        "were tuned on the labelled set. The unseen set was written afterwards; its misses "
        "were seen in the second round of tuning, for the way people type on Zalo (shorthand "
        "such as 'ko', 'dc', 'e'; 'cho em hỏi … ạ' around the question), which was done on "
        "a set of its own. The held-out Zalo set was written by another hand before that "
        "round and never read during it: it is what to expect from new questions. Goal on "
        f"it: hit@1 ≥ {GOAL_HIT_AT_1}, p99 under {GOAL_P99_MS:.0f} ms. Building the index took "
        f"{build_ms:.0f} ms (at start and on every reload). Before the Zalo round (commit "
        "5bd674a) the held-out set found hit@1 0.46 and hit@3 0.85.",
        "",
        "| questions | typed | hit@1 | hit@3 | p50 per answer | p99 per answer |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        verdict(held_out),
    ]
    body = "\n".join(lines)
    print(body)
    write_section("guides", body)
