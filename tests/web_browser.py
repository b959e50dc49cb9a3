"""The officers' pages in a real headless chromium: the server, the browser and the demo people.

The app runs in the test's event loop (aiohttp's AppRunner on 127.0.0.1, a free port) over a
SQLite copy of the demo data; every selenium call blocks, so `Page` runs each one in a thread
and the loop stays free to answer the browser. Debian's chromium and chromedriver are used
at fixed paths, so Selenium Manager never runs (it would download a driver). Without them the
tests are skipped, unless TUQUAN_REQUIRE_BROWSER=1 (set in CI) makes that a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.web import initdata
from storage import demo, reports, units, web_access
from storage.clock import iso_week
from storage.enums import Channel, IncidentCategory, IncidentStatus, ReportKind, UnitKind
from storage.models import Identity, Report, Unit

REQUIRE_ENV = "TUQUAN_REQUIRE_BROWSER"
SCREENSHOTS_ENV = "TUQUAN_SCREENSHOTS"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    # Only the server under test: no map tiles from OpenStreetMap's servers, the same offline
    # or on a CI machine with network.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT_SECONDS = 15
BOT_TOKEN = "7100200301:AAH-web-pages-test-token-0123456789ab"
SESSION_COOKIE = "tuquan_session"
# Leaflet has drawn one marker for each point of the page's JSON island.
MARKERS_DRAWN = (
    "document.querySelectorAll('#map .leaflet-interactive').length === "
    "JSON.parse(document.getElementById('incident-points').textContent).length"
)

T = TypeVar("T")


def require_browser() -> None:
    """Return when chromium and chromedriver are there; else skip (fail when CI requires)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return
    problem = f"not installed: {', '.join(missing)}"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{problem}, and {REQUIRE_ENV}=1 requires the browser tests")
    pytest.skip(problem)


def start_chromium(size: tuple[int, int] = DESKTOP) -> WebDriver:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.add_argument("--lang=vi")
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER), env=_real_time()), options=options)


def _real_time() -> dict[str, str]:
    """The browser on the machine's own clock: libfaketime (`make test-moved-date`) stalls
    chromium, and what the test moves is the server's date, which the pages are made at."""
    moved = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")
    return {name: value for name, value in os.environ.items() if name not in moved}


def _another_page_loaded(driver: WebDriver) -> bool:
    try:
        return bool(
            driver.execute_script(
                "return window.tuquanBefore === undefined && document.readyState === 'complete'"
            )
        )
    except WebDriverException:  # the page is being replaced
        return False


class WebServer:
    """The app on 127.0.0.1 with a port the system picked, in the running event loop."""

    def __init__(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self.root = ""

    async def __aenter__(self) -> WebServer:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.root = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._runner.cleanup()


class Page:
    """One chromium (its own cookies: a fresh browser context); every call runs in a thread."""

    def __init__(self, driver: WebDriver, root: str) -> None:
        self.driver = driver
        self.root = root

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.to_thread(call)

    def _wait(self) -> WebDriverWait[WebDriver]:
        return WebDriverWait(self.driver, WAIT_SECONDS)

    async def open(self, path: str) -> None:
        await self._run(lambda: self.driver.get(self.root + path))

    async def wait(self, css: str) -> str:
        """The element's text once it is on the page."""

        def find() -> str:
            located = expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
            return str(self._wait().until(located).text)

        return await self._run(find)

    async def present(self, css: str) -> bool:
        return bool(await self._run(lambda: self.driver.find_elements(By.CSS_SELECTOR, css)))

    async def texts(self, css: str) -> list[str]:
        def read() -> list[str]:
            return [str(e.text) for e in self.driver.find_elements(By.CSS_SELECTOR, css)]

        return await self._run(read)

    async def attributes(self, css: str, name: str) -> list[str]:
        def read() -> list[str]:
            found = (e.get_attribute(name) for e in self.driver.find_elements(By.CSS_SELECTOR, css))
            return [value for value in found if value is not None]

        return await self._run(read)

    async def ids(self, css: str, name: str) -> set[int]:
        return {int(value) for value in await self.attributes(css, name)}

    async def click(self, css: str) -> None:
        """Press it and wait for the page it leads to (or for it to stay, if it does not)."""

        def press() -> None:
            # A mark on this page's window: gone once another page is loaded. (Waiting for an
            # element to go stale also meets chromium's "node does not belong to the
            # document", raised as an unknown error while the page changes.)
            self.driver.execute_script("window.tuquanBefore = true;")
            clickable = expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, css))
            self._wait().until(clickable).click()
            try:
                self._wait().until(_another_page_loaded)
            except TimeoutException:
                return

        await self._run(press)

    async def choose(self, css: str, value: str) -> None:
        def pick() -> None:
            Select(self.driver.find_element(By.CSS_SELECTOR, css)).select_by_value(value)

        await self._run(pick)

    async def path(self) -> str:
        return urlsplit(await self._run(lambda: str(self.driver.current_url))).path

    async def query(self) -> str:
        return urlsplit(await self._run(lambda: str(self.driver.current_url))).query

    async def source(self) -> str:
        return await self._run(lambda: str(self.driver.page_source))

    async def cookie(self, name: str) -> dict[str, Any] | None:
        return await self._run(lambda: self.driver.get_cookie(name))

    async def add_cookie(self, name: str, value: str) -> None:
        await self._run(
            lambda: self.driver.add_cookie({"name": name, "value": value, "path": "/web"})
        )

    async def wait_until(self, script: str) -> None:
        """Until the JavaScript expression is true."""
        await self._run(lambda: self._wait().until(lambda d: d.execute_script(f"return {script}")))

    async def script(self, script: str) -> Any:
        return await self._run(lambda: self.driver.execute_script(f"return {script}"))

    async def screenshot(self, file: Path) -> None:
        await self._run(lambda: self.driver.save_screenshot(str(file)))

    async def resize(self, size: tuple[int, int]) -> None:
        await self._run(lambda: self.driver.set_window_size(*size))

    async def close(self) -> None:
        await self._run(self.driver.quit)


