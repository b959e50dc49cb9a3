"""The officers' pages as an aiohttp application under `/web`: sign-in, the data pages, the
static files; every answer gzip-compressed and sent with the security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import xstatic.pkg.leaflet
from aiohttp import hdrs, web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.web import auth_routes, data_routes, pages
from bot.web.context import PREFIX, WEB, Refusal, Web, web_of
from bot.words import translator
from storage.clock import Clock

STATIC = Path(__file__).parent / "static"
LEAFLET = Path(xstatic.pkg.leaflet.BASE_DIR)
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}
TILES = "https://tile.openstreetmap.org"
# Telegram's web client shows a Mini App in a frame; its phone apps in a web view.
TELEGRAM_WEB = "https://web.telegram.org"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        f"img-src 'self' data: {TILES}",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors 'self' {TELEGRAM_WEB}",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # A sign-in link's token is in the address: no other site may learn it.
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def finish(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A refusal's page in place of the handler's; unknown addresses as our own 404 page;
    bodies compressed; pages with data never kept in a cache."""
    try:
        response = await handler(request)
    except Refusal as refusal:
        response = refusal.response
    except web.HTTPNotFound:
        w = web_of(request)
        response = pages.message(
            w.t, "not-found", "web.not_found_title", "web.not_found", status=404
        )
    if isinstance(response, web.Response) and not response.prepared:
        if response.content_type == pages.HTML:
            response.headers.setdefault("Cache-Control", "no-store")
        if response.body is not None:
            _compress(request, response)
    return response


def _compress(request: web.Request, response: web.Response) -> None:
    # gzip when the browser takes it (aiohttp alone would pick deflate first).
    if "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, "").lower():
        response.enable_compression(web.ContentCoding.gzip)
    else:
        response.enable_compression()


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


@cache
def _static_file(folder: Path, name: str) -> bytes | None:
    path = folder / name
    if path.suffix not in STATIC_TYPES or not path.is_file():
        return None
    return path.read_bytes()


async def static(request: web.Request) -> web.Response:
    return _static_response(STATIC, request.match_info["name"])


async def leaflet(request: web.Request) -> web.Response:
    # Read once and sent compressed, like ours: 147 kB of JavaScript is 43 kB on the wire.
    return _static_response(LEAFLET, request.match_info["name"])


def _static_response(folder: Path, name: str) -> web.Response:
    body = _static_file(folder, name)
    if body is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=body,
        content_type=STATIC_TYPES[Path(name).suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )


async def root(request: web.Request) -> web.Response:
    return web.Response(status=308, headers={"Location": PREFIX + "/"})


def web_app(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> web.Application:
    """The pages, reading `sessions` at `clock`'s time, in the words of TUQUAN_LOCALE."""
    app = web.Application(middlewares=[finish])
    app[WEB] = Web(sessions, settings, clock, translator(settings), ZoneInfo(settings.timezone))
    app.on_response_prepare.append(_security_headers)
    app.router.add_get(PREFIX, root)
    app.router.add_routes(auth_routes.routes)
    app.router.add_routes(data_routes.routes)
    app.router.add_get(PREFIX + r"/static/leaflet/{name:leaflet\.(?:css|js)}", leaflet)
    app.router.add_static(PREFIX + "/static/leaflet/images/", LEAFLET / "images")
    app.router.add_get(PREFIX + r"/static/{name:[a-z]+\.(?:css|js)}", static)
    return app
