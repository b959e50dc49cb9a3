"""Copying Zalo's photo links: only Zalo's CDN over https, never an address inside, one
deadline and a size cap per photo, a slow server holding back only its own photo, and links
of any length kept with the report.

Servers run on loopback: 127.0.0.2 stands for Zalo's CDN (let in by the fetcher's
`allowed_addresses`), 127.0.0.1 for what lies inside. Names are resolved by a fixed table in
place of DNS. The redirect tests speak real TLS with a certificate made for the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import ZALO_MEDIA_HOSTS, Settings
from bot.zalo.media import MediaFetcher
from bot.zalo.media_rules import FetchPolicy, Reach, Refused
from storage.enums import Channel, MediaStatus
from storage.models import MediaFile, ReportPhoto
from tests.support import MutableClock
from tests.test_zalo_transport import media_row, queue_photo
from tests.zalo_rig import as_head, running_bot, wait_for

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"
CDN = "127.0.0.2"
INSIDE = "127.0.0.1"
NAMES = {
    "photo.zdn.vn": CDN,
    "photo.example.com": CDN,
    "inside.zdn.vn": INSIDE,
    "metadata.zdn.vn": "169.254.169.254",
    "lan.zdn.vn": "10.20.30.40",
}
LOOPBACK = Reach(
    hosts=(INSIDE,), allowed_addresses=frozenset({ip_address(INSIDE)}), allow_http=True
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FixedNames(AbstractResolver):
    """DNS for the tests: each name has one address."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = NAMES.get(host)
        if address is None:
            raise OSError(f"unknown name {host}")
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


@dataclass
class Server:
    port: int
    requests: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def serving(
    routes: Mapping[str, Handler], host: str = INSIDE, tls: ssl.SSLContext | None = None
) -> AsyncIterator[Server]:
    listener = socket.socket()
    listener.bind((host, 0))
    server = Server(listener.getsockname()[1])

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        server.requests.append(request.path)
        return await handler(request)

    app = web.Application(middlewares=[record])
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.SockSite(runner, listener, ssl_context=tls).start()
    try:
        yield server
    finally:
        await runner.cleanup()


async def photo(request: web.Request) -> web.Response:
    return web.Response(body=PHOTO, content_type="image/jpeg")


async def trickle(request: web.Request) -> web.StreamResponse:
    """One byte a second, for longer than any test waits."""
    response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        for _ in range(120):
            await response.write(b"\xff")
            await asyncio.sleep(1)
    return response


async def endless(request: web.Request) -> web.StreamResponse:
    """No Content-Length, and more bytes than the cap."""
    response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        for _ in range(64):
            await response.write(b"\xff" * 1024)
    return response


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tls]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    names = ",".join(f"DNS:{name}" for name in NAMES) + f",IP:{CDN},IP:{INSIDE}"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2"),
            *("-subj", "/CN=photo.zdn.vn", "-addext", f"subjectAltName={names}"),
        ],
        check=True,
        capture_output=True,
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    yield Tls(server, ssl.create_default_context(cafile=str(cert)))


def fetcher_for(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    clock: MutableClock,
    policy: FetchPolicy,
    tls: Tls | None = None,
) -> MediaFetcher:
    return MediaFetcher(
        sessions,
        tmp_path / "media",
        "zalo",
        policy=policy,
        clock=clock,
        resolver=FixedNames(),
        ssl_context=tls.client if tls else None,
    )


async def copied(sessions: async_sessionmaker[AsyncSession], inbox_id: int) -> bool:
    return (await media_row(sessions, inbox_id)).status is MediaStatus.DONE


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://photo.zdn.vn/a.jpg", "not https"),
        ("ftp://photo.zdn.vn/a.jpg", "not https"),
        ("https://photo.example.com/a.jpg", "host not allowed"),
        ("https://zdn.vn.example.com/a.jpg", "host not allowed"),
        ("https://evilzdn.vn/a.jpg", "host not allowed"),
        ("https://127.0.0.1/a.jpg", "host not allowed"),
        ("https:///a.jpg", "no host"),
    ],
)
def test_only_https_links_to_the_listed_hosts_are_fetched(url: str, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        Reach().check_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://f21-zpc.zdn.vn/1/a.jpg", "https://PHOTO-STAL-24.ZDN.VN./b", "https://zadn.vn/c"],
)
def test_links_on_zalos_cdn_pass_the_url_check(url: str) -> None:
    Reach().check_url(url)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",
    ],
)
def test_no_address_inside_or_special_is_reached(address: str) -> None:
    with pytest.raises(Refused, match="address not public"):
        Reach().check_address(ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "203.162.4.190", "2001:4860:4860::8888"])
def test_public_addresses_pass(address: str) -> None:
    Reach().check_address(ip_address(address))


def test_the_hosts_setting_defaults_to_zalos_cdn_and_reads_a_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TUQUAN_ZALO_MEDIA_HOSTS", raising=False)
    assert Settings(_env_file=None).zalo_media_host_suffixes == ZALO_MEDIA_HOSTS
    assert {"zdn.vn", "zadn.vn"} <= set(ZALO_MEDIA_HOSTS)
    monkeypatch.setenv("TUQUAN_ZALO_MEDIA_HOSTS", " cdn.example.vn, .Zdn.VN ,,")
    configured = Settings(_env_file=None)
    assert configured.zalo_media_host_suffixes == ("cdn.example.vn", "zdn.vn")


