"""The officers' pages over HTTP on the demo data: sign-in and sign-out, who sees what, the
pages' weight and headers. (The same pages in a real browser: tests/test_web_browser.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import cast

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.web import initdata
from bot.web.app import web_app
from storage import demo, inbox, reports, web_access
from storage.clock import iso_week
from storage.db import create_engine, session_factory
from storage.enums import (
    Channel,
    IncidentCategory,
    IncidentStatus,
    MediaStatus,
    ReportKind,
    UnitKind,
)
from storage.models import Identity, MediaFile, Report, ReportPhoto, Unit
from tests.databases import TZ, SqliteTemplates
from tests.support import MutableClock

BOT_TOKEN = "7100200301:AAH-web-pages-unit-test-token-0123456789"
PAGE_BUDGET = 200_000
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
Sessions = async_sessionmaker[AsyncSession]
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def web_sessions(
    tmp_path: Path, sqlite_templates: SqliteTemplates
) -> AsyncIterator[Sessions]:
    engine = create_engine(sqlite_templates.fresh(tmp_path))
    yield session_factory(engine)
    await engine.dispose()


def settings(public_url: str | None = None) -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token=SecretStr(BOT_TOKEN),
        public_url=public_url,
        web_listen="127.0.0.1:8088",
        locale="vi",
    )


@pytest.fixture
async def client(web_sessions: Sessions, clock: MutableClock) -> AsyncIterator[Client]:
    async with TestClient(TestServer(web_app(web_sessions, settings(), clock))) as running:
        yield running


def another_browser(client: Client) -> Client:
    """A browser of its own cookies on the same server; closing it closes the server."""
    return cast(Client, TestClient(client.server))


async def person(sessions: Sessions, key: str) -> int:
    external_id = demo.DEMO_IDENTITIES[key].external_id
    async with sessions() as session:
        found = await session.scalar(
            select(Identity.person_id).where(Identity.external_id == external_id)
        )
    assert found is not None
    return found


async def link(sessions: Sessions, clock: MutableClock, key: str) -> str:
    async with sessions() as session, session.begin():
        token = await web_access.issue_link(session, await person(sessions, key), clock())
    return f"/web/signin/{token}"


async def press_sign_in(client: Client, path: str) -> ClientResponse:
    page = await client.get(path)
    assert page.status == 200
    html = await page.text()
    assert 'id="signin-button"' in html
    found = FORM_TOKEN.search(html)
    assert found is not None
    return await client.post(path, data={"form_token": found.group(1)}, allow_redirects=False)


async def sign_in(client: Client, sessions: Sessions, clock: MutableClock, key: str) -> None:
    answer = await press_sign_in(client, await link(sessions, clock, key))
    assert answer.status == 303, await answer.text()


async def demo_incident(sessions: Sessions, commune: str) -> int:
    """An incident, not confidential, of one of the demo commune's hamlets."""
    hamlets = [name for key, _, name, _ in demo.HAMLETS if key == commune]
    async with sessions() as session:
        found = await session.scalar(
            select(Report.id)
            .join(Unit, Unit.id == Report.unit_id)
            .where(
                Report.kind == ReportKind.INCIDENT,
                Report.sensitive.is_(False),
                Unit.name.in_(hamlets),
                Unit.kind == UnitKind.HAMLET,
            )
            .limit(1)
        )
    assert found is not None, commune
    return found


DATA_PAGES = (
    "/web/",
    "/web/incidents",
    "/web/incidents/1",
    "/web/models",
    "/web/downloads",
    "/web/downloads/workbook.xlsx",
    "/web/photos/1",
)


async def test_without_a_session_no_page_shows_data(client: Client) -> None:
    for path in DATA_PAGES:
        answer = await client.get(path, allow_redirects=False)
        assert answer.status == 303, path
        assert answer.headers["Location"] == "/web/signed-out"
        assert "Phủ Thông" not in await answer.text()
    told = await client.get("/web/")
    assert told.status == 200
    html = await told.text()
    assert 'id="signed-out"' in html and "/web" in html
    assert "Phủ Thông" not in html


