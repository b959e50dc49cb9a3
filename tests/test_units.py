"""Units: the official list, hamlets from CSV, lookup by code or name."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import hamlet_import, official, units
from storage.enums import UnitKind
from storage.models import Unit
from storage.reports import subtree_ids


async def count(session: AsyncSession, kind: UnitKind) -> int:
    query = select(func.count()).where(Unit.kind == kind, Unit.code.is_not(None))
    return int((await session.execute(query)).scalar_one())


async def test_official_units_sync_is_complete_and_idempotent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        again = await official.sync(session)
        assert (again.added, again.updated) == (0, 0)
        assert await count(session, UnitKind.PROVINCE) == 34
        assert await count(session, UnitKind.COMMUNE) == 3321
        hanoi = await units.resolve(session, "Ha Noi", (UnitKind.PROVINCE,))
        assert (hanoi.division_type, hanoi.name) == ("thành phố", "Hà Nội")


@pytest.mark.parametrize("query", ["Nà Phải", "na phai", "thôn Nà Phải", "NA PHAI"])
async def test_resolve_by_name_with_or_without_diacritics(
    sessions: async_sessionmaker[AsyncSession], query: str
) -> None:
    async with sessions() as session:
        assert (await units.resolve(session, query)).name == "Nà Phải"


async def test_a_name_means_todays_unit_unless_a_day_or_ended_units_are_asked_for(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        assert (await units.resolve(session, "Phủ Thông")).label == "xã Phủ Thông"
        old_town = await units.resolve(session, "Phu Thong", on=date(2025, 5, 1))
        assert (old_town.label, old_town.valid_to) == ("thị trấn Phủ Thông", date(2025, 6, 30))
        assert (await units.resolve(session, "Phủ Thông", on=date(2025, 7, 1))).code == "1969"
        with pytest.raises(units.Ambiguous) as raised:
            await units.resolve(session, "Phủ Thông", include_ended=True)
        assert {u.division_type for u in raised.value.candidates} == {"xã", "thị trấn"}
        assert (await units.resolve(session, f"id {old_town.id}")).id == old_town.id
        # A name no unit of today has still finds the ended one.
        assert (await units.resolve(session, "Phương Linh")).valid_to == date(2019, 12, 31)
        commune = await units.resolve(session, "1969")
        assert commune.label == "xã Phủ Thông"
        path = await units.path_label(session, await units.resolve(session, "Nà Phải"))
        assert path == "tỉnh Thái Nguyên / xã Phủ Thông / thôn Nà Phải"


async def test_hamlet_import_writes_all_or_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bad = (
        "commune,name,division_type,code,valid_from\n"
        "1969,Nà Cà,thôn,,2026-01-01\n"
        "Không Có Xã,Bản Mới,bản,,\n"
        "2014,,thôn,,\n"
        "2014,Nà Lốc,thôn,,\n"
        "2014,Bản Slao,bản,,01-01-2026\n"
    )
    async with sessions() as session, session.begin():
        report = await hamlet_import.import_csv(session, bad)
        await session.rollback()
    assert [error.line for error in report.errors] == [3, 4, 5, 6]
    assert report.added == []
    async with sessions() as session:
        assert await units.find(session, "Nà Cà", (UnitKind.HAMLET,)) == []

    good = "\ufeffcommune,name,division_type\n1969,Nà Cà,thôn\nBach Thong,Bản Slao,bản\n"
    async with sessions() as session, session.begin():
        report = await hamlet_import.import_csv(session, good)
    assert report.errors == []
    async with sessions() as session:
        hamlet = await units.resolve(session, "Ban Slao")
        assert hamlet.label == "bản Bản Slao"
        commune_id = (await units.resolve(session, "1969")).id
        under = set((await session.execute(subtree_ids(commune_id))).scalars())
        assert (await units.resolve(session, "Nà Cà")).id in under
        assert hamlet.id not in under
