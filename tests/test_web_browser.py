"""The officers' pages as an officer's browser sees them: sign-in, who sees what, filters."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.web.app import web_app
from handlers.digest import build
from handlers.periods import this_month
from storage.db import create_engine, session_factory
from storage.enums import IncidentCategory
from tests.databases import TZ, SqliteTemplates
from tests.support import MutableClock
from tests.web_browser import (
    BOT_TOKEN,
    MARKERS_DRAWN,
    SESSION_COOKIE,
    Demo,
    Page,
    WebServer,
    mini_app_path,
    require_browser,
    save_screenshots,
    signed_init_data,
    start_chromium,
)

pytestmark = pytest.mark.browser

TELEGRAM_USER = 5550001
OSM_TILES = "https://tile.openstreetmap.org/"
NewPage = Callable[[], Awaitable[Page]]


@pytest.fixture
async def db_url(tmp_path: Path, sqlite_templates: SqliteTemplates) -> str:
    return sqlite_templates.fresh(tmp_path)


@pytest.fixture
async def web_sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def demo_data(web_sessions: async_sessionmaker[AsyncSession], clock: MutableClock) -> Demo:
    return Demo(web_sessions, clock, TZ)


@pytest.fixture
async def server(
    tmp_path: Path,
    db_url: str,
    web_sessions: async_sessionmaker[AsyncSession],
    clock: MutableClock,
) -> AsyncIterator[WebServer]:
    require_browser()
    settings = Settings(
        _env_file=None,
        database_url=db_url,
        telegram_bot_token=SecretStr(BOT_TOKEN),
        timezone=TZ.key,
        media_dir=tmp_path / "media",
    )
    async with WebServer(web_app(web_sessions, settings, clock)) as running:
        yield running


@pytest.fixture
async def new_page(server: WebServer) -> AsyncIterator[NewPage]:
    """Opens a chromium of its own (its own cookies) each call; all are closed at the end."""
    opened: list[Page] = []

    async def open_one() -> Page:
        driver = await asyncio.to_thread(start_chromium)
        opened.append(Page(driver, server.root))
        return opened[-1]

    yield open_one
    for page in opened:
        await page.close()


@pytest.fixture
async def page(new_page: NewPage) -> Page:
    return await new_page()


async def sign_in(page: Page, demo_data: Demo, key: str) -> None:
    """Open a one-time link for the demo person and press the button, as in any browser."""
    await page.open(await demo_data.link(key))
    await page.click("#signin-button")
    await page.wait("#completeness")


async def test_a_link_signs_in_and_shows_the_communes_completeness(
    page: Page, demo_data: Demo, clock: MutableClock
) -> None:
    await page.open(await demo_data.link("officer"))
    assert not await page.present("#completeness")  # the link alone (a preview) signs nobody in
    await page.click("#signin-button")
    completeness = await page.wait("#completeness")
    assert await page.path() == "/web/"
    cookie = await page.cookie(SESSION_COOKIE)
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    commune = await demo_data.commune("phu_thong")
    async with demo_data.sessions() as session:
        digest = await build(session, commune.id, this_month(clock().astimezone(TZ)), clock(), TZ)
    expected = digest.completeness
    assert expected.expected and expected.reported < expected.expected  # the demo has gaps
    assert f"{round(100 * expected.reported / expected.expected)}%" in completeness

    hamlets = await demo_data.hamlets("phu_thong")
    assert await page.ids("#heatmap tr[data-hamlet-id]", "data-hamlet-id") == set(hamlets)
    assert await page.attributes("#heatmap td[data-state]", "data-state")
    missing_ids = {line.hamlet.id for line in digest.missing}
    assert missing_ids and await page.ids("#missing li[data-hamlet-id]", "data-hamlet-id") == (
        missing_ids
    )
    for line in digest.missing:
        text = await page.wait(f"#missing li[data-hamlet-id='{line.hamlet.id}']")
        assert line.hamlet.name in text
        assert line.head is not None and line.head in text
    await save_screenshots(page)


async def test_filters_narrow_the_incidents_and_a_row_opens_one(
    page: Page, demo_data: Demo, clock: MutableClock
) -> None:
    await sign_in(page, demo_data, "officer")
    await page.open("/web/incidents")
    await page.wait("table#incidents")
    everything = await page.ids("table#incidents tr[data-incident-id]", "data-incident-id")
    weeks = this_month(clock().astimezone(TZ)).weeks
    incidents = [r for r in await demo_data.incidents("phu_thong") if r.week in weeks]
    security = {r.id for r in incidents if r.category == IncidentCategory.SECURITY.value}
    assert security and {r.id for r in incidents} <= everything
    # The map's markers need no network; only its tiles come from another site.
    await page.wait_until(MARKERS_DRAWN)
    assert await page.script("JSON.parse(document.getElementById('incident-points').text).length")
    fetched = await page.script("performance.getEntriesByType('resource').map(e => e.name)")
    assert [url for url in fetched if not url.startswith((page.root, OSM_TILES))] == []

    await page.choose("form#filters select[name=category]", IncidentCategory.SECURITY.value)
    await page.click("#apply-filters")
    await page.wait("table#incidents")
    assert "category=security" in await page.query()
    narrowed = await page.ids("table#incidents tr[data-incident-id]", "data-incident-id")
    assert narrowed == security and narrowed < everything

    chosen = min(security)
    await page.click(f"tr[data-incident-id='{chosen}'] a.incident-link")
    await page.wait("#incident")
    assert await page.path() == f"/web/incidents/{chosen}"
    text = next(r.text for r in incidents if r.id == chosen)
    assert text in await page.wait("#incident-text")
    hamlet = (await demo_data.hamlets("phu_thong"))[
        next(r.unit_id for r in incidents if r.id == chosen)
    ]
    assert hamlet in await page.wait("#incident")


async def test_a_link_works_once(page: Page, new_page: NewPage, demo_data: Demo) -> None:
    link = await demo_data.link("officer")
    await page.open(link)
    await page.click("#signin-button")
    await page.wait("#completeness")

    again = await new_page()
    await again.open(link)
    if await again.present("#signin-button"):
        await again.click("#signin-button")
    await again.wait("#signin-failed")
    assert await again.cookie(SESSION_COOKIE) is None
    await again.open("/web/")
    await again.wait("#signed-out")
    assert not await again.present("#completeness")


async def test_a_link_expires(page: Page, demo_data: Demo, clock: MutableClock) -> None:
    link = await demo_data.link("officer")
    clock.advance(minutes=11)
    await page.open(link)
    if await page.present("#signin-button"):
        await page.click("#signin-button")
    await page.wait("#signin-failed")
    assert await page.cookie(SESSION_COOKIE) is None


async def test_the_mini_app_signs_in_with_telegrams_data(
    page: Page, demo_data: Demo, clock: MutableClock
) -> None:
    await demo_data.telegram_account("officer", TELEGRAM_USER)
    await page.open(mini_app_path(signed_init_data(TELEGRAM_USER, clock())))
    await page.wait_until("location.pathname === '/web/'")
    await page.wait("#completeness")
    assert await page.cookie(SESSION_COOKIE) is not None


@pytest.mark.parametrize("fault", ["forged", "expired"])
async def test_bad_mini_app_data_gives_nothing(
    page: Page, demo_data: Demo, clock: MutableClock, fault: str
) -> None:
    await demo_data.telegram_account("officer", TELEGRAM_USER)
    if fault == "forged":
        init_data = signed_init_data(TELEGRAM_USER, clock(), token="7100200301:not-the-bot-token")
    else:
        init_data = signed_init_data(TELEGRAM_USER, clock() - timedelta(hours=2))
    await page.open(mini_app_path(init_data))
    # The page posts the data; wait until the server has answered it (or the page moved on).
    await page.wait_until(
        "location.pathname !== '/web/app' || performance.getEntriesByType('resource')"
        ".some(e => new URL(e.name).pathname === '/web/app/session')"
    )
    assert not await page.present("#completeness")
    assert await page.cookie(SESSION_COOKIE) is None
    await page.open("/web/")
    await page.wait("#signed-out")
    assert not await page.present("#completeness")


async def test_without_a_session_there_is_nothing(page: Page, demo_data: Demo) -> None:
    incident = (await demo_data.incidents("phu_thong"))[0]
    for path in ("/web/", "/web/incidents", f"/web/incidents/{incident.id}", "/web/models"):
        await page.open(path)
        await page.wait("#signed-out")
        assert incident.text not in await page.source()
    await page.add_cookie(SESSION_COOKIE, "not-a-session")
    await page.open("/web/")
    await page.wait("#signed-out")
    assert not await page.present("#completeness")


async def test_an_officer_of_another_commune_sees_nothing_of_this_one(
    page: Page, demo_data: Demo
) -> None:
    phu_thong = await demo_data.hamlets("phu_thong")
    bach_thong = await demo_data.hamlets("bach_thong")
    await sign_in(page, demo_data, "other-officer")
    assert await page.ids("#heatmap tr[data-hamlet-id]", "data-hamlet-id") == set(bach_thong)
    assert not await page.ids("#missing li[data-hamlet-id]", "data-hamlet-id") & set(phu_thong)
    source = await page.source()
    # "Chính" is also a common word; the other names are not.
    assert not [name for name in phu_thong.values() if name != "Chính" and name in source]

    theirs = await demo_data.incidents("phu_thong")
    await page.open("/web/incidents")
    await page.wait("table#incidents")
    listed = await page.ids("table#incidents tr[data-incident-id]", "data-incident-id")
    assert listed and not listed & {r.id for r in theirs}
    await page.open(f"/web/incidents/{theirs[-1].id}")
    await page.wait("#not-found")
    assert theirs[-1].text not in await page.source()
    await page.open(f"/web/?unit={(await demo_data.commune('phu_thong')).id}")
    await page.wait("#not-found")
    assert not await page.present("#heatmap")


async def test_an_officer_not_cleared_sees_confidential_incidents_as_a_count(
    page: Page, new_page: NewPage, demo_data: Demo
) -> None:
    text = "Nghi có nhóm tụ tập đánh bạc ở nhà văn hóa thôn."
    secret = await demo_data.confidential_incident("Nà Mò", days_ago=3, text=text)
    await sign_in(page, demo_data, "commune-deputy")
    await page.open("/web/incidents")
    await page.wait("table#incidents")
    assert re.search(r"(?<!\d)1(?!\d)", await page.wait("#confidential-count"))
    listed = await page.ids("table#incidents tr[data-incident-id]", "data-incident-id")
    assert listed and secret not in listed
    assert text not in await page.source()
    await page.open(f"/web/incidents/{secret}")
    await page.wait("#not-found")
    assert text not in await page.source()

    cleared = await new_page()
    await sign_in(cleared, demo_data, "officer")
    await cleared.open("/web/incidents")
    await cleared.wait("table#incidents")
    assert secret in await cleared.ids("table#incidents tr[data-incident-id]", "data-incident-id")
    assert not await cleared.present("#confidential-count")
    await cleared.open(f"/web/incidents/{secret}")
    assert text in await cleared.wait("#incident-text")


async def test_signing_out_ends_the_session(page: Page, demo_data: Demo) -> None:
    await sign_in(page, demo_data, "officer")
    await page.click("#signout")
    await page.open("/web/")
    await page.wait("#signed-out")
    assert not await page.present("#completeness")


async def test_a_hamlet_head_is_not_an_officer(page: Page, demo_data: Demo) -> None:
    await page.open(await demo_data.link("hamlet-head"))
    await page.click("#signin-button")
    await page.wait("#not-officer")
    assert not await page.present("#completeness")
    await page.open("/web/incidents")
    await page.wait("#not-officer")
    assert not await page.present("table#incidents")
