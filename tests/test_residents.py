"""Residents read the guides, ask in their own words, and find their hamlet's models and head."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.flows import hamlets
from handlers.guides import DEFAULT_GUIDES_DIR, GuideLibrary
from storage import units
from storage.models import Conversation, Identity, Person
from tests.support import HEAD, OFFICER, RESIDENT, Harness, labels, text_of
from tests.test_onboarding import make_invite

GUIDE_COUNT = 9


async def open_menu(h: Harness, user: str = RESIDENT) -> list[str]:
    replies = await h.say(user, "/menu")
    return labels(replies[-1])


async def test_a_resident_menu_offers_guides_models_and_hamlet_head(harness: Harness) -> None:
    assert await open_menu(harness) == [
        "Hướng dẫn",
        "Mô hình ở thôn",
        "Liên hệ trưởng thôn",
        "Nhập mã mời",
        "Trợ giúp",
    ]
    assert "gõ câu hỏi" in harness.last[RESIDENT].text


async def test_browse_a_guide_section_by_section(harness: Harness) -> None:
    await open_menu(harness)
    topics = await harness.tap(RESIDENT, "Hướng dẫn")
    assert len(labels(topics[-1])) == GUIDE_COUNT + 1
    assert labels(topics[-1])[-1] == "Về menu"
    guide = await harness.tap(RESIDENT, "Tiếng mõ an ninh")
    assert "Mỗi nhà có một chiếc mõ" in text_of(guide)
    assert labels(guide[-1])[:2] == ["Mục đích", "Ai tham gia"]
    section = await harness.tap(RESIDENT, "Ai tham gia")
    text = text_of(section)
    assert "<b>Tiếng mõ an ninh</b>" in text and "<i>Ai tham gia</i>" in text
    assert "• Các hộ liền kề kết thành nhóm nhỏ" in text
    assert labels(section[-1]) == ["Mục khác", "Hỏi tiếp", "Về menu"]
    back = await harness.tap(RESIDENT, "Mục khác")
    assert "Cách tham gia hoặc thành lập" in labels(back[-1])
    menu = await harness.tap(RESIDENT, "Về menu")
    assert labels(menu[-1])[0] == "Hướng dẫn"


async def test_a_question_at_the_menu_gets_the_best_passage_and_two_others(
    harness: Harness,
) -> None:
    await open_menu(harness)
    replies = await harness.say(RESIDENT, "thấy tai nạn giao thông ở đầu thôn thì phải báo ai")
    text = text_of(replies)
    assert "<b>Khu dân cư đảm bảo an toàn giao thông</b>\n<i>Liên hệ</i>" in text
    options = labels(replies[-1])
    assert len(options) == 4 and options[-2:] == ["Hỏi tiếp", "Về menu"]
    other = await harness.tap(RESIDENT, options[0])
    assert options[0].split(" · ")[0] in text_of(other)


async def test_questions_without_diacritics_or_with_telex_keys(harness: Harness) -> None:
    await open_menu(harness)
    plain = await harness.say(RESIDENT, "tieng mo an ninh la gi")
    assert "<i>Mục đích</i>" in text_of(plain) and "Tiếng mõ an ninh" in text_of(plain)
    telex = await harness.say(RESIDENT, "tieengs mox an ninh thif ai thaam gia dduwowcj")
    assert "<b>Tiếng mõ an ninh</b>\n<i>Ai tham gia</i>" in text_of(telex)


async def test_ask_again_then_back_to_the_menu(harness: Harness) -> None:
    await open_menu(harness)
    await harness.say(RESIDENT, "hộ an toàn là gì")
    again = await harness.tap(RESIDENT, "Hỏi tiếp")
    assert "Muốn hỏi gì, xin gõ câu hỏi" in text_of(again)
    answer = await harness.say(RESIDENT, "lap to tu quan moi can nhung buoc gi")
    assert "<b>Tổ tự quản: cách tổ chức và hoạt động</b>" in text_of(answer)
    menu = await harness.tap(RESIDENT, "Về menu")
    assert "Hướng dẫn" in labels(menu[-1])


async def test_nothing_found_apologises_and_lists_the_topics(harness: Harness) -> None:
    await open_menu(harness)
    replies = await harness.say(RESIDENT, "giá lúa hôm nay bao nhiêu")
    assert "Xin lỗi, chưa tìm thấy" in text_of(replies)
    assert "Tiếng mõ an ninh" in labels(replies[-1])


async def test_a_number_still_picks_from_the_menu(harness: Harness) -> None:
    await open_menu(harness)
    replies = await harness.say(RESIDENT, "1")
    assert len(labels(replies[-1])) == GUIDE_COUNT + 1


async def test_an_invite_code_at_the_menu_still_binds(harness: Harness) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    await open_menu(harness, "user-7")
    replies = await harness.say("user-7", code)
    assert "Khuổi Bốc" in text_of(replies)


async def test_models_in_a_hamlet_by_choice_and_by_typed_name(harness: Harness) -> None:
    await open_menu(harness)
    communes = await harness.tap(RESIDENT, "Mô hình ở thôn")
    options = labels(communes[-1])
    assert any(o.startswith("xã Phủ Thông") for o in options)
    assert any(o.startswith("xã Bạch Thông") for o in options)
    hamlets = await harness.say(RESIDENT, "phu thong")
    assert "thôn Nà Phải" in labels(hamlets[-1])
    models = await harness.say(RESIDENT, "na phai")
    text = text_of(models)
    assert "Các mô hình tự quản ở thôn Nà Phải" in text
    assert "Tiếng mõ an ninh (Hội Cựu chiến binh)" in text
    assert "(Hội Phụ nữ)" in text and "(Đoàn Thanh niên)" in text
    options = labels(models[-1])
    assert options.count("Tìm hiểu: Khu dân cư bảo vệ môi trường sáng - xanh - sạch - đẹp") == 1
    guide = await harness.tap(RESIDENT, "Tìm hiểu: Tiếng mõ an ninh")
    assert "Ai tham gia" in labels(guide[-1])


async def test_a_typed_name_that_matches_nothing_is_asked_again(harness: Harness) -> None:
    await open_menu(harness)
    await harness.tap(RESIDENT, "Mô hình ở thôn")
    replies = await harness.say(RESIDENT, "Hà Nội xa lắm")
    assert "Không tìm thấy" in text_of(replies)
    assert any(o.startswith("xã Phủ Thông") for o in labels(replies[-1]))


async def share(h: Harness, hamlet: str, phone: str | None, agreed: bool) -> None:
    async with h.sessions() as session, session.begin():
        unit = await units.resolve(session, hamlet)
        from storage.directory import hamlet_head

        head = await hamlet_head(session, unit.id, h.clock())
        assert head is not None
        head.phone, head.share_phone = phone, agreed


async def ask_head(h: Harness, hamlet_label: str) -> str:
    await open_menu(h)
    communes = await h.tap(RESIDENT, "Liên hệ trưởng thôn")
    commune = next(o for o in labels(communes[-1]) if o.startswith("xã Phủ Thông"))
    await h.tap(RESIDENT, commune)
    return text_of(await h.tap(RESIDENT, hamlet_label))


async def test_the_hamlet_head_by_name_only_without_consent(harness: Harness) -> None:
    await share(harness, "Nà Phải", "0912 345 678", agreed=False)
    text = await ask_head(harness, "thôn Nà Phải")
    assert "Hoàng Văn Thào" in text
    assert "0912" not in text and "chưa đồng ý chia sẻ" in text
    assert labels(harness.last[RESIDENT]) == ["Mô hình ở thôn này", "Về menu"]
    models = await harness.tap(RESIDENT, "Mô hình ở thôn này")
    assert "Tiếng mõ an ninh" in text_of(models)


async def test_the_hamlet_head_phone_when_they_agreed(harness: Harness) -> None:
    await share(harness, "Chính", "0912 345 678", agreed=True)
    text = await ask_head(harness, "phố Chính")
    assert "Nông Thị Lan" in text and "0912 345 678" in text
    assert text.startswith("Tổ trưởng tổ dân phố của <b>phố Chính</b>")


async def test_a_hamlets_head_is_named_by_the_hamlets_kind(harness: Harness) -> None:
    text = await ask_head(harness, "thôn Nà Phải")
    assert text.startswith("Trưởng thôn của <b>thôn Nà Phải</b>") and "tại thôn Nà Phải" in text


async def test_hamlet_heads_and_officers_reach_the_guides(harness: Harness) -> None:
    assert "Hướng dẫn" in await open_menu(harness, HEAD)
    topics = await harness.tap(HEAD, "Hướng dẫn")
    assert len(labels(topics[-1])) == GUIDE_COUNT + 1
    answer = await harness.say(HEAD, "tieu chi khu pho van minh")
    assert "<i>Thế nào là làm tốt</i>" in text_of(answer)
    options = await open_menu(harness, OFFICER)
    assert "Hướng dẫn" in options and "Tải lại hướng dẫn" in options
    reloaded = await harness.tap(OFFICER, "Tải lại hướng dẫn")
    assert f"Đã tải lại {GUIDE_COUNT} tài liệu" in text_of(reloaded)


async def test_an_officer_reload_names_a_broken_file(harness: Harness, tmp_path: Path) -> None:
    folder = tmp_path / "guides"
    shutil.copytree(DEFAULT_GUIDES_DIR, folder)
    harness.engine.guides = GuideLibrary(folder)
    assert len(harness.engine.guides.current().guides) == GUIDE_COUNT
    broken = folder / "moi-truong.md"
    broken.write_text(broken.read_text("utf-8").replace("## Liên hệ", "## Lien he"), "utf-8")
    await open_menu(harness, OFFICER)
    replies = await harness.tap(OFFICER, "Tải lại hướng dẫn")
    assert "tệp moi-truong.md" in text_of(replies)
    assert f"vẫn dùng {GUIDE_COUNT} tài liệu" in text_of(replies)


async def test_a_long_section_is_sent_in_parts_under_the_limit(
    harness: Harness, tmp_path: Path
) -> None:
    folder = tmp_path / "guides"
    shutil.copytree(DEFAULT_GUIDES_DIR, folder)
    path = folder / "tieng-mo-an-ninh.md"
    paragraph = "Bà con gõ mõ báo tin cho nhau khi có chuyện, và chạy sang giúp nhau. " * 20
    long_text = path.read_text("utf-8").replace(
        "## Ai tham gia\n", "## Ai tham gia\n\n" + "\n\n".join([paragraph] * 12) + "\n"
    )
    path.write_text(long_text, "utf-8")
    harness.engine.guides = GuideLibrary(folder)
    await open_menu(harness)
    await harness.tap(RESIDENT, "Hướng dẫn")
    await harness.tap(RESIDENT, "Tiếng mõ an ninh")
    replies = await harness.tap(RESIDENT, "Ai tham gia")
    assert len(replies) >= 4
    assert all(len(reply.text) <= 3500 for reply in replies)
    assert text_of(replies).count("Bà con gõ mõ báo tin") == 12 * 20
    assert labels(replies[-1])[-2:] == ["Hỏi tiếp", "Về menu"]


async def conversation(h: Harness, user: str) -> tuple[str, str, int]:
    async with h.sessions() as session:
        row = (
            await session.execute(
                select(Conversation)
                .join(Identity, Identity.id == Conversation.identity_id)
                .where(Identity.external_id == user)
            )
        ).scalar_one()
        return row.flow, row.step, row.version


async def test_bad_input_gets_a_short_answer_and_changes_nothing(harness: Harness) -> None:
    await open_menu(harness)
    await harness.tap(RESIDENT, "Hướng dẫn")
    before = await conversation(harness, RESIDENT)
    sticker = await harness.event(RESIDENT, kind="unsupported")
    assert "chưa đọc được loại tin nhắn này" in text_of(sticker)
    huge = await harness.say(RESIDENT, "mõ " * 5000)
    assert "quá dài" in text_of(huge)
    empty = await harness.say(RESIDENT, "   ")
    assert "gõ câu hỏi" in text_of(empty)
    prompt = harness.last[RESIDENT]
    forged = await harness.event(
        RESIDENT, kind="choice", choice_token=prompt.choice_token, choice_id="s:../../x:0"
    )
    assert "câu hỏi cũ" in text_of(forged)
    stale = await harness.event(RESIDENT, kind="choice", choice_token="1", choice_id="menu")
    assert "câu hỏi cũ" in text_of(stale)
    assert await conversation(harness, RESIDENT) == before
    still = await harness.tap(RESIDENT, "Tiếng mõ an ninh")
    assert "Mục đích" in labels(still[-1])


async def test_a_long_question_is_asked_to_be_shorter(harness: Harness) -> None:
    await open_menu(harness)
    replies = await harness.say(RESIDENT, "tiếng mõ an ninh là gì " * 40)
    assert "Câu hỏi dài quá" in text_of(replies)


async def test_the_people_table_is_untouched_by_reading(harness: Harness) -> None:
    async with harness.sessions() as session:
        before = (await session.execute(select(Person.id))).scalars().all()
    await open_menu(harness)
    await harness.say(RESIDENT, "mõ an ninh?")
    async with harness.sessions() as session:
        after = (await session.execute(select(Person.id))).scalars().all()
    assert before == after


async def test_with_many_communes_the_name_is_typed(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hamlets, "MAX_BUTTONS", 1)
    await open_menu(harness)
    ask = await harness.tap(RESIDENT, "Mô hình ở thôn")
    assert "Gõ tên xã, phường" in text_of(ask)
    assert labels(ask[-1]) == ["Về menu"]
    hamlet_question = await harness.say(RESIDENT, "Bach Thong")
    assert "Gõ tên thôn" in text_of(hamlet_question)
    models = await harness.say(RESIDENT, "khuoi boc")
    assert "Các mô hình tự quản ở thôn Khuổi Bốc" in text_of(models)