@dataclass(frozen=True)
class Demo:
    """The demo data the pages are checked against, read from the same database."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    tz: ZoneInfo

    async def person(self, key: str) -> int:
        """The person behind a demo account ("officer", "other-officer", ...)."""
        external_id = demo.DEMO_IDENTITIES[key].external_id
        async with self.sessions() as session:
            found = await session.scalar(
                select(Identity.person_id).where(Identity.external_id == external_id)
            )
        assert found is not None, key
        return found

    async def commune(self, key: str) -> Unit:
        async with self.sessions() as session:
            found = await units.resolve(session, demo.COMMUNES[key], (UnitKind.COMMUNE,))
        assert found is not None, key
        return found

    async def hamlets(self, key: str) -> dict[int, str]:
        """The commune's hamlets: id → name."""
        commune = await self.commune(key)
        async with self.sessions() as session:
            found = await session.execute(
                select(Unit.id, Unit.name).where(
                    Unit.parent_id == commune.id, Unit.kind == UnitKind.HAMLET
                )
            )
            return {row.id: row.name for row in found}

    async def incidents(self, key: str) -> list[Report]:
        """The commune's incidents, oldest first."""
        hamlet_ids = list(await self.hamlets(key))
        async with self.sessions() as session:
            found = await session.execute(
                select(Report)
                .where(Report.kind == ReportKind.INCIDENT, Report.unit_id.in_(hamlet_ids))
                .order_by(Report.id)
            )
            return list(found.scalars())

    async def link(self, key: str) -> str:
        """A one-time sign-in link's path for the demo person, issued now."""
        person_id = await self.person(key)
        async with self.sessions() as session, session.begin():
            token = await web_access.issue_link(session, person_id, self.clock())
        return f"/web/signin/{token}"

    async def telegram_account(self, key: str, telegram_user_id: int) -> None:
        """Give the demo person a Telegram account, as `/start` in the chat would."""
        person_id = await self.person(key)
        async with self.sessions() as session, session.begin():
            session.add(
                Identity(
                    person_id=person_id,
                    channel=Channel.TELEGRAM,
                    external_id=str(telegram_user_id),
                    chat_key=str(telegram_user_id),
                    display_name=demo.DEMO_PEOPLE[key],
                    created_at=self.clock(),
                )
            )

    async def confidential_incident(self, hamlet_name: str, days_ago: int, text: str) -> int:
        """A social-evils report (confidential by its category) in a demo hamlet."""
        async with self.sessions() as session, session.begin():
            hamlet = await session.scalar(
                select(Unit).where(
                    Unit.name == hamlet_name, Unit.kind == UnitKind.HAMLET, Unit.is_demo
                )
            )
            assert hamlet is not None, hamlet_name
            occurred = self.clock() - timedelta(days=days_ago)
            category = IncidentCategory.SOCIAL_EVILS
            report = Report(
                unit_id=hamlet.id,
                kind=ReportKind.INCIDENT,
                category=category.value,
                text=text,
                urgent=category.urgent_by_default,
                sensitive=category.confidential,
                status=IncidentStatus.OPEN,
                occurred_at=occurred,
                received_at=occurred + timedelta(hours=1),
                week=iso_week(occurred.astimezone(self.tz)),
                is_demo=True,
            )
            await reports.add(session, report, [], Channel.CONSOLE, None)
            return report.id


def mini_app_path(init_data: str) -> str:
    """The Mini App's address as Telegram opens it: the signed data in the fragment."""
    fragment = f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0"
    return f"/web/app#{fragment}&tgWebAppPlatform=android"


def signed_init_data(telegram_user_id: int, auth_date: datetime, token: str = BOT_TOKEN) -> str:
    user = {"id": telegram_user_id, "first_name": "Hoa", "last_name": "Nông", "language_code": "vi"}
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(auth_date.timestamp())),
    }
    return initdata.sign(fields, token)


async def save_screenshots(page: Page) -> list[Path]:
    """Pictures of the overview and the incidents map for the docs, into the folder named by
    TUQUAN_SCREENSHOTS; nothing when it is not set. The page must be signed in."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if not folder:
        return []
    target = Path(folder)
    await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
    saved: list[Path] = []
    for size, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        await page.resize(size)
        await page.open("/web/")
        await page.wait("#completeness")
        saved.append(target / f"web-overview{suffix}.png")
        await page.screenshot(saved[-1])
        await page.open("/web/incidents")
        await page.wait("#map")
        # The tiles may never come without network; the markers do.
        await page.wait_until(MARKERS_DRAWN)
        await asyncio.sleep(0.3)
        saved.append(target / f"web-incidents{suffix}.png")
        await page.screenshot(saved[-1])
    await page.resize(DESKTOP)
    return saved
