"""What hamlet heads and officers type for a day, a time, yes or no, and a count.

Pure functions of the text and of the `today`/`now` they are given: no clock of their own.
A day typed without its year is the nearest one that makes sense for the question; when
that nearest one is in another year far from today, the reading says so (`doubt`) and the
conversation asks before using it. The dates, times and day words are taken apart in
`handlers.typed_days`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from handlers.typed_days import (
    ONLY_DATE,
    PART_START_HOUR,
    key,
    read_words,
    recent_weekday,
    take_date,
    take_time,
    typed_day,
    valid_date,
    with_time,
)
from handlers.typed_days import Reading as Reading

__all__ = [
    "Count",
    "Problem",
    "Reading",
    "coming_problem",
    "no_more",
    "past_problem",
    "read_coming",
    "read_count",
    "read_day_from",
    "read_past",
    "urgency",
    "yes_no",
]

# Across New Year, a day without its year this close to today is plainly meant ("30/12"
# typed on 2 January); further away it is more likely a slip of the finger, so we ask.
NEAR_DAYS = 62
# A holiday typed a few days back has probably begun already, not next year.
RECENT_DAYS = 7
MAX_AHEAD_DAYS = 366


class Problem(Enum):
    FUTURE_DAY = "future_day"
    FUTURE_TIME = "future_time"
    TOO_OLD = "too_old"
    PAST = "past"
    TOO_FAR = "too_far"


# Days and times of a past event ----------------------------------------------------------


def read_past(text: str, now: datetime) -> Reading | None:
    """'hôm qua', 't5', 'chiều qua', '15h30 hôm kia', '5/12', '3 giờ chiều' → a reading of
    a moment that has happened; None when the words are not a day or a time."""
    today = now.date()
    words = key(text)
    typed, words = take_date(words, today, _nearest_past)
    clock, words = take_time(words)
    said = read_words([word.strip(".-:") for word in words.split() if word.strip(".-:")])
    if said is None:
        return None
    days_back, weekday, last_week, part = said
    sources = [typed is not None, days_back is not None, weekday is not None]
    if sum(sources) > 1 or (not any(sources) and clock is None and part is None):
        return None
    if typed is not None:
        reading = typed
    elif days_back is not None:
        reading = Reading(today - timedelta(days=days_back))
    elif weekday is not None:
        reading = Reading(recent_weekday(today, weekday, last_week))
    else:
        reading = Reading(today)
    return with_time(reading, clock, part)


def past_problem(reading: Reading, now: datetime, max_age_days: int) -> Problem | None:
    """Why the reading cannot be when an event happened, if it cannot."""
    today = now.date()
    if reading.day > today:
        return Problem.FUTURE_DAY
    if reading.day < today - timedelta(days=max_age_days):
        return Problem.TOO_OLD
    if reading.day == today:
        if reading.at is not None and reading.at > now.time().replace(tzinfo=None):
            return Problem.FUTURE_TIME
        if reading.part is not None and PART_START_HOUR[reading.part] > now.hour:
            return Problem.FUTURE_TIME
    return None


def _nearest_past(day: int, month: int, today: date) -> Reading | None:
    this_year = valid_date(today.year, month, day)
    if this_year is not None and this_year <= today:
        return Reading(this_year)
    last_year = valid_date(today.year - 1, month, day)
    if last_year is None:
        return None
    return Reading(last_year, doubt=(today - last_year).days > NEAR_DAYS)


# The days of a holiday -----------------------------------------------------------------


def read_coming(text: str, today: date) -> Reading | None:
    """A holiday's first day, '14/02' or '14/02/2027': the nearest one from today on; one a
    few days back has probably begun, so it stays this year's and is asked about."""
    found = ONLY_DATE.match(key(text))
    if found is None:
        return None
    return typed_day(found, today, _nearest_coming)


def coming_problem(day: date, today: date) -> Problem | None:
    if day < today - timedelta(days=RECENT_DAYS):
        return Problem.PAST
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        return Problem.TOO_FAR
    return None


def read_day_from(text: str, first: date) -> date | None:
    """A holiday's last day: the nearest one from its first day on ('2/1' after 28/12)."""
    found = ONLY_DATE.match(key(text))
    if found is None:
        return None
    reading = typed_day(found, first, _nearest_from)
    return reading.day if reading else None


def _nearest_coming(day: int, month: int, today: date) -> Reading | None:
    this_year = valid_date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return Reading(this_year)
    if this_year is not None and (today - this_year).days <= RECENT_DAYS:
        return Reading(this_year, doubt=True)
    next_year = valid_date(today.year + 1, month, day)
    if next_year is None:
        return None
    return Reading(next_year, doubt=(next_year - today).days > NEAR_DAYS)


