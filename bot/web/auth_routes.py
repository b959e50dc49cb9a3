"""Signing in and out: a one-time link from the chat, the Telegram Mini App, sign-out."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.web import initdata, pages
from bot.web.context import (
    FORM_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    Web,
    same_token,
    see_other,
    signout_token,
    web_of,
)
from storage import web_access

routes = web.RouteTableDef()


def _framed(w: Web) -> str | None:
    """Telegram's web client opens a Mini App in a frame of another site, where a Lax or
    Strict cookie is never sent; over HTTPS the Mini App's cookies may cross (the forms
    still carry their token, which no other site can read)."""
    return "None" if w.secure else None


def _with_form_cookie(
    w: Web, response: web.Response, token: str, samesite: str | None = None
) -> web.Response:
    response.set_cookie(
        FORM_COOKIE,
        token,
        path=PREFIX,
        httponly=True,
        samesite=samesite or "Strict",
        secure=w.secure,
        max_age=int(web_access.LINK_TTL.total_seconds()) * 6,
    )
    return response


def _form_check(request: web.Request, form_value: object) -> bool:
    """A POST from our own page: its form carries the token of this browser's cookie."""
    given = form_value if isinstance(form_value, str) else None
    return same_token(given, request.cookies.get(FORM_COOKIE))


def _set_session(
    w: Web, response: web.StreamResponse, token: str, samesite: str | None = None
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path=PREFIX,
        httponly=True,
        samesite=samesite or "Lax",
        secure=w.secure,
        max_age=int(web_access.SESSION_TTL.total_seconds()),
    )


def _new_form_token(request: web.Request) -> str:
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


@routes.get(PREFIX + "/signin/{token}")
async def signin_page(request: web.Request) -> web.Response:
    # A button, not a sign-in on GET: a link preview fetching the URL must not use it up.
    w = web_of(request)
    form = _new_form_token(request)
    page = pages.render(w.t, "signin.html", form_token=form, action=request.path)
    return _with_form_cookie(w, page, form)


@routes.post(PREFIX + "/signin/{token}")
async def signin(request: web.Request) -> web.Response:
    w = web_of(request)
    data = await request.post()
    if not _form_check(request, data.get("form_token")):
        return _failed(w, 403)
    now = w.clock()
    async with w.sessions() as session, session.begin():
        person_id = await web_access.redeem_link(session, request.match_info["token"], now)
        if person_id is None:
            return _failed(w, 410)
        token = await web_access.open_session(session, person_id, now)
    response = see_other(PREFIX + "/")
    _set_session(w, response, token)
    return response


def _failed(w: Web, status: int) -> web.Response:
    return pages.message(
        w.t, "signin-failed", "web.signin_failed_title", "web.signin_failed", status=status
    )


@routes.get(PREFIX + "/signed-out")
async def signed_out(request: web.Request) -> web.Response:
    w = web_of(request)
    return pages.message(w.t, "signed-out", "web.signed_out_title", "web.signed_out", status=200)


@routes.get(PREFIX + "/app")
async def mini_app(request: web.Request) -> web.Response:
    w = web_of(request)
    form = _new_form_token(request)
    page = pages.render(w.t, "miniapp.html", form_token=form)
    return _with_form_cookie(w, page, form, _framed(w))


@routes.post(PREFIX + "/app/session")
async def mini_app_session(request: web.Request) -> web.Response:
    w = web_of(request)
    data = await request.post()
    init_data = data.get("init_data")
    refused = web.Response(status=403)
    token = w.settings.telegram_token
    if not _form_check(request, data.get("form_token")) or not isinstance(init_data, str):
        return refused
    now = w.clock()
    user = initdata.verify(init_data, token, now) if token else None
    if user is None:
        return refused
    async with w.sessions() as session, session.begin():
        person_id = await web_access.person_of_telegram_user(session, user.id)
        if person_id is None:
            return refused
        session_token = await web_access.open_session(session, person_id, now)
    response = web.Response(status=204)
    _set_session(w, response, session_token, _framed(w))
    return response


@routes.post(PREFIX + "/signout")
async def signout(request: web.Request) -> web.Response:
    w = web_of(request)
    data = await request.post()
    session_token = request.cookies.get(SESSION_COOKIE, "")
    given = data.get("form_token")
    if not session_token or not same_token(
        given if isinstance(given, str) else None, signout_token(session_token)
    ):
        return pages.message(w.t, "not-found", "web.not_found_title", "web.forbidden", status=403)
    async with w.sessions() as session, session.begin():
        await web_access.end_session(session, session_token, w.clock())
    response = see_other(PREFIX + "/signed-out")
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return response