async def test_an_http_link_is_refused_for_good_without_a_request(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, clock: MutableClock
) -> None:
    reach = Reach(allowed_addresses=frozenset({ip_address(CDN)}))
    async with serving({"/a.jpg": photo}, host=CDN) as cdn:
        inbox_id = await queue_photo(sessions, f"http://photo.zdn.vn:{cdn.port}/a.jpg", "h1")
        fetcher = fetcher_for(sessions, tmp_path, clock, FetchPolicy(reach=reach))
        try:
            await fetcher.fetch_due()
            clock.advance(hours=2)
            assert await fetcher.fetch_due() == 0
        finally:
            await fetcher.aclose()
    row = await media_row(sessions, inbox_id)
    assert (row.status, row.attempts, row.error) == (MediaStatus.FAILED, 1, "refused: not https")
    assert cdn.requests == []


async def test_a_host_not_listed_is_refused_even_on_an_allowed_address(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, clock: MutableClock, tls: Tls
) -> None:
    reach = Reach(allowed_addresses=frozenset({ip_address(CDN)}))
    async with serving({"/a.jpg": photo}, host=CDN, tls=tls.server) as cdn:
        inbox_id = await queue_photo(sessions, f"https://photo.example.com:{cdn.port}/a.jpg", "h2")
        fetcher = fetcher_for(sessions, tmp_path, clock, FetchPolicy(reach=reach), tls)
        try:
            await fetcher.fetch_due()
        finally:
            await fetcher.aclose()
    row = await media_row(sessions, inbox_id)
    assert (row.status, row.error) == (MediaStatus.FAILED, "refused: host not allowed")
    assert cdn.requests == []


REDIRECT_REACH = Reach(
    hosts=("zdn.vn", INSIDE, "169.254.169.254", "10.20.30.40", "::1"),
    allowed_addresses=frozenset({ip_address(CDN)}),
)


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("https://127.0.0.1:{inside}/secret", "refused: address not public"),
        ("https://inside.zdn.vn:{inside}/secret", "refused: address not public"),
        ("https://[::1]:{inside}/secret", "refused: address not public"),
        ("https://169.254.169.254/latest/meta-data/", "refused: address not public"),
        ("https://metadata.zdn.vn/latest/meta-data/", "refused: address not public"),
        ("https://10.20.30.40/x.jpg", "refused: address not public"),
        ("https://lan.zdn.vn/x.jpg", "refused: address not public"),
        ("http://photo.zdn.vn:{cdn}/a.jpg", "refused: not https"),
        ("https://photo.example.com:{cdn}/a.jpg", "refused: host not allowed"),
    ],
)
async def test_a_redirect_inside_is_refused_before_connecting(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    clock: MutableClock,
    tls: Tls,
    target: str,
    error: str,
) -> None:
    location: dict[str, str] = {}

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(location["to"])

    async with (
        serving({"/secret": photo}, host=INSIDE, tls=tls.server) as inside,
        serving({"/moved": moved, "/a.jpg": photo}, host=CDN, tls=tls.server) as cdn,
    ):
        location["to"] = target.format(inside=inside.port, cdn=cdn.port)
        inbox_id = await queue_photo(sessions, f"https://photo.zdn.vn:{cdn.port}/moved", "r1")
        policy = FetchPolicy(deadline=5.0, reach=REDIRECT_REACH)
        fetcher = fetcher_for(sessions, tmp_path, clock, policy, tls)
        try:
            await fetcher.fetch_due()
        finally:
            await fetcher.aclose()
    row = await media_row(sessions, inbox_id)
    assert (row.status, row.attempts, row.error) == (MediaStatus.FAILED, 1, error)
    assert cdn.requests == ["/moved"] and inside.requests == []


async def test_redirects_within_the_cdn_are_followed_over_tls_up_to_a_bound(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, clock: MutableClock, tls: Tls
) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/a.jpg")

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("/loop")

    routes = {"/moved": moved, "/loop": loop, "/a.jpg": photo}
    async with serving(routes, host=CDN, tls=tls.server) as cdn:
        good = await queue_photo(sessions, f"https://photo.zdn.vn:{cdn.port}/moved", "r2")
        looping = await queue_photo(sessions, f"https://photo.zdn.vn:{cdn.port}/loop", "r3")
        fetcher = fetcher_for(sessions, tmp_path, clock, FetchPolicy(reach=REDIRECT_REACH), tls)
        try:
            assert await fetcher.fetch_due() == 2
        finally:
            await fetcher.aclose()
    row = await media_row(sessions, good)
    assert row.status is MediaStatus.DONE and row.local_path is not None
    assert (tmp_path / "media" / row.local_path).read_bytes() == PHOTO
    endless_row = await media_row(sessions, looping)
    assert (endless_row.status, endless_row.error) == (
        MediaStatus.FAILED,
        "refused: too many redirects",
    )
    assert cdn.requests.count("/loop") == REDIRECT_REACH.max_redirects + 1


