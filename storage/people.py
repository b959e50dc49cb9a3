"""People, their identities on each channel, and the roles they hold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Role
from storage.models import Identity, Person, RoleAssignment, Unit


@dataclass(frozen=True)
class ActiveRole:
    role: Role
    unit: Unit
    confidential: bool = False


@dataclass(frozen=True)
class Account:
    """Who wrote, as the platform names them, in their own chat with the bot."""

    channel: str
    external_id: str
    chat_key: str
    display_name: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.channel, self.external_id


async def identities_for(
    session: AsyncSession, accounts: Sequence[Account], now: datetime
) -> dict[tuple[str, str], tuple[Identity, Person]]:
    """Each account's identity and person, by (channel, external id), in one query per channel.

    An account seen for the first time gets an identity and a person of its own; one that had
    been marked inactive (it blocked the bot) is active again, since it wrote.
    """
    wanted: dict[str, set[str]] = defaultdict(set)
    for account in accounts:
        wanted[account.channel].add(account.external_id)
    found: dict[tuple[str, str], tuple[Identity, Person]] = {}
    for channel, external_ids in wanted.items():
        query = (
            select(Identity, Person)
            .join(Person, Person.id == Identity.person_id)
            .where(Identity.channel == channel, Identity.external_id.in_(external_ids))
        )
        for identity, person in (await session.execute(query)).all():
            found[(identity.channel, identity.external_id)] = identity, person
    new = {account.key: account for account in accounts if account.key not in found}
    if new:
        found |= await _first_contact(session, list(new.values()), now)
    for identity, _ in found.values():
        if not identity.active:
            identity.active = True
    for account in accounts:
        identity = found[account.key][0]
        if identity.chat_key != account.chat_key:
            # Messages go where the person last wrote to the bot alone (accounts come here
            # only from private chats), so a chat that moved is followed.
            identity.chat_key = account.chat_key
    return found


async def mark_seen(session: AsyncSession, identity_ids: Collection[int], now: datetime) -> None:
    if not identity_ids:
        return
    await session.execute(
        update(Identity)
        .where(Identity.id.in_(identity_ids))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


async def _first_contact(
    session: AsyncSession, accounts: list[Account], now: datetime
) -> dict[tuple[str, str], tuple[Identity, Person]]:
    persons = [
        Person(full_name=(account.display_name or account.external_id)[:200], created_at=now)
        for account in accounts
    ]
    session.add_all(persons)
    await session.flush()
    created = {}
    for account, person in zip(accounts, persons, strict=True):
        identity = Identity(
            person_id=person.id,
            channel=account.channel,
            external_id=account.external_id,
            chat_key=account.chat_key,
            display_name=account.display_name[:200] if account.display_name else None,
            created_at=now,
            active=True,
        )
        session.add(identity)
        created[account.key] = identity, person
    await session.flush()
    return created


async def active_roles(session: AsyncSession, person_id: int, now: datetime) -> list[ActiveRole]:
    return (await active_roles_of(session, [person_id], now))[person_id]


async def active_roles_of(
    session: AsyncSession, person_ids: Collection[int], now: datetime
) -> dict[int, list[ActiveRole]]:
    """The roles in force at `now` of each of these people, in the order they were given."""
    query = (
        select(RoleAssignment, Unit)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.person_id.in_(set(person_ids)), holds_role(now))
        .order_by(RoleAssignment.id)
    )
    roles: dict[int, list[ActiveRole]] = {person_id: [] for person_id in person_ids}
    for assignment, unit in (await session.execute(query)).all():
        roles[assignment.person_id].append(
            ActiveRole(role=assignment.role, unit=unit, confidential=assignment.confidential)
        )
    return roles


def holds_role(now: datetime) -> ColumnElement[bool]:
    """The role assignments in force at `now`.

    Written on the table's columns, so that a Core query (the digests') stays one."""
    columns = RoleAssignment.__table__.c
    return and_(columns.valid_from <= now, or_(columns.valid_to.is_(None), columns.valid_to > now))


async def identities_of(session: AsyncSession, person_ids: Collection[int]) -> list[Identity]:
    """Every active account of these people, in a stable order."""
    if not person_ids:
        return []
    query = (
        select(Identity)
        .where(Identity.person_id.in_(person_ids), Identity.active.is_(True))
        .order_by(Identity.person_id, Identity.id)
    )
    return list((await session.execute(query)).scalars())


async def identities_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Identity]:
    """These accounts, active or not, by id."""
    if not ids:
        return {}
    query = select(Identity).where(Identity.id.in_(ids))
    return {identity.id: identity for identity in (await session.execute(query)).scalars()}


async def names_of(session: AsyncSession, person_ids: Collection[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    query = select(Person.id, Person.full_name).where(Person.id.in_(person_ids))
    return {person_id: name for person_id, name in await session.execute(query)}


async def holders(session: AsyncSession, unit_id: int, role: Role, now: datetime) -> list[Person]:
    """Who holds this role at this unit now, longest-serving first."""
    query = (
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.unit_id == unit_id, RoleAssignment.role == role, holds_role(now))
        .order_by(RoleAssignment.valid_from, RoleAssignment.id)
    )
    return list((await session.execute(query)).scalars().unique())


async def assign(
    session: AsyncSession,
    person_id: int,
    unit_id: int,
    role: Role,
    now: datetime,
    invite_id: int | None = None,
) -> RoleAssignment:
    """Give the role. A hamlet has one reporter at a time: whoever held it is replaced (the
    officer chose replacing over a deputy when inviting), and a deputy who becomes the head
    stops being the deputy. Ended roles are kept, so their reports keep their author."""
    if role is Role.REPORTER:
        replaced = and_(RoleAssignment.role == Role.REPORTER, RoleAssignment.person_id != person_id)
        promoted = and_(RoleAssignment.role == Role.DEPUTY, RoleAssignment.person_id == person_id)
        query = select(RoleAssignment).where(
            RoleAssignment.unit_id == unit_id,
            RoleAssignment.valid_to.is_(None),
            or_(replaced, promoted),
        )
        for previous in (await session.execute(query)).scalars():
            previous.valid_to = now
    assignment = RoleAssignment(
        person_id=person_id, unit_id=unit_id, role=role, valid_from=now, invite_id=invite_id
    )
    session.add(assignment)
    await session.flush()
    return assignment
