"""What goes wrong is recorded by its kind and the driver's words, never with what was sent."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from handlers.engine import describe
from storage.db import create_engine
from storage.models import Identity, Person
from tests.support import Harness, text_of

SIGNED_URL = "https://photo-stal-1.zdn.vn/p/abc?signature=SECRET-0123456789abcdef"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_failed_statement_is_described_without_its_parameters(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TEMPORARY TABLE short_refs (ref VARCHAR(16))"))
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(
                    text("INSERT INTO short_refs (ref) VALUES (:ref)"), {"ref": SIGNED_URL}
                )
    finally:
        await engine.dispose()
    assert "SECRET" not in str(raised.value)
    described = describe(raised.value)
    assert "SECRET" not in described and "INSERT" not in described
    assert "too long" in described


async def test_a_name_longer_than_a_column_still_gets_an_answer(harness: Harness) -> None:
    name = "Nguyễn " * 60
    replies = await harness.event("long-name", kind="text", text="/menu", display_name=name)
    assert "Anh/chị muốn làm gì" in text_of(replies)
    async with harness.sessions() as session:
        person = await session.scalar(
            select(Person)
            .join(Identity, Identity.person_id == Person.id)
            .where(Identity.external_id == "long-name")
        )
    assert person is not None and person.full_name == name[:200]
