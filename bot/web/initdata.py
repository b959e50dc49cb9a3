"""Telegram Mini App sign-in: the initData Telegram hands the page, checked with the bot token.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=1)
# Telegram's clock and ours may disagree a little; more than this is not a clock's drift.
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str
    last_name: str | None
    username: str | None


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_hash(fields: dict[str, str], bot_token: str) -> str:
    data_check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    return hmac.new(_secret(bot_token), data_check_string.encode(), hashlib.sha256).hexdigest()


def sign(fields: dict[str, str], bot_token: str) -> str:
    """An initData string for these fields as Telegram would sign it (tests and the demo)."""
    return urlencode({**fields, "hash": _check_hash(fields, bot_token)})


def verify(
    init_data: str, bot_token: str, now: datetime, max_age: timedelta = MAX_AGE
) -> WebAppUser | None:
    """The Telegram user the initData is about, if Telegram signed it lately; else None."""
    if not bot_token:
        return None
    try:
        init_data.encode()  # a lone surrogate cannot be what Telegram signed
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a field given twice: which one was signed?
        return None
    given = fields.pop("hash", "").lower().encode()
    expected = _check_hash(fields, bot_token).encode()
    if not hmac.compare_digest(expected, given):
        return None
    if not _recent(fields.get("auth_date", ""), now, max_age):
        return None
    return _user(fields.get("user", ""))


def _recent(auth_date: str, now: datetime, max_age: timedelta) -> bool:
    if not auth_date.isdigit():
        return False
    try:
        signed_at = datetime.fromtimestamp(int(auth_date), UTC)
    except (OverflowError, OSError, ValueError):
        return False
    return -CLOCK_SKEW <= now - signed_at <= max_age


def _user(raw: str) -> WebAppUser | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    user_id, first_name = data.get("id"), data.get("first_name")
    last_name, username = data.get("last_name"), data.get("username")
    if type(user_id) is not int or user_id <= 0 or not isinstance(first_name, str):
        return None
    if not all(value is None or isinstance(value, str) for value in (last_name, username)):
        return None
    return WebAppUser(user_id, first_name, last_name, username)
