"""/lienket: one person on several apps. One account asks for a code, the other types it.

A join that would give a role to another account (either side holds one) takes effect only
once the holder says yes in their own chat: a code read off a shoulder, or typed by the
holder at a stranger's request, hands nothing over by itself. The question is a standing
message (`k<link>`), answerable at any step.
"""

from __future__ import annotations

import math

from markupsafe import Markup

from handlers.channels import traits_for
from handlers.choices import with_letters_hint
from handlers.context import Ctx
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage
from handlers.services import account_links
from storage import invites, links, people
from storage.models import Identity, LinkCode, Person

COMMANDS = {"/lienket", "/link"}
TOKEN_PREFIX = "k"
YES, NO = "yes", "no"
ACTIONS = (YES, NO)


def token(link_id: int) -> str:
    return f"{TOKEN_PREFIX}{link_id}"


def link_id_of(value: str) -> int | None:
    digits = value[len(TOKEN_PREFIX) :]
    return int(digits) if value.startswith(TOKEN_PREFIX) and digits.isdecimal() else None


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
    if await invites.guessing_blocked(ctx.session, ctx.identity.id, ctx.now, kind="link"):
        await _locked_out(ctx)
        return
    link = await links.find(ctx.session, text)
    if link is None:
        await invites.record_failure(ctx.session, ctx.identity.id, ctx.now, text, kind="link")
        if await invites.guessing_blocked(ctx.session, ctx.identity.id, ctx.now, kind="link"):
            await _locked_out(ctx)
        else:
            ctx.reprompt(ctx.t("link.unknown"))
        return
    problem = _unusable(ctx, link)
    if problem is not None:
        ctx.reprompt(ctx.t(problem))
        return
    issuer = await account_links.issuer_of(ctx.session, link)
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
    if not issuer_roles and not ctx.roles:
        issuer_person = await account_links.person_of(ctx.session, issuer)
        await _join(ctx, link, keep=issuer_person, absorb=ctx.person, typed_by=ctx.identity)
        return
    links.request(link, ctx.identity, ctx.now)
    if ctx.roles:
        ctx.replies.append(_question(ctx.t, ctx.identity.channel, link, issuer))
    else:
        t = _translator(ctx, issuer)
        ctx.notify(issuer, _question(t, issuer.channel, link, ctx.identity), key=_key(link))
        _reply(ctx, ctx.t("link.waiting", channel=ctx.t(f"channel.{issuer.channel}")))


async def on_answer(ctx: Ctx, value: str, action: str) -> None:
    """The role holder's yes or no to a link asked for from the other account."""
    link_id = link_id_of(value)
    link = await links.get(ctx.session, link_id) if link_id is not None else None
    requester = await account_links.requester_of(ctx.session, link) if link is not None else None
    if link is None or requester is None or action not in ACTIONS:
        _answer(ctx, ctx.t("error.stale_choice"))
        return
    issuer = await account_links.issuer_of(ctx.session, link)
    if ctx.identity.id not in (issuer.id, requester.id) or not ctx.roles:
        _answer(ctx, ctx.t("link.not_yours"))
        return
    other = requester if ctx.identity.id == issuer.id else issuer
    if link.used_at is not None or link.declined_at is not None:
        _answer(ctx, ctx.t("link.answered"))
        return
    if links.request_expired(link, ctx.now):
        _answer(ctx, ctx.t("link.expired"))
        return
    if action == NO:
        link.declined_at = ctx.now
        _reply(ctx, ctx.t("link.declined"))
        t = _translator(ctx, other)
        ctx.notify(other, OutMessage(text=str(t("link.declined_other"))), key=f"{_key(link)}:no")
        return
    other_person = await account_links.person_of(ctx.session, other)
    if await people.active_roles(ctx.session, other_person.id, ctx.now):
        _answer(ctx, ctx.t("link.conflict"))
        return
    await _join(ctx, link, keep=ctx.person, absorb=other_person, typed_by=requester)


async def _join(
    ctx: Ctx, link: LinkCode, *, keep: Person, absorb: Person, typed_by: Identity
) -> None:
    """Join and tell both accounts; `ctx` is whichever of them acted last."""
    issuer = await account_links.issuer_of(ctx.session, link)
    await links.join(ctx.session, link, keep, absorb, typed_by, ctx.now)
    if ctx.person.id == absorb.id:
        ctx.person = keep
    ctx.roles = await people.active_roles(ctx.session, keep.id, ctx.now)
    other = issuer if ctx.identity.id != issuer.id else typed_by
    t = _translator(ctx, other)
    ctx.notify(
        other,
        OutMessage(text=str(t("link.done_other", channel=t(f"channel.{ctx.identity.channel}")))),
        key=f"link:{link.id}:{other.id}",
    )
    done = ctx.t(
        "link.done",
        channel=_channel_name(ctx, ctx.identity.channel),
        other=_channel_name(ctx, other.channel),
        name=keep.full_name,
    )
    _reply(ctx, done)


def _unusable(ctx: Ctx, link: LinkCode) -> str | None:
    if link.used_at is not None or link.declined_at is not None:
        return "link.used"
    if link.requested_by_identity_id is not None:
        return "link.pending"
    if link.expires_at <= ctx.now:
        return "link.expired"
    return None


def _question(t: Translator, channel: str, link: LinkCode, other: Identity) -> OutMessage:
    """Asks the role holder; `other` is the account that would share their role."""
    text = t(
        "link.confirm",
        channel=t(f"channel.{other.channel}"),
        name=other.display_name or t("link.unnamed"),
    )
    choices = [
        Choice(id=YES, label=str(t("link.confirm_yes"))),
        Choice(id=NO, label=str(t("link.confirm_no"))),
    ]
    question = OutMessage(text=str(text), choices=choices, choice_token=token(link.id))
    return with_letters_hint(question, t, traits_for(channel))


async def _locked_out(ctx: Ctx) -> None:
    until = await invites.locked_until(ctx.session, ctx.identity.id, ctx.now, kind="link")
    minutes = max(1, math.ceil((until - ctx.now).total_seconds() / 60)) if until else 1
    ctx.finish(ctx.t("link.slow_down", minutes=minutes))


def _answer(ctx: Ctx, text: Markup) -> None:
    """A short answer to a press, then the question the person was at, if any."""
    ctx.say(text)
    if not ctx.is_idle:
        ctx.resume()


def _reply(ctx: Ctx, text: Markup) -> None:
    if ctx.is_idle:
        ctx.finish(text)
    else:
        ctx.reprompt(text)


def _key(link: LinkCode) -> str:
    return f"link:{link.id}:ask"


def _translator(ctx: Ctx, identity: Identity) -> Translator:
    return Translator(identity.locale) if identity.locale else ctx.t


def _channel_name(ctx: Ctx, channel: str) -> Markup:
    return ctx.t(f"channel.{channel}")
