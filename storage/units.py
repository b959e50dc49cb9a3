"""Administrative units: lookup by code or name, paths, and the official list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.digests import history_tree
from storage.enums import UnitKind
from storage.models import Unit
from storage.text import fold

OFFICIAL_PREFIXES = ("thành phố", "tỉnh", "phường", "xã", "thị trấn", "đặc khu")


def split_division(full_name: str, division_type: str) -> str:
    """'Xã Phủ Thông' with type 'xã' → 'Phủ Thông'."""
    if fold(full_name).startswith(fold(division_type) + " "):
        return full_name[len(division_type) :].strip()
    return full_name


def new_unit(
    *,
    kind: UnitKind,
    name: str,
    division_type: str,
    parent_id: int | None = None,
    code: str | None = None,
    is_demo: bool = False,
) -> Unit:
    return Unit(
        kind=kind,
        name=name,
        division_type=division_type,
        search_name=fold(name),
        parent_id=parent_id,
        code=code,
        is_demo=is_demo,
    )


@dataclass(frozen=True)
class Ambiguous(Exception):
    query: str
    candidates: list[Unit]


# How a unit without a code is chosen: the CLI prints "[id 3358]" and takes "id 3358" back.
_BY_ID = re.compile(r"^\s*\[?\s*id\s*:?\s*(\d+)\s*\]?\s*$", re.IGNORECASE)
# How alike a typed name must be to a unit's name to be offered as what was meant (0-100).
MIN_NEAREST_SIMILARITY = 60


async def find(
    session: AsyncSession,
    query: str,
    kinds: tuple[UnitKind, ...] = (),
    *,
    on: date | None = None,
    include_ended: bool = False,
) -> list[Unit]:
    """Units whose code (or "id N") is `query`, else whose name matches it, diacritics optional.

    A name means today's unit when one has it; `on` a date means the unit of that day, and
    `include_ended` every unit that ever had the name. A name only ended units had finds them.
    """
    base = select(Unit)
    if kinds:
        base = base.where(Unit.kind.in_(kinds))
    by_id = _BY_ID.match(query)
    if by_id:
        return list((await session.execute(base.where(Unit.id == int(by_id[1])))).scalars())
    by_code = list((await session.execute(base.where(Unit.code == query.strip()))).scalars())
    if by_code:
        return by_code
    named = await _by_name(session, base, fold(query))
    if include_ended:
        return named
    if on is not None:
        return _of_the_day(named, on)
    current = [u for u in named if u.valid_to is None]
    return current or named


async def _by_name(session: AsyncSession, base: Select[Unit], key: str) -> list[Unit]:
    for prefix in (*OFFICIAL_PREFIXES, "thôn", "bản", "xóm", "ấp", "tổ dân phố", "khu phố", "phố"):
        if key.startswith(fold(prefix) + " "):
            unprefixed = key[len(fold(prefix)) + 1 :]
            found = await _by_search_name(session, base, unprefixed)
            # 'xã Phủ Thông' means the commune, not the old town of the same name.
            of_that_kind = [u for u in found if fold(u.division_type) == fold(prefix)]
            if of_that_kind or found:
                return of_that_kind or found
    return await _by_search_name(session, base, key)


def _of_the_day(named: list[Unit], day: date) -> list[Unit]:
    """The units that existed on `day`. A successor that took over a unit of the same name
    is left out while that unit still existed: on that day the name meant the old one."""
    existing = [
        u
        for u in named
        if (u.valid_from is None or u.valid_from <= day)
        and (u.valid_to is None or day <= u.valid_to)
    ]
    successors = {u.merged_into_id for u in existing if u.merged_into_id is not None}
    return [u for u in existing if u.id not in successors]


async def _by_search_name(session: AsyncSession, base: Select[Unit], key: str) -> list[Unit]:
    query = base.where(Unit.search_name == key).order_by(Unit.valid_to.is_not(None), Unit.id)
    return list((await session.execute(query)).scalars())


async def resolve(
    session: AsyncSession,
    query: str,
    kinds: tuple[UnitKind, ...] = (),
    *,
    on: date | None = None,
    include_ended: bool = False,
) -> Unit:
    """Exactly one unit, or LookupError for none, Ambiguous for several (see `find`)."""
    found = await find(session, query, kinds, on=on, include_ended=include_ended)
    if not found:
        raise LookupError(query)
    if len(found) > 1:
        raise Ambiguous(query, found)
    return found[0]


async def nearest(
    session: AsyncSession, root_id: int, typed: str, kinds: tuple[UnitKind, ...], limit: int = 3
) -> list[Unit]:
    """Today's units of the subtree whose names are closest to a mistyped one, closest first."""
    tree = history_tree(root_id)
    query = select(Unit).where(
        Unit.id.in_(select(tree.c.id)), Unit.kind.in_(kinds), Unit.valid_to.is_(None)
    )
    candidates = {u.id: u for u in (await session.execute(query)).scalars()}
    close = process.extract(
        fold(typed),
        {unit_id: u.search_name for unit_id, u in candidates.items()},
        scorer=fuzz.WRatio,
        score_cutoff=MIN_NEAREST_SIMILARITY,
        limit=limit,
    )
    return [candidates[unit_id] for _, _, unit_id in close]


async def successor(session: AsyncSession, unit: Unit) -> Unit | None:
    """The unit an ended unit was merged into, if it was."""
    if unit.merged_into_id is None:
        return None
    return await session.get(Unit, unit.merged_into_id)


async def ancestors(session: AsyncSession, unit: Unit) -> list[Unit]:
    """From the top of the tree down to `unit` itself."""
    chain = [unit]
    current = unit
    while current.parent_id is not None:
        parent = await session.get(Unit, current.parent_id)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return list(reversed(chain))


async def path_label(session: AsyncSession, unit: Unit) -> str:
    return " / ".join(u.label for u in await ancestors(session, unit))