def _nearest_from(day: int, month: int, first: date) -> Reading | None:
    this_year = valid_date(first.year, month, day)
    if this_year is not None and this_year >= first:
        return Reading(this_year)
    next_year = valid_date(first.year + 1, month, day)
    return Reading(next_year) if next_year else None


# Yes or no -----------------------------------------------------------------------------

YES = {
    "co", "u", "uh", "um", "ung", "vang", "da", "da co", "dung", "dung roi", "phai", "ok",
    "oke", "yes", "y", "co a", "vang a", "da vang",
}  # fmt: skip
NO = {
    "khong", "ko", "k", "kh", "khg", "kg", "hok", "hong", "khong phai", "sai", "no", "n",
    "khong a", "da khong", "chua", "khong dung",
}  # fmt: skip
URGENT = YES | {
    "khan", "khan cap", "gap", "rat gap", "can", "can gap", "rat khan", "co khan", "cap",
    "co can", "nguy hiem", "can ngay",
}  # fmt: skip
NOT_URGENT = NO | {
    "khong khan", "ko khan", "k khan", "binh thuong", "chua can", "khong can", "khong gap",
    "ko gap", "ko can", "tu tu", "khong can gap",
}  # fmt: skip


NO_MORE = {
    "xong", "xong roi", "het", "het roi", "du roi", "thoi", "bo qua", "khong co", "ko co",
    "khong co anh", "ko co anh", "khong anh", "khong gui", "ko gui", "tiep", "di tiep",
}  # fmt: skip


def no_more(text: str) -> bool:
    """'xong', 'hết', 'không có ảnh', 'bỏ qua': nothing more to send at this step."""
    return key(text).strip(" .!-") in NO_MORE | NO


def yes_no(text: str) -> bool | None:
    """'có', 'ừ', 'đúng' → True; 'không', 'ko', 'k', 'sai' → False; otherwise None."""
    return _one_of(key(text), YES, NO)


def urgency(text: str) -> bool | None:
    """'khẩn', 'gấp', 'rất gấp', 'cần', 'có' → True; 'không', 'bình thường', 'chưa cần' →
    False; otherwise None."""
    return _one_of(key(text), URGENT, NOT_URGENT)


def _one_of(words: str, yes: set[str], no: set[str]) -> bool | None:
    words = words.strip(" .!-")
    if words in no:
        return False
    if words in yes:
        return True
    return None


# Counts --------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+")
_NEGATIVE = re.compile(r"(?<![\d\w])-\s*\d")
_COUNT_FILLERS = {
    "khoang", "chung", "tam", "gan", "hon", "tren", "nguoi", "thanh", "vien", "co", "la",
    "linh", "le",
}  # fmt: skip
DIGIT_WORDS = {
    "khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5,
    "nham": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
}  # fmt: skip


@dataclass(frozen=True)
class Count:
    """A count as read: the number, or that it was negative (which no count can be)."""

    value: int | None
    negative: bool = False


def read_count(text: str) -> Count:
    """'15', 'khoảng 30', '30 người', '1.200', 'ba mươi' → the number; '-5' → negative."""
    words = key(text)
    if _NEGATIVE.search(words):
        return Count(None, negative=True)
    numbers = _NUMBER.findall(words)
    if len(numbers) == 1:
        rest = _NUMBER.sub(" ", words).split()
        if all(word in _COUNT_FILLERS for word in rest):
            return Count(int(re.sub(r"[.,]", "", numbers[0])))
        return Count(None)
    if numbers:
        return Count(None)
    return Count(_spelled(words.split()))


def _spelled(words: list[str]) -> int | None:
    """'ba mươi', 'mười lăm', 'hai mươi mốt', 'một trăm hai mươi' → the number."""
    # "tám" (eight) folds like "tạm" (about): a spelled count reads it as the number.
    meaningful = [w for w in words if w not in _COUNT_FILLERS or w in DIGIT_WORDS]
    if not meaningful:
        return None
    total, current = 0, 0
    for word in meaningful:
        if word in ("muoi", "chuc"):
            current = (current or 1) * 10
        elif word == "tram":
            total, current = total + (current or 1) * 100, 0
        elif word in ("nghin", "ngan"):
            total, current = (total + (current or 1)) * 1000, 0
        elif word in DIGIT_WORDS:
            current += DIGIT_WORDS[word]
        elif word in _COUNT_FILLERS:
            continue
        else:
            return None
    return total + current
