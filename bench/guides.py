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


def measure(
    index: GuideIndex, set_name: str, questions: list[dict[str, str]], runs: int
) -> list[str]:
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
        rows.append(
            f"| {set_name} ({len(questions)}) | {name} | {first / len(questions):.2f} | "
            f"{top3 / len(questions):.2f} | {p50:.2f} ms | {p99:.2f} ms |"
        )
    return rows


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
    for set_name, path in QUESTION_SETS.items():
        questions: list[dict[str, str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows += measure(index, set_name, questions, args.runs)
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
    ]
    body = "\n".join(lines)
    print(body)
    write_section("guides", body)