async def test_a_link_signs_in_once(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    path = await link(web_sessions, clock, "officer")
    preview = await client.get(path)  # a link preview's GET does not use the link up
    assert preview.status == 200
    answer = await press_sign_in(client, path)
    assert answer.status == 303
    assert answer.headers["Location"] == "/web/"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("tuquan_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/web" in cookie
    assert "Secure" not in cookie
    assert (await client.get("/web/")).status == 200

    async with another_browser(client) as other:
        again = await press_sign_in(other, path)
        assert again.status == 410
        assert 'id="signin-failed"' in await again.text()
        assert "tuquan_session" not in again.headers.get("Set-Cookie", "")
        assert (await other.get("/web/", allow_redirects=False)).status == 303


async def test_a_link_expires_and_a_forged_form_is_refused(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    path = await link(web_sessions, clock, "officer")
    forged = await client.post(path, data={"form_token": "guessed"}, allow_redirects=False)
    assert forged.status == 403
    assert "tuquan_session" not in forged.headers.get("Set-Cookie", "")
    clock.advance(minutes=11)
    late = await press_sign_in(client, path)
    assert late.status == 410
    assert 'id="signin-failed"' in await late.text()


async def test_the_cookie_is_secure_behind_https(
    web_sessions: Sessions, clock: MutableClock
) -> None:
    app = web_app(web_sessions, settings("https://tuquan.example.vn"), clock)
    path = await link(web_sessions, clock, "officer")
    async with TestClient(TestServer(app)) as https_client:
        page = await https_client.get(path)
        assert "Secure" in page.headers["Set-Cookie"]
        form = FORM_TOKEN.search(await page.text())
        assert form is not None
        # The test's client speaks plain HTTP, so it would keep a Secure cookie to itself.
        answer = await https_client.post(
            path,
            data={"form_token": form.group(1)},
            headers={"Cookie": f"tuquan_form={form.group(1)}"},
            allow_redirects=False,
        )
        assert answer.status == 303
        assert "Secure" in answer.headers["Set-Cookie"]


async def test_signout_ends_the_session(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    await sign_in(client, web_sessions, clock, "officer")
    html = await (await client.get("/web/")).text()
    assert 'id="signout"' in html
    forged = await client.post("/web/signout", data={"form_token": "x"}, allow_redirects=False)
    assert forged.status == 403
    assert (await client.get("/web/", allow_redirects=False)).status == 200
    token = FORM_TOKEN.search(html)
    assert token is not None
    out = await client.post(
        "/web/signout", data={"form_token": token.group(1)}, allow_redirects=False
    )
    assert out.status == 303
    assert out.headers["Location"] == "/web/signed-out"
    assert (await client.get("/web/", allow_redirects=False)).status == 303


async def test_the_overview_shows_the_demo_commune(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    await sign_in(client, web_sessions, clock, "officer")
    answer = await client.get("/web/")
    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    html = await answer.text()
    assert "Phủ Thông" in html
    assert re.search(r'id="completeness">\s*<span class="value">\d+%', html)
    assert 'id="heatmap"' in html and "data-hamlet-id=" in html and 'data-state="' in html
    assert "Nà Phải" in html
    for key in ("2026-W48", "2026-W47", "2026-11", "2026-10"):
        assert f"period={key}" in html
    week = await client.get("/web/?period=2026-W47")
    assert week.status == 200
    assert "Tuần 47" in await week.text()


async def test_the_pages_are_the_officers_own(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    phu_thong_incident = await demo_incident(web_sessions, "phu_thong")
    await sign_in(client, web_sessions, clock, "other-officer")
    for path in (
        "/web/incidents/999999",
        "/web/incidents/abc",
        f"/web/incidents/{phu_thong_incident}",
        "/web/?unit=1",
        "/web/?period=soon",
        "/web/photos/999999",
        "/web/downloads/secrets.xlsx",
    ):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status == 404, path
        assert 'id="not-found"' in await answer.text()
    # Closing this client closes the shared server too: it comes last.
    async with another_browser(client) as own:
        await sign_in(own, web_sessions, clock, "officer")
        assert (await own.get(f"/web/incidents/{phu_thong_incident}")).status == 200


async def test_a_person_with_no_officer_role_sees_no_data(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    await sign_in(client, web_sessions, clock, "resident")
    answer = await client.get("/web/")
    assert answer.status == 403
    html = await answer.text()
    assert 'id="not-officer"' in html and "Phủ Thông" not in html


async def test_incidents_list_map_points_and_one_incident(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    await sign_in(client, web_sessions, clock, "officer")
    html = await (await client.get("/web/incidents")).text()
    assert 'id="filters"' in html and 'id="apply-filters"' in html
    ids = [int(i) for i in re.findall(r'data-incident-id="(\d+)"', html)]
    assert ids
    island = re.search(r'id="incident-points">(.*?)</script>', html, re.S)
    assert island is not None
    points = json.loads(island.group(1))
    assert {p["id"] for p in points} <= set(ids)
    assert "/web/static/leaflet/leaflet.js" in html
    one = await client.get(f"/web/incidents/{ids[0]}")
    assert one.status == 200
    text = await one.text()
    assert 'id="incident-text"' in text and 'id="timeline"' in text
    leaflet = await client.get("/web/static/leaflet/leaflet.js")
    assert leaflet.status == 200


async def test_pages_weigh_under_the_budget_and_carry_the_headers(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    await sign_in(client, web_sessions, clock, "province-officer")
    for path in ("/web/", "/web/incidents", "/web/models", "/web/downloads"):
        answer = await client.get(path)
        assert answer.status == 200, path
        html = await answer.read()
        assets = re.findall(rb'(?:href|src)="(/web/static/(?!leaflet/)[^"]+)"', html)
        weight = len(html)
        for asset in assets:
            weight += len(await (await client.get(asset.decode())).read())
        assert weight < PAGE_BUDGET, (path, weight)
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "https://tile.openstreetmap.org" in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"


async def test_a_download_is_the_chats_file(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    await sign_in(client, web_sessions, clock, "officer")
    page = await (await client.get("/web/downloads")).text()
    assert 'id="download-xlsx"' in page and 'id="download-docx"' in page
    xlsx = await client.get("/web/downloads/workbook.xlsx?period=2026-11")
    assert xlsx.status == 200
    assert "attachment" in xlsx.headers["Content-Disposition"]
    assert (await xlsx.read())[:2] == b"PK"


async def test_the_mini_app_signs_in_with_telegrams_data(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    person_id = await person(web_sessions, "officer")
    async with web_sessions() as session, session.begin():
        session.add(
            Identity(
                person_id=person_id,
                channel=Channel.TELEGRAM,
                external_id="424242",
                chat_key="424242",
                display_name="Nông Thị Hoa",
                created_at=clock(),
            )
        )
    entry = await (await client.get("/web/app")).text()
    form = re.search(r'data-form-token="([^"]+)"', entry)
    assert form is not None and "/web/static/miniapp.js" in entry

    def signed(age: timedelta) -> str:
        fields = {
            "user": json.dumps({"id": 424242, "first_name": "Hoa"}),
            "auth_date": str(int((clock() - age).astimezone(UTC).timestamp())),
        }
        return initdata.sign(fields, BOT_TOKEN)

    old = {"init_data": signed(timedelta(hours=2)), "form_token": form.group(1)}
    refused = await client.post("/web/app/session", data=old)
    assert refused.status == 403
    assert (await client.get("/web/", allow_redirects=False)).status == 303
    fresh = {"init_data": signed(timedelta(minutes=1)), "form_token": form.group(1)}
    answer = await client.post("/web/app/session", data=fresh)
    assert answer.status == 204
    assert "HttpOnly" in answer.headers["Set-Cookie"]
    assert (await client.get("/web/", allow_redirects=False)).status == 200


async def confidential_incident(sessions: Sessions, clock: MutableClock, hamlet: str) -> int:
    """A social-evils report (confidential by its category) in a demo hamlet, this week."""
    async with sessions() as session, session.begin():
        unit = await session.scalar(
            select(Unit).where(Unit.name == hamlet, Unit.kind == UnitKind.HAMLET, Unit.is_demo)
        )
        assert unit is not None
        category = IncidentCategory.SOCIAL_EVILS
        report = Report(
            unit_id=unit.id,
            kind=ReportKind.INCIDENT,
            category=category.value,
            text="Nghi có người tụ tập đánh bạc ở nhà văn hoá.",
            urgent=category.urgent_by_default,
            sensitive=category.confidential,
            status=IncidentStatus.OPEN,
            occurred_at=clock() - timedelta(hours=3),
            received_at=clock() - timedelta(hours=2),
            week=iso_week(clock().astimezone(TZ)),
            is_demo=True,
        )
        await reports.add(session, report, [], Channel.CONSOLE, None)
        return report.id


async def test_a_confidential_incident_is_a_count_for_an_officer_not_cleared(
    client: Client, web_sessions: Sessions, clock: MutableClock
) -> None:
    secret = await confidential_incident(web_sessions, clock, "Nà Phải")
    await sign_in(client, web_sessions, clock, "commune-deputy")
    html = await (await client.get("/web/incidents?period=2026-W48")).text()
    assert re.search(r'id="confidential-count"[^>]*data-count="1"', html)
    assert f'data-incident-id="{secret}"' not in html and "đánh bạc" not in html
    assert (await client.get(f"/web/incidents/{secret}")).status == 404
    async with another_browser(client) as cleared:
        await sign_in(cleared, web_sessions, clock, "officer")
        listed = await (await cleared.get("/web/incidents?period=2026-W48")).text()
        assert f'data-incident-id="{secret}"' in listed
        assert 'id="confidential-count"' not in listed
        opened = await cleared.get(f"/web/incidents/{secret}")
        assert "đánh bạc" in await opened.text()


async def test_a_copied_photo_is_shown_to_the_officers_who_may_read_its_incident(
    web_sessions: Sessions, clock: MutableClock, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    (media / "zalo").mkdir(parents=True)
    picture = b"\xff\xd8\xff\xe0 a photo of the landslide"
    (media / "zalo" / "7.jpg").write_bytes(picture)
    url = "https://photo-stal.zdn.vn/landslide.jpg"
    incident = await demo_incident(web_sessions, "phu_thong")
    async with web_sessions() as session, session.begin():
        inbox_id = await inbox.store(
            session, channel="zalo", update_key="web-photo", user_key="zl-1", chat_key="zl-1",
            event={}, now=clock(),
        )  # fmt: skip
        assert inbox_id is not None
        shown = ReportPhoto(report_id=incident, channel=Channel.ZALO, file_ref=url, position=0)
        copy = MediaFile(
            inbox_id=inbox_id, channel=Channel.ZALO, source_url=url, status=MediaStatus.DONE,
            local_path="zalo/7.jpg", content_type="image/jpeg", created_at=clock(),
        )  # fmt: skip
        session.add_all([copy, shown])
        await session.flush()
        address = f"/web/photos/{shown.id}"
    served = settings().model_copy(update={"media_dir": media})
    async with TestClient(TestServer(web_app(web_sessions, served, clock))) as officer:
        await sign_in(officer, web_sessions, clock, "officer")
        assert address in await (await officer.get(f"/web/incidents/{incident}")).text()
        answer = await officer.get(address)
        assert answer.status == 200 and await answer.read() == picture
        async with cast(Client, TestClient(officer.server)) as other:
            await sign_in(other, web_sessions, clock, "other-officer")
            assert (await other.get(address)).status == 404
