"""What every page handler shares: the database, the clock, the words, and who is signed in."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.web import pages
from handlers.i18n import Translator
from handlers.services import dashboard
from storage import web_access
from storage.clock import Clock

SESSION_COOKIE = "tuquan_session"
# The sign-in forms' double-submit token, before there is a session to tie one to.
FORM_COOKIE = "tuquan_form"
PREFIX = "/web"


@dataclass(frozen=True)
class Web:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Clock
    t: Translator
    tz: ZoneInfo

    @property
    def secure(self) -> bool:
        return (self.settings.public_url or "").lower().startswith("https://")

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.tz)


WEB = web.AppKey("tuquan_web", Web)


class Refusal(Exception):
    """A page that ends the handler early (signed out, not an officer, not found)."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__(response.status)
        self.response = response


def web_of(request: web.Request) -> Web:
    return request.app[WEB]


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def not_found(w: Web) -> Refusal:
    page = pages.message(w.t, "not-found", "web.not_found_title", "web.not_found", status=404)
    return Refusal(page)


def signout_token(session_token: str) -> str:
    """The sign-out form's token: only a page that holds the session's cookie can know it."""
    return hmac.new(b"tuquan-signout", session_token.encode(), hashlib.sha256).hexdigest()


def same_token(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class SignedIn:
    viewer: dashboard.Viewer
    session_token: str

    @property
    def signout_token(self) -> str:
        return signout_token(self.session_token)


async def signed_in(request: web.Request, session: AsyncSession) -> SignedIn:
    """The officer behind the session cookie; otherwise the page saying why, and no data."""
    w = web_of(request)
    now = w.clock()
    token = request.cookies.get(SESSION_COOKIE, "")
    person_id = await web_access.session_person(session, token, now) if token else None
    if person_id is None:
        raise Refusal(see_other(f"{PREFIX}/signed-out"))
    viewer = await dashboard.viewer(session, person_id, now)
    if not viewer.is_officer:
        raise Refusal(
            pages.message(
                w.t, "not-officer", "web.not_officer_title", "web.not_officer", status=403
            )
        )
    return SignedIn(viewer, token)
