"""`/web` and "Mở bảng theo dõi" in a chat: a one-time link for an officer, and nothing for
anyone else, in a group, or where the pages are not served."""

from __future__ import annotations

from unicodedata import normalize

import pytest
from sqlalchemy import func, select

from handlers.messages import InEvent, OutMessage
from storage import web_access
from storage.models import WebSignIn
from tests.officers import COMMUNE_DEPUTY
from tests.support import HEAD, OFFICER, RESIDENT, Harness, text_of

PAGES = "https://tuquan.example/web"


async def sign_ins(harness: Harness) -> int:
    async with harness.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(WebSignIn)) or 0)


def link_in(replies: list[OutMessage]) -> tuple[OutMessage, str]:
    sent = next(reply for reply in replies if f"{PAGES}/signin/" in reply.text)
    return sent, sent.text.split(f"{PAGES}/signin/", 1)[1].split()[0]


@pytest.mark.parametrize(
    "how", ["/web", "Mở bảng theo dõi", "mo bang theo doi", normalize("NFD", "Mở bảng theo dõi")]
)
async def test_an_officer_gets_a_link_that_signs_them_in_once(harness: Harness, how: str) -> None:
    harness.engine.web_url = PAGES
    await harness.say(OFFICER, "/menu")
    replies = await harness.say(OFFICER, how)
    sent, token = link_in(replies)
    assert sent.web_app == f"{PAGES}/app"
    assert "một lần" in sent.text and "10 phút" in sent.text
    officer = await harness.person(OFFICER)
    async with harness.sessions() as session, session.begin():
        assert await web_access.redeem_link(session, token, harness.clock()) == officer.id
        assert await web_access.redeem_link(session, token, harness.clock()) is None
    assert await harness.step_of(OFFICER) == "menu/main"


async def test_a_link_asked_mid_conversation_is_given_at_once(harness: Harness) -> None:
    harness.engine.web_url = PAGES
    await harness.say(COMMUNE_DEPUTY, "/menu")
    await harness.tap(COMMUNE_DEPUTY, "Tổng hợp")
    link_in(await harness.say(COMMUNE_DEPUTY, "/web"))
    assert await sign_ins(harness) == 1


async def test_pages_on_plain_http_get_a_link_but_no_mini_app_button(harness: Harness) -> None:
    # Telegram opens only HTTPS pages inside the app; a local deployment still has a link.
    harness.engine.web_url = "http://127.0.0.1:8088/web"
    replies = await harness.say(OFFICER, "/web")
    sent = next(reply for reply in replies if "/web/signin/" in reply.text)
    assert sent.web_app is None


@pytest.mark.parametrize("who", [HEAD, RESIDENT])
async def test_no_one_but_an_officer_gets_a_link(harness: Harness, who: str) -> None:
    harness.engine.web_url = PAGES
    replies = await harness.say(who, "/web")
    assert "/signin/" not in text_of(replies)
    assert "chỉ dành cho cán bộ Mặt trận" in text_of(replies)
    assert await sign_ins(harness) == 0


async def test_without_the_pages_served_the_officer_is_told_whom_to_ask(harness: Harness) -> None:
    replies = await harness.say(OFFICER, "/web")
    assert "chưa được bật" in text_of(replies) and "quản trị viên" in text_of(replies)
    assert await sign_ins(harness) == 0


async def test_in_a_group_no_link_is_posted(harness: Harness) -> None:
    harness.engine.web_url = PAGES
    group = InEvent(
        channel="console",
        user_key=OFFICER,
        chat_key="group-1",
        private=False,
        kind="text",
        text="/web",
    )
    await harness.deliver(group)
    await harness.engine.run_pending()
    said = await harness.read("group-1")
    assert said and all("/signin/" not in reply.text for reply in said)
    assert all(reply.private_link for reply in said)
    assert await sign_ins(harness) == 0
