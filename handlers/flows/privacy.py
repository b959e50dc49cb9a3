"""The privacy notice (/quyenriengtu), what the bot holds about a person (/dulieu), and the
words of the consent asked at onboarding (Law 91/2025/QH15 on personal data protection)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from handlers import when
from handlers.context import Ctx
from handlers.i18n import Translator
from handlers.services.consent_contact import inviter_of
from handlers.titles import OFFICE_ROLES, addressed, role_title, role_word
from storage import privacy
from storage.enums import ReportKind, Role
from storage.models import Identity, InviteCode, Unit
from storage.privacy import Held
from storage.text import fold

NOTICE = "/quyenriengtu"
DATA = "/dulieu"
COMMANDS = {NOTICE, DATA}
# What people write to consent or not, beyond a plain yes or no ("có", "ok", "không").
AGREE_WORDS = {"dong y", "toi dong y", "xin dong y", "dong y a", "co dong y", "chap nhan"}
REFUSE_WORDS = {"khong dong y", "toi khong dong y", "khong dong y a", "ko dong y", "tu choi"}


async def command(ctx: Ctx, name: str) -> None:
    """Either page, at any step: the question the person is at is asked again after it."""
    if name == NOTICE:
        shown = await notice(ctx)
    else:
        held = await privacy.held_about(ctx.session, ctx.person.id, ctx.now)
        assert held is not None, "the person who wrote exists"
        title = ctx.t("privacy.data_title", you=you(ctx.t, [r.role for r in ctx.roles]))
        shown = describe(ctx.t, held, ctx.tz, title)
    ctx.reprompt(shown)
    if not ctx.data:
        ctx.finish()


def you(t: Translator, roles: Sequence[Role]) -> Markup:
    """How the notice addresses the person: "đồng chí" for officers, "anh/chị" otherwise."""
    comrade = any(role in OFFICE_ROLES for role in roles)
    return t("privacy.you_comrade" if comrade else "privacy.you_person")


def kept_for(t: Translator, period: timedelta) -> Markup:
    if period.days >= 365 and period.days % 365 == 0:
        return t("privacy.years", count=period.days // 365)
    return t("privacy.days", count=period.days)


async def keeper(ctx: Ctx, unit: Unit | None) -> Markup:
    """The Front office that keeps what the person sends: the commune's, for a hamlet."""
    if unit is None:
        return ctx.t("privacy.keeper_any")
    return ctx.t("privacy.keeper", unit=(await privacy.keeper_of(ctx.session, unit)).label)


async def notice(ctx: Ctx) -> Markup:
    policy = ctx.retention
    return ctx.t(
        "privacy.notice",
        version=privacy.NOTICE_VERSION,
        you=you(ctx.t, [active.role for active in ctx.roles]),
        keeper=await keeper(ctx, ctx.roles[0].unit if ctx.roles else None),
        reports=kept_for(ctx.t, policy.reports),
        raw=kept_for(ctx.t, policy.raw_updates),
        conversations=kept_for(ctx.t, policy.conversations),
    )


# Consent at onboarding -----------------------------------------------------------------


async def consent_question(ctx: Ctx, role: Role, unit: Unit) -> Markup:
    return ctx.t(
        "privacy.consent_question",
        role=role_word(ctx.t, role, unit),
        unit=unit.label,
        you=you(ctx.t, [role]),
        keeper=await keeper(ctx, unit),
        years=kept_for(ctx.t, ctx.retention.reports),
    )


def consent_answer(text: str) -> bool | None:
    """True for "đồng ý", "có", "ok"; False for "không đồng ý", "không", "từ chối"; else None."""
    key = fold(text).strip(" .!-")
    if key in REFUSE_WORDS:
        return False
    if key in AGREE_WORDS:
        return True
    return when.yes_no(text)


async def declined(ctx: Ctx, invite: InviteCode, unit: Unit) -> Markup:
    """One line: nothing was kept, and whom to ask instead."""
    inviter = await inviter_of(ctx.session, invite)
    if inviter is not None:
        contact = ctx.t(
            "privacy.contact_inviter", who=addressed(ctx.t, inviter.full_name, [Role.OFFICER])
        )
    else:
        contact = await keeper(ctx, unit)
    return ctx.t("privacy.declined", you=you(ctx.t, [invite.role]), contact=contact)


# What the bot holds --------------------------------------------------------------------


def describe(t: Translator, held: Held, tz: ZoneInfo, title: Markup) -> Markup:
    """The person's data, line by line, as /dulieu shows it and the CLI prints it."""
    person = held.person
    lines = [title, t("privacy.data_name", name=person.full_name)]
    if person.phone:
        shared = t("privacy.phone_shared" if person.share_phone else "privacy.phone_private")
        lines.append(t("privacy.data_phone", phone=person.phone, shared=shared))
    else:
        lines.append(t("privacy.data_no_phone"))
    accounts = [account_line(t, account) for account in held.accounts]
    lines.append(t("privacy.data_accounts", accounts=Markup("; ").join(accounts) or "-"))
    if held.roles:
        titles = [role_title(t, active.role, active.unit) for active in held.roles]
        lines.append(t("privacy.data_roles", roles=Markup(", ").join(titles)))
    else:
        lines.append(t("privacy.data_no_roles"))
    if person.consented_at is not None:
        moment = t.moment(person.consented_at.astimezone(tz))
        lines.append(t("privacy.data_consent", moment=moment, version=person.consent_version or ""))
    else:
        lines.append(t("privacy.data_no_consent"))
    if person.forgotten_at is not None:
        forgotten = t.moment(person.forgotten_at.astimezone(tz))
        lines.append(t("privacy.data_forgotten", moment=forgotten))
    lines.append(t("privacy.data_reports", count=held.report_count))
    for report in held.latest_reports:
        incident = report.kind is ReportKind.INCIDENT and report.category
        what = f"category.{report.category}" if incident else f"kind.{report.kind.value}"
        day = t.date(report.received_at.astimezone(tz).date())
        lines.append(t("privacy.data_report", id=report.id, day=day, what=t(what)))
    lines.append(t("privacy.data_pending", count=held.pending_messages))
    lines.append(t("privacy.data_how"))
    return Markup("\n").join(lines)


def account_line(t: Translator, account: Identity) -> Markup:
    channel = t(f"channel.{account.channel.value}")
    if not account.active:
        return t("privacy.account_ended", channel=channel)
    if account.display_name:
        return t("privacy.account", channel=channel, name=account.display_name)
    return channel
