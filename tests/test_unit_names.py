"""Units named by officers: a typo gets the nearest names, another area's unit a refusal."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Conversation, Identity, OutboxItem, StoredFile
from tests.officers import OTHER_OFFICER
from tests.support import OFFICER, Harness, text_of


async def where_officer_stands(harness: Harness, user: str = OFFICER) -> tuple[str, str, int]:
    async with harness.sessions() as session:
        query = (
            select(Conversation.flow, Conversation.step, Conversation.version)
            .join(Identity, Identity.id == Conversation.identity_id)
            .where(Identity.external_id == user)
        )
        flow, step, version = (await session.execute(query)).one()
    return flow, step, version


async def stored_counts(harness: Harness) -> tuple[int, int]:
    async with harness.sessions() as session:
        files = await session.scalar(select(func.count()).select_from(StoredFile))
        sent = await session.scalar(select(func.count()).select_from(OutboxItem))
    return int(files or 0), int(sent or 0)


async def test_a_mistyped_unit_gets_the_nearest_names_and_changes_nothing(
    harness: Harness,
) -> None:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Tổng hợp")
    before, (files, sent) = await where_officer_stands(harness), await stored_counts(harness)

    replies = await harness.say(OFFICER, "/tonghop Na Phia")

    text = text_of(replies)
    assert len(replies) == 1
    assert text.startswith("Không tìm thấy đơn vị “Na Phia”. Tên gần giống: thôn Nà Phải")
    assert "/tonghop Nà Phải" in text
    assert "không có quyền" not in text and "bạn" not in text
    assert await where_officer_stands(harness) == before
    assert await stored_counts(harness) == (files, sent + 1), "only the answer is written"
    summary = await harness.say(OFFICER, "/tonghop Nà Phải")
    assert "thôn Nà Phải" in summary[0].text and "Tổng hợp tuần 47" in summary[0].text


async def test_a_name_like_no_unit_says_so_and_how_to_ask(harness: Harness) -> None:
    replies = await harness.say(OFFICER, "/tonghop xyz")
    text = text_of(replies)
    assert text.startswith("Không tìm thấy đơn vị “xyz”.\n")
    assert "Tên gần giống" not in text
    assert "Đồng chí gõ /tonghop và tên thôn" in text
    assert "không có quyền" not in text


async def test_an_ended_unit_of_the_area_points_to_its_successor(harness: Harness) -> None:
    replies = await harness.say(OFFICER, "/tonghop thị trấn Phủ Thông")
    assert text_of(replies).startswith(
        "Không tìm thấy đơn vị “thị trấn Phủ Thông”. Tên gần giống: xã Phủ Thông."
    )


async def test_a_unit_of_another_area_is_refused_in_an_officers_words(harness: Harness) -> None:
    replies = await harness.say(OTHER_OFFICER, "/tonghop Na Phai")
    text = text_of(replies)
    assert text.startswith("Xin lỗi, đơn vị này không thuộc địa bàn đồng chí phụ trách.")
    assert "Nà Phải" not in text and "Tên gần giống" not in text
