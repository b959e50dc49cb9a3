"""/lienket: one person on several apps. One account asks for a code, the other types it."""

from __future__ import annotations

from markupsafe import Markup

from handlers.context import Ctx
from handlers.flows import menu
from handlers.i18n import Translator
from handlers.messages import OutMessage
from storage import links, people
from storage.models import Identity, Person

COMMANDS = {"/lienket", "/link"}


async def handle(ctx: Ctx, argument: str) -> None:
    if argument:
        await redeem(ctx, argument)
    else:
        await issue(ctx)


async def issue(ctx: Ctx) -> None:
    link = await links.create(ctx.session, ctx.identity.id, ctx.now)
    minutes = int(links.VALID_FOR.total_seconds() // 60)
    ctx.reprompt(ctx.t("link.code", code=links.display(link.code), minutes=minutes))


async def redeem_if_known(ctx: Ctx, text: str) -> bool:
    """Redeem `text` if it is a link code; False leaves it to be read as something else."""
    if await links.find(ctx.session, text) is None:
        return False
    await redeem(ctx, text)
    return True


async def redeem(ctx: Ctx, text: str) -> None:
    link = await links.find(ctx.session, text)
    if link is None:
        ctx.reprompt(ctx.t("link.unknown"))
        return
    if link.used_at is not None:
        ctx.reprompt(ctx.t("link.used"))
        return
    if link.expires_at <= ctx.now:
        ctx.reprompt(ctx.t("link.expired"))
        return
    issuer = await ctx.session.get_one(Identity, link.identity_id)
    if issuer.id == ctx.identity.id:
        ctx.reprompt(ctx.t("link.same_account"))
        return
    if issuer.person_id == ctx.person.id:
        ctx.reprompt(ctx.t("link.already"))
        return
    issuer_roles = await people.active_roles(ctx.session, issuer.person_id, ctx.now)
    if issuer_roles and ctx.roles:
        ctx.reprompt(ctx.t("link.conflict"))
        return
    issuer_person = await ctx.session.get_one(Person, issuer.person_id)
    # The person who holds the role stays; with no role on either side, the code's owner.
    keep, absorb = (ctx.person, issuer_person) if ctx.roles else (issuer_person, ctx.person)
    await links.join(ctx.session, link, keep, absorb, ctx.identity, ctx.now)
    ctx.person = keep
    ctx.roles = await people.active_roles(ctx.session, keep.id, ctx.now)
    _tell_issuer(ctx, issuer, link.id)
    done = ctx.t(
        "link.done",
        channel=_channel_name(ctx, ctx.identity.channel),
        other=_channel_name(ctx, issuer.channel),
        name=keep.full_name,
    )
    if ctx.is_idle:
        menu.show(ctx, done)
    else:
        ctx.reprompt(done)


def _tell_issuer(ctx: Ctx, issuer: Identity, link_id: int) -> None:
    t = Translator(issuer.locale) if issuer.locale else ctx.t
    text = t("link.done_other", channel=t(f"channel.{ctx.identity.channel}"))
    ctx.notify(issuer, OutMessage(text=str(text)), key=f"link:{link_id}:{issuer.id}")


def _channel_name(ctx: Ctx, channel: str) -> Markup:
    return ctx.t(f"channel.{channel}")
