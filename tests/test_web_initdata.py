"""A Mini App's initData signs in only when Telegram signed it, with our bot token, lately."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.web import initdata
from bot.web.initdata import WebAppUser

TOKEN = "123456:test-token-of-the-bot"
OTHER_TOKEN = "654321:another-bot"
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
USER = {"id": 7001, "first_name": "Lý Văn", "last_name": "Sáng", "username": "ly_sang"}


def fields(signed_at: datetime = NOW, user: object = USER, **more: str) -> dict[str, str]:
    return {
        "auth_date": str(int(signed_at.timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, ensure_ascii=False),
        **more,
    }


def signed(signed_at: datetime = NOW, token: str = TOKEN, **more: str) -> str:
    return initdata.sign(fields(signed_at, **more), token)


def with_field(init_data: str, key: str, value: str) -> str:
    """The same initData with one field changed, its hash kept."""
    pairs = dict(parse_qsl(init_data))
    pairs[key] = value
    return urlencode(pairs)


def test_a_freshly_signed_init_data_gives_the_user() -> None:
    assert initdata.verify(signed(), TOKEN, NOW) == WebAppUser(7001, "Lý Văn", "Sáng", "ly_sang")


def test_the_user_without_last_name_nor_username() -> None:
    init_data = initdata.sign(fields(user={"id": 7002, "first_name": "Hà"}), TOKEN)
    assert initdata.verify(init_data, TOKEN, NOW) == WebAppUser(7002, "Hà", None, None)


def test_any_order_of_the_fields_is_accepted() -> None:
    pairs = list(parse_qsl(signed()))
    assert initdata.verify(urlencode(pairs[::-1]), TOKEN, NOW) is not None


def test_signed_a_little_ago_or_by_a_clock_a_little_ahead() -> None:
    assert initdata.verify(signed(NOW - timedelta(minutes=59)), TOKEN, NOW) is not None
    assert initdata.verify(signed(NOW + timedelta(seconds=30)), TOKEN, NOW) is not None
    assert initdata.verify(signed(NOW - timedelta(hours=3)), TOKEN, NOW, timedelta(hours=4))


def test_a_wrong_hash_is_refused() -> None:
    good = dict(parse_qsl(signed()))
    flipped = good["hash"][:-1] + ("0" if good["hash"][-1] != "0" else "1")
    assert initdata.verify(with_field(signed(), "hash", flipped), TOKEN, NOW) is None


def test_a_changed_user_is_refused() -> None:
    someone_else = json.dumps({**USER, "id": 7999})
    assert initdata.verify(with_field(signed(), "user", someone_else), TOKEN, NOW) is None


def test_another_bot_s_init_data_is_refused() -> None:
    assert initdata.verify(signed(token=OTHER_TOKEN), TOKEN, NOW) is None
    assert initdata.verify(signed(), "", NOW) is None


def test_old_init_data_is_refused() -> None:
    assert initdata.verify(signed(NOW - timedelta(hours=1, seconds=1)), TOKEN, NOW) is None
    assert initdata.verify(signed(NOW - timedelta(days=30)), TOKEN, NOW) is None


def test_init_data_from_the_future_is_refused() -> None:
    assert initdata.verify(signed(NOW + timedelta(minutes=2)), TOKEN, NOW) is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hash=",
        "garbage",
        "%%%",
        "a=1&&b=2",
        "user=%7B&hash=00",
        "\udcff=1",
        "hash=" + "é" * 64,
    ],
)
def test_garbage_is_refused(garbage: str) -> None:
    assert initdata.verify(garbage, TOKEN, NOW) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"auth_date": "not-a-number"},
        {"auth_date": "-5"},
        {"auth_date": "9" * 30},
        {"auth_date": ""},
        {"user": "not json"},
        {"user": "[1, 2]"},
        {"user": json.dumps({"first_name": "Không có số"})},
        {"user": json.dumps({"id": "7001", "first_name": "Số là chữ"})},
        {"user": json.dumps({"id": True, "first_name": "Đúng"})},
        {"user": json.dumps({"id": 7001})},
        {"user": json.dumps({"id": 7001, "first_name": "A", "username": 5})},
    ],
)
def test_signed_but_malformed_fields_are_refused(bad: dict[str, str]) -> None:
    init_data = initdata.sign({**fields(), **bad}, TOKEN)
    assert initdata.verify(init_data, TOKEN, NOW) is None


def test_a_field_given_twice_is_refused() -> None:
    init_data = signed() + "&user=" + json.dumps({"id": 1, "first_name": "X"})
    assert initdata.verify(init_data, TOKEN, NOW) is None


def test_the_check_string_is_telegram_s() -> None:
    """Computed by hand as the documentation describes, not by the module's own helper."""
    data = fields()
    check = "\n".join(f"{key}={data[key]}" for key in sorted(data))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    assert dict(parse_qsl(initdata.sign(data, TOKEN)))["hash"] == expected
    assert initdata.verify(urlencode({**data, "hash": expected}), TOKEN, NOW) is not None
