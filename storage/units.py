"""Administrative units: lookup by code or name, paths, and the official list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def find(session: AsyncSession, query: str, kinds: tuple[UnitKind, ...] = ()) -> list[Unit]:
    """Units whose code is `query`, else whose name matches it with or without diacritics."""
    base = select(Unit)
    if kinds:
        base = base.where(Unit.kind.in_(kinds))
    by_code = list((await session.execute(base.where(Unit.code == query.strip()))).scalars())
    if by_code:
        return by_code
    key = fold(query)
    for prefix in (*OFFICIAL_PREFIXES, "thôn", "bản", "xóm", "ấp", "tổ dân phố", "khu phố", "phố"):
        if key.startswith(fold(prefix) + " "):
            unprefixed = key[len(fold(prefix)) + 1 :]
            found = await _by_search_name(session, base, unprefixed)
            # 'xã Phủ Thông' means the commune, not the old town of the same name.
            of_that_kind = [u for u in found if fold(u.division_type) == fold(prefix)]
            if of_that_kind or found:
                return of_that_kind or found
    return await _by_search_name(session, base, key)


async def _by_search_name(session: AsyncSession, base: Select[Unit], key: str) -> list[Unit]:
    query = base.where(Unit.search_name == key).order_by(Unit.valid_to.is_not(None), Unit.id)
    return list((await session.execute(query)).scalars())


async def resolve(session: AsyncSession, query: str, kinds: tuple[UnitKind, ...] = ()) -> Unit:
    """Exactly one unit, or LookupError for none, Ambiguous for several."""
    found = await find(session, query, kinds)
    if not found:
        raise LookupError(query)
    if len(found) > 1:
        raise Ambiguous(query, found)
    return found[0]


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