async def test_a_trickling_server_ends_at_the_deadline_and_holds_back_no_other_photo(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, clock: MutableClock
) -> None:
    loop = asyncio.get_running_loop()
    async with serving({"/slow.jpg": trickle, "/fast.jpg": photo}) as server:
        base = f"http://{INSIDE}:{server.port}"
        slow = await queue_photo(sessions, f"{base}/slow.jpg", "t1")
        fast = await queue_photo(sessions, f"{base}/fast.jpg", "t2")
        policy = FetchPolicy(deadline=2.0, reach=LOOPBACK)
        fetcher = fetcher_for(sessions, tmp_path, clock, policy)
        started = loop.time()
        try:
            batch = asyncio.create_task(fetcher.fetch_due())
            await wait_for(lambda: copied(sessions, fast), "the fast photo", within=10)
            assert (await media_row(sessions, slow)).attempts == 0  # still downloading
            assert await asyncio.wait_for(batch, 10) == 2
        finally:
            await fetcher.aclose()
    elapsed = loop.time() - started
    row = await media_row(sessions, slow)
    assert (row.status, row.attempts, row.error) == (MediaStatus.PENDING, 1, "timeout")
    assert row.not_before == clock() + policy.first_backoff
    assert policy.deadline <= elapsed < policy.deadline + 3


async def test_the_running_copier_starts_a_new_photo_while_a_slow_one_downloads(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, clock: MutableClock
) -> None:
    async with serving({"/slow.jpg": trickle, "/fast.jpg": photo}) as server:
        base = f"http://{INSIDE}:{server.port}"
        policy = FetchPolicy(deadline=60.0, idle_seconds=0.1, reach=LOOPBACK)
        fetcher = fetcher_for(sessions, tmp_path, clock, policy)
        stop = asyncio.Event()
        running = asyncio.create_task(fetcher.run(stop))
        try:
            slow = await queue_photo(sessions, f"{base}/slow.jpg", "t3")
            fetcher.bell.set()

            async def slow_started() -> bool:
                return "/slow.jpg" in server.requests

            await wait_for(slow_started, "the slow download to start", within=5)
            fast = await queue_photo(sessions, f"{base}/fast.jpg", "t4")
            fetcher.bell.set()
            await wait_for(lambda: copied(sessions, fast), "the fast photo", within=5)
            assert (await media_row(sessions, slow)).attempts == 0
        finally:
            stop.set()
            await asyncio.wait_for(running, 5)
            await fetcher.aclose()


@pytest.mark.parametrize("declared", [True, False])
async def test_a_body_over_the_cap_is_given_up(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    clock: MutableClock,
    declared: bool,
) -> None:
    async def large(request: web.Request) -> web.Response:
        return web.Response(body=b"\xff" * 20_000, content_type="image/jpeg")

    async with serving({"/big.jpg": large if declared else endless}) as server:
        inbox_id = await queue_photo(sessions, f"http://{INSIDE}:{server.port}/big.jpg", "b1")
        fetcher = fetcher_for(
            sessions, tmp_path, clock, FetchPolicy(max_bytes=10_000, reach=LOOPBACK)
        )
        try:
            await fetcher.fetch_due()
        finally:
            await fetcher.aclose()
    row = await media_row(sessions, inbox_id)
    assert (row.status, row.attempts) == (MediaStatus.FAILED, 1)
    assert (row.error or "").startswith("too large") and row.local_path is None
    assert not (tmp_path / "media" / "zalo").exists() or not any(
        (tmp_path / "media" / "zalo").iterdir()
    )


def signed_url(length: int) -> str:
    start = "https://f21-zpc.zdn.vn/4520938475610293847/6c1f0e2b9a8d7c6e5f4a.jpg?"
    signature = "".join("0123456789abcdef"[(n * 7) % 16] for n in range(length))
    return (start + "sig=" + signature)[:length]


async def test_a_photo_with_a_long_signed_link_is_filed_with_its_report(
    database_url: str, tmp_path: Path
) -> None:
    url = signed_url(3000)
    async with running_bot(database_url, tmp_path) as rig:
        head = rig.zalo.user("zl-long-link")
        await as_head(rig.sessions, head)
        await rig.conversation(head, "/menu", "1", "1", "2", "Mất trộm xe đạp", "1", "1")
        got = await rig.exchange(head, head.sends_photo(url, "ảnh hiện trường", field="photo"))
        assert "Đã nhận 1 ảnh" in got
        await rig.say(head, "1")
        saved = await rig.say(head, "1")
        assert "Đã ghi nhận báo cáo số" in saved
        async with rig.sessions() as session:
            refs = list(
                (
                    await session.execute(
                        select(ReportPhoto.file_ref).where(ReportPhoto.channel == Channel.ZALO)
                    )
                ).scalars()
            )
            queued = await session.scalar(select(MediaFile).where(MediaFile.source_url == url))
        assert refs == [url]
        assert queued is not None
