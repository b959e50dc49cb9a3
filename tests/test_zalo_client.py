"""The Zalo Bot API client and the sender's Zalo client, against the loopback fake."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sender import Blocked, Rejected, RetryAfter, Transient
from bot.zalo.api import ZaloApi, ZaloApiError, ZaloUnreachable
from bot.zalo.client import ZaloClient
from bot.zalo.render import MAX_MESSAGE, render, split
from bot.zalo.updates import parse, unwrap
from handlers.messages import Choice, OutMessage
from tests.zalo_fake import ZaloFake


@pytest.fixture(params=["mirror", "200"])
async def zalo(request: pytest.FixtureRequest) -> AsyncIterator[ZaloFake]:
    """Both ways an error may come over HTTP: its own status, or 200 with ok=false."""
    async with ZaloFake(error_status=request.param) as fake:
        yield fake


@pytest.fixture
async def api(zalo: ZaloFake) -> AsyncIterator[ZaloApi]:
    client = ZaloApi(zalo.token, zalo.base_url)
    yield client
    await client.aclose()


async def test_a_wrong_token_is_refused(zalo: ZaloFake) -> None:
    wrong = ZaloApi("1:wrong", zalo.base_url)
    with pytest.raises(ZaloApiError) as refused:
        await wrong.get_me()
    await wrong.aclose()
    assert refused.value.code == 401


async def test_get_updates_returns_one_update_and_408_means_empty(
    zalo: ZaloFake, api: ZaloApi
) -> None:
    assert await api.get_update(1) is None
    head = zalo.user("u1", "Hoàng Văn Thào")
    first, second = head.says("một"), head.says("hai")
    update = await api.get_update(1)
    assert update is not None and update["message"]["message_id"] == first
    incoming = parse(update)
    assert incoming is not None
    assert (incoming.update_key, incoming.user_key, incoming.chat_key) == (first, "u1", "u1")
    assert incoming.event.text == "một" and incoming.event.display_name == "Hoàng Văn Thào"
    again = await api.get_update(1)
    assert again is not None and again["message"]["message_id"] == second
    assert await api.get_update(1) is None


async def test_polling_and_webhook_exclude_each_other(zalo: ZaloFake, api: ZaloApi) -> None:
    assert await api.get_webhook_info() is None
    await api.set_webhook("https://example.invalid/zalo", "s3cret-enough")
    assert (await api.get_webhook_info() or {})["url"] == "https://example.invalid/zalo"
    with pytest.raises(ZaloApiError) as conflict:
        await api.get_update(1)
    assert conflict.value.code == 409
    with pytest.raises(ZaloApiError):
        await api.set_webhook("https://example.invalid/zalo", "short")
    await api.delete_webhook()
    assert await api.get_update(1) is None


async def test_every_part_of_a_long_reply_fits_and_keeps_its_order(
    zalo: ZaloFake, api: ZaloApi
) -> None:
    head = zalo.user("u2")
    paragraph = "Nội dung báo cáo rất dài, " * 30
    text = "\n".join(f"{n}. {paragraph}" for n in range(12))
    message = OutMessage(text=text, choices=[Choice(id="send", label="Gửi báo cáo")])
    await ZaloClient(api).send(head.chat_id, message)
    parts = [sent.text for sent in zalo.sent_to(head.chat_id)]
    assert len(parts) > 1
    assert all(1 <= len(part) <= MAX_MESSAGE for part in parts)
    assert "\n".join(parts) == render(message)
    assert not zalo.rejected


async def test_the_platforms_refusals_become_the_senders_errors(
    zalo: ZaloFake, api: ZaloApi
) -> None:
    client = ZaloClient(api)
    head = zalo.user("u3")
    with pytest.raises(ZaloApiError):
        await api.send_message(head.chat_id, "x" * (MAX_MESSAGE + 1))
    assert zalo.rejected[-1][1] == 400
    with pytest.raises(Rejected):
        await client.send("nobody-wrote-from-here", OutMessage(text="Xin chào"))
    zalo.limit_rate(1)
    await client.send(head.chat_id, OutMessage(text="một"))
    with pytest.raises(RetryAfter):
        await client.send(head.chat_id, OutMessage(text="hai"))
    zalo.limit_rate(None)
    zalo.block(head)
    with pytest.raises(Blocked):
        await client.send(head.chat_id, OutMessage(text="ba"))


async def test_an_unreachable_api_is_transient_and_the_token_is_never_told(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "4242:never-in-a-log"
    api = ZaloApi(token, f"http://127.0.0.1:{port}")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ZaloUnreachable) as unreachable:
        await api.send_message("u", "xin chào")
    with pytest.raises(Transient) as transient:
        await ZaloClient(api).send("u", OutMessage(text="xin chào"))
    await api.aclose()
    told = [str(unreachable.value), str(transient.value), caplog.text]
    assert unreachable.value.__cause__ is None
    assert not any(token in text or "never-in-a-log" in text for text in told)


async def test_a_retried_long_reply_sends_only_the_parts_not_yet_accepted(
    zalo: ZaloFake, api: ZaloApi
) -> None:
    head = zalo.user("u4")
    client = ZaloClient(api)
    text = "\n".join(["a" * 1500, "b" * 1500, "c" * 1500])
    zalo.limit_rate(1)
    with pytest.raises(RetryAfter):
        await client.send(head.chat_id, OutMessage(text=text))
    zalo.limit_rate(None)
    await client.send(head.chat_id, OutMessage(text=text))
    assert [sent.text[0] for sent in zalo.sent_to(head.chat_id)] == ["a", "b", "c"]


def test_render_is_plain_text_with_numbered_choices() -> None:
    message = OutMessage(
        text="<b>Loại:</b> Môi trường\n<b>Nội dung:</b> Đổ rác &lt;b&gt;trộm&lt;/b&gt; &amp; đốt",
        choices=[Choice(id="send", label="Gửi báo cáo"), Choice(id="edit", label="Sửa")],
    )
    assert render(message) == (
        "Loại: Môi trường\nNội dung: Đổ rác <b>trộm</b> & đốt\n1. Gửi báo cáo\n2. Sửa"
    )


def test_split_cuts_between_lines_then_at_spaces_and_counts_like_zalo() -> None:
    assert split("ngắn") == ["ngắn"]
    lines = ["dòng " * 100] * 10
    parts = split("\n".join(lines), limit=1100)
    assert all(len(part) <= 1100 for part in parts)
    assert [part.split("\n") for part in parts] == [lines[:2]] * 5
    one_long_line = "chữ " * 1000
    parts = split(one_long_line, limit=500)
    assert all(len(part) <= 500 and not part.startswith(" ") for part in parts)
    assert " ".join(parts).split() == one_long_line.split()
    emoji = "🙂" * 1500
    assert [len(part) for part in split(emoji, limit=2000)] == [1000, 500]


def test_webhook_bodies_are_read_in_both_shapes() -> None:
    message: dict[str, Any] = {
        "message_id": "m1",
        "date": 1766619597466,
        "chat": {"id": "c1", "chat_type": "GROUP"},
        "from": {"id": "u1", "display_name": "Lan", "is_bot": False},
        "photo": "https://example.invalid/p.jpg",
        "caption": "bờ suối",
    }
    event = {"event_name": "message.image.received", "message": message}
    for body in (event, {"ok": True, "result": event}):
        update = unwrap(body)
        assert update is not None
        incoming = parse(update)
        assert incoming is not None and incoming.is_group
        assert incoming.event.kind == "photo"
        assert incoming.event.photos == ["https://example.invalid/p.jpg"]
        assert incoming.event.text == "bờ suối"
    from_a_bot = {**event, "message": {**message, "from": {"id": "b", "is_bot": True}}}
    assert parse(from_a_bot) is None
    assert parse({"event_name": "message.text.received"}) is None
