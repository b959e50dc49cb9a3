"""The officers' pages in the browser: a sign-in link that works once, and on Telegram the
button that opens them inside the app."""

from __future__ import annotations

from handlers.context import Ctx
from handlers.messages import OutMessage
from handlers.services import web_sign_in


async def open_pages(ctx: Ctx) -> None:
    """The link to the pages (and a Mini App button where the address is HTTPS); a
    deployment without pages says whom to ask."""
    if ctx.web_url is None:
        ctx.finish(ctx.t("web.not_served"))
        return
    link = await web_sign_in.link(ctx.session, ctx.person.id, ctx.now, ctx.web_url)
    text = ctx.t("web.link", url=link.url, minutes=link.minutes)
    mini_app = f"{ctx.web_url}/app" if ctx.web_url.startswith("https://") else None
    ctx.replies.append(OutMessage(text=str(text), web_app=mini_app))
    ctx.finish()
