"""Days and times as people type them, taken apart: dates in figures ("5/12", "05/12/2026"),
clock times ("15h", "15:30", "3 giờ rưỡi"), and the words for days and parts of the day
("hôm qua", "thứ năm", "t6", "cn", "tuần trước", "chiều", "đêm").

`handlers.when` puts the pieces together into the answer to a question and decides, for a
date without its year, which year is meant (the `nearest` it passes here).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

_DATE = re.compile(
    r"(?<![\d:])(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{4}|\d{2}))?(?![\d:])"
)
_TIME = re.compile(
    r"(?<![\d/.\-])(\d{1,2})\s*(?:h|g|gio|:)\s*(?:(\d{1,2})|(ruoi))?\s*(?:p|phut)?(?![a-z\d])"
)
ONLY_DATE = re.compile(r"^\s*" + _DATE.pattern + r"\s*$")
_KEEP = re.compile(r"[^a-z0-9/.:\-\s]")

RELATIVE_DAYS = {"nay": 0, "qua": 1, "kia": 2}
# Monday is "thứ 2" (weekday 0), Sunday "chủ nhật".
WEEKDAY_WORDS = {
    "2": 0, "hai": 0, "3": 1, "ba": 1, "4": 2, "tu": 2, "bon": 2, "5": 3, "nam": 3,
    "6": 4, "sau": 4, "7": 5, "bay": 5,
}  # fmt: skip
PART_START_HOUR = {"sang": 4, "trua": 11, "chieu": 13, "toi": 18, "dem": 21, "khuya": 22}
FILLERS = {"ngay", "luc", "vao", "khoang", "tam", "buoi", "hom", "a", "da"}


@dataclass(frozen=True)
class Reading:
    """A day as understood, the time of day when one was said, and whether to ask first."""

    day: date
    at: time | None = None
    part: str | None = None
    doubt: bool = False


def key(text: str) -> str:
    """Lower case, no diacritics, đ → d; digits and the marks of dates and times kept."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("đ", "d")
    return " ".join(_KEEP.sub(" ", stripped).split())


# Words for days and parts of the day ------------------------------------------------------


def recent_weekday(today: date, weekday: int, last_week: bool) -> date:
    """The latest such weekday, today included, or that weekday of the week before."""
    if last_week:
        return today - timedelta(days=today.weekday() + 7 - weekday)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def read_words(words: list[str]) -> tuple[int | None, int | None, bool, str | None] | None:
    """(days back, weekday, last week, part of day), or None when a word is not understood."""
    days_back: int | None = None
    weekday: int | None = None
    last_week = False
    part: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "tuan" and following in ("truoc", "roi"):
            last_week, index = True, index + 2
            continue
        if word == "tuan" and following == "nay":
            index += 2
            continue
        if word in RELATIVE_DAYS and days_back is None:
            days_back = RELATIVE_DAYS[word]
        elif word == "thu" and following in WEEKDAY_WORDS and weekday is None:
            weekday, index = WEEKDAY_WORDS[following], index + 1
        elif re.fullmatch(r"t[2-7]", word) and weekday is None:
            weekday = int(word[1]) - 2
        elif word == "cn" and weekday is None:
            weekday = 6
        elif word == "chu" and following == "nhat" and weekday is None:
            weekday, index = 6, index + 1
        elif word in PART_START_HOUR and part is None:
            part = word
        elif word not in FILLERS:
            return None
        index += 1
    if last_week and weekday is None:
        return None
    return days_back, weekday, last_week, part


def with_time(reading: Reading, clock: tuple[int, int] | None, part: str | None) -> Reading | None:
    """The reading at the clock time said, read in the part of the day said ("3 giờ chiều")."""
    if clock is None:
        return replace(reading, part=part)
    hour, minute = clock
    day = reading.day
    if (part == "trua" and hour < 6) or (part in ("chieu", "toi") and hour < 12):
        hour += 12
    elif part in ("dem", "khuya"):
        if 6 <= hour < 12:
            hour += 12
        elif hour < 6:
            day += timedelta(days=1)  # "2 giờ đêm qua" is the small hours after yesterday
    if hour > 23 or minute > 59:
        return None
    return replace(reading, day=day, at=time(hour, minute))


# Dates and clock times in figures ---------------------------------------------------------

# Which year a day typed without one is in: (day, month, today) → the reading, if it exists.
Nearest = Callable[[int, int, date], Reading | None]
NOT_A_DAY = "?"


def take_date(words: str, today: date, nearest: Nearest) -> tuple[Reading | None, str]:
    """The typed day and the words around it; a day that does not exist (31/2) leaves a word
    nobody reads, so the whole answer is not understood."""
    found = _DATE.search(words)
    if found is None:
        return None, words
    reading = typed_day(found, today, nearest)
    rest = f"{words[: found.start()]} {words[found.end() :]}"
    return reading, rest if reading is not None else NOT_A_DAY


def typed_day(found: re.Match[str], today: date, nearest: Nearest) -> Reading | None:
    """The day of a matched date: its own year when typed (two figures are 20xx), else the
    nearest one."""
    day, month, year_text = int(found[1]), int(found[2]), found[3]
    if not year_text:
        return nearest(day, month, today)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    typed = valid_date(year, month, day)
    return Reading(typed) if typed else None


def take_time(words: str) -> tuple[tuple[int, int] | None, str]:
    """The typed (hour, minute), "rưỡi" being half past, and the words around it."""
    found = _TIME.search(words)
    if found is None:
        return None, words
    hour = int(found[1])
    minute = 30 if found[3] else int(found[2] or 0)
    return (hour, minute), f"{words[: found.start()]} {words[found.end() :]}"


def valid_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when there is no such day (31/2)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None
