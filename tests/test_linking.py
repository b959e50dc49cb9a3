"""/lienket: one person's accounts on several channels share one role and one set of reports;
an account gains a role only once its holder agrees in their own chat."""

from __future__ import annotations

import itertools
import re

from sqlalchemy import select

from handlers.messages import InEvent, OutMessage
from storage import inbox, outbox
from storage.enums import ReportKind, Role
from storage.models import Identity, LinkCode, Person, Report, ReportChange, RoleAssignment
from tests.support import HEAD, OFFICER, Harness, labels, text_of
from tests.test_onboarding import make_invite

_keys = itertools.count(1)
CODE = re.compile(r"/lienket ([A-Z0-9]{4}-[A-Z0-9]{4})")


async def on(h: Harness, channel: str, user: str, text: str) -> list[OutMessage]:
    """What `user` reads after typing `text` on `channel`."""
    event = InEvent(channel=channel, user_key=user, chat_key=user, kind="text", text=text)
    async with h.sessions() as session, session.begin():
        await inbox.store(
            session,
            channel=channel,
            update_key=f"link-test-{next(_keys)}",
            user_key=user,
            chat_key=user,
            event=event.model_dump(exclude_defaults=True),
            now=h.clock(),
        )
    await h.engine.run_pending()
    return await read(h, channel, user)


async def read(h: Harness, channel: str, user: str) -> list[OutMessage]:
    async with h.sessions() as session, session.begin():
        items = await outbox.pending_for(session, channel, h.clock(), user, limit=1000)
        for item in items:
            outbox.mark_sent(item, h.clock())
        return [OutMessage.model_validate(item.message) for item in items]


def code_in(replies: list[OutMessage]) -> str:
    found = CODE.search(text_of(replies))
    assert found, text_of(replies)
    return found[1]


async def agree(h: Harness, channel: str, holder: str, answer: str = "a") -> list[OutMessage]:
    """The role holder reads the link question in their own chat and answers it."""
    asked = await read(h, channel, holder)
    assert "muốn liên kết với anh/chị" in text_of(asked), text_of(asked)
    return await on(h, channel, holder, answer)


async def person_of(h: Harness, channel: str, user: str) -> int:
    async with h.sessions() as session:
        query = select(Identity.person_id).where(
            Identity.channel == channel, Identity.external_id == user
        )
        return (await session.execute(query)).scalar_one()


async def test_a_linked_hamlet_head_sees_the_same_reports_on_both_channels(
    harness: Harness,
) -> None:
    issued = await on(harness, "console", HEAD, "/lienket")
    code = code_in(issued)
    assert "30 phút" in text_of(issued)

    waiting = await on(harness, "zalo", "zalo-head", f"/lienket {code.lower()}")
    assert "trợ lý tự động" in text_of(waiting[:1])
    assert "cần chính người dùng tài khoản ấy đồng ý" in text_of(waiting)
    assert await person_of(harness, "zalo", "zalo-head") != await person_of(
        harness, "console", HEAD
    )
    agreed = await agree(harness, "console", HEAD)
    assert "Đã liên kết" in text_of(agreed)
    told = await read(harness, "zalo", "zalo-head")
    assert "vừa được liên kết" in text_of(told)
    linked = await on(harness, "zalo", "zalo-head", "/menu")
    assert "Báo sự việc" in labels(linked[-1])
    assert await person_of(harness, "zalo", "zalo-head") == await person_of(
        harness, "console", HEAD
    )

    for answer in ("1", "1", "2", "Trộm gà ở xóm dưới", "1", "nhà văn hóa", "1", "1"):
        done = await on(harness, "zalo", "zalo-head", answer)
    assert "Đã ghi nhận báo cáo số" in text_of(done)
    filed = (await harness.reports(kind=ReportKind.INCIDENT))[-1]

    on_console = await on(harness, "console", HEAD, "/menu")
    assert "Báo cáo gần đây" in labels(on_console[-1])
    listed = await on(harness, "console", HEAD, "Báo cáo gần đây")
    assert any(label.startswith(f"#{filed.id} ") for label in labels(listed[-1]))

    earlier = (await harness.reports(reporter_id=filed.reporter_id))[0]
    on_zalo = await on(harness, "zalo", "zalo-head", "Báo cáo gần đây")
    assert any(label.startswith(f"#{filed.id} ") for label in labels(on_zalo[-1]))
    assert earlier.id != filed.id

    async with harness.sessions() as session:
        record = (await session.execute(select(LinkCode))).scalar_one()
    assert record.used_at is not None
    assert record.kept_person_id == filed.reporter_id
    assert record.merged_person_id is not None


async def test_a_code_works_once_and_not_after_it_expires(harness: Harness) -> None:
    code = code_in(await on(harness, "console", HEAD, "/lienket"))
    await on(harness, "zalo", "first", f"/lienket {code}")
    waiting = await on(harness, "zalo", "second", f"/lienket {code}")
    assert "đang chờ người giữ vai trò" in text_of(waiting)
    await agree(harness, "console", HEAD)
    again = await on(harness, "zalo", "second", f"/lienket {code}")
    assert "đã được dùng" in text_of(again)

    late = code_in(await on(harness, "console", HEAD, "/lienket"))
    harness.clock.advance(minutes=31)
    expired = await on(harness, "zalo", "third", f"/lienket {late}")
    assert "hết hạn" in text_of(expired)
    wrong = await on(harness, "zalo", "third", "/lienket ZZZZ-9999")
    assert "không đúng" in text_of(wrong)

    head = await person_of(harness, "console", HEAD)
    assert await person_of(harness, "zalo", "first") == head
    assert await person_of(harness, "zalo", "second") != head
    assert await person_of(harness, "zalo", "third") != head


async def test_the_new_account_joins_the_role_holder_whichever_side_asks(
    harness: Harness,
) -> None:
    code = code_in(await on(harness, "zalo", "new-phone", "lien ket"))
    asked = await on(harness, "console", HEAD, f"/lienket {code}")
    assert "muốn liên kết với anh/chị" in text_of(asked)
    assert await person_of(harness, "zalo", "new-phone") != await person_of(
        harness, "console", HEAD
    )
    linked = await on(harness, "console", HEAD, "a")
    assert "Đã liên kết" in text_of(linked)
    head = await person_of(harness, "console", HEAD)
    assert await person_of(harness, "zalo", "new-phone") == head
    menu = await on(harness, "zalo", "new-phone", "/menu")
    assert "Báo sự việc" in labels(menu[-1])


async def test_a_bare_code_typed_on_a_new_account_links_it(harness: Harness) -> None:
    code = code_in(await on(harness, "console", HEAD, "/lienket"))
    await on(harness, "zalo", "bare", code.replace("-", ""))
    assert "Đã liên kết" in text_of(await agree(harness, "console", HEAD))
    assert await person_of(harness, "zalo", "bare") == await person_of(harness, "console", HEAD)


async def test_two_role_holders_are_not_joined(harness: Harness) -> None:
    code = code_in(await on(harness, "console", OFFICER, "/lienket"))
    refused = await on(harness, "console", HEAD, f"/lienket {code}")
    assert "không gộp được" in text_of(refused)
    assert await person_of(harness, "console", OFFICER) != await person_of(harness, "console", HEAD)


async def test_the_joined_persons_reports_and_history_follow_them(harness: Harness) -> None:
    invite = await make_invite(harness, "Khuổi Bốc", role=Role.REPORTER)
    await on(harness, "zalo", "kb", invite)
    await on(harness, "zalo", "kb", "đồng ý")
    await on(harness, "zalo", "kb", "Bàn Văn Tú")
    await on(harness, "zalo", "kb", "Tuần này bình thường")
    quiet = (await harness.reports(kind=ReportKind.NOTHING))[-1]
    async with harness.sessions() as session, session.begin():
        # The commune hands Khuổi Bốc to someone else; the old reports stay Bàn Văn Tú's.
        for assignment in (
            await session.execute(
                select(RoleAssignment).where(RoleAssignment.person_id == quiet.reporter_id)
            )
        ).scalars():
            assignment.valid_to = harness.clock()

    code = code_in(await on(harness, "console", HEAD, "/lienket"))
    await on(harness, "zalo", "kb", f"/lienket {code}")
    await agree(harness, "console", HEAD)
    head = await person_of(harness, "console", HEAD)
    assert await person_of(harness, "zalo", "kb") == head
    async with harness.sessions() as session:
        moved = await session.get_one(Report, quiet.id)
        history = (
            await session.execute(
                select(ReportChange.person_id).where(ReportChange.report_id == quiet.id)
            )
        ).scalars()
        ended = (
            await session.execute(
                select(RoleAssignment.person_id).where(RoleAssignment.valid_to.is_not(None))
            )
        ).scalars()
        kept = await session.get_one(Person, head)
        assert set(history) == {head}
        assert head in set(ended)
    assert moved.reporter_id == head
    assert kept.full_name == "Hoàng Văn Thào"


async def test_two_accounts_without_a_role_join_at_once(harness: Harness) -> None:
    code = code_in(await on(harness, "console", "resident-pc", "/lienket"))
    linked = await on(harness, "zalo", "resident-phone", f"/lienket {code}")
    assert "Đã liên kết" in text_of(linked)
    assert await person_of(harness, "zalo", "resident-phone") == await person_of(
        harness, "console", "resident-pc"
    )


async def test_the_holder_saying_no_links_nothing_and_the_code_is_spent(
    harness: Harness,
) -> None:
    code = code_in(await on(harness, "console", OFFICER, "/lienket"))
    await on(harness, "zalo", "stranger", f"/lienket {code}")
    declined = await agree(harness, "console", OFFICER, answer="b")
    assert "Đã từ chối" in text_of(declined)
    assert "không đồng ý liên kết" in text_of(await read(harness, "zalo", "stranger"))
    again = await on(harness, "zalo", "stranger", f"/lienket {code}")
    assert "đã được dùng" in text_of(again)
    assert await person_of(harness, "zalo", "stranger") != await person_of(
        harness, "console", OFFICER
    )
    twice = await on(harness, "console", OFFICER, "a")
    assert "Đã liên kết" not in text_of(twice)


async def test_only_the_holder_can_answer_and_not_after_half_an_hour(harness: Harness) -> None:
    code = code_in(await on(harness, "console", OFFICER, "/lienket"))
    await on(harness, "zalo", "stranger", f"/lienket {code}")
    async with harness.sessions() as session:
        link = (await session.execute(select(LinkCode))).scalar_one()
    forged = await harness.event(HEAD, kind="choice", choice_token=f"k{link.id}", choice_id="yes")
    assert "Chỉ người đang giữ vai trò" in text_of(forged)
    by_requester = await on(harness, "zalo", "stranger", "a")
    assert "Đã liên kết" not in text_of(by_requester)
    harness.clock.advance(minutes=31)
    late = await agree(harness, "console", OFFICER)
    assert "hết hạn" in text_of(late)
    officer = await person_of(harness, "console", OFFICER)
    assert await person_of(harness, "zalo", "stranger") != officer
    assert await person_of(harness, "console", HEAD) != officer


async def test_guessing_link_codes_is_limited_and_leaves_the_person_at_the_menu(
    harness: Harness,
) -> None:
    for n in range(4):
        wrong = await on(harness, "zalo", "guesser", f"/lienket ZZZZ-99{n}9")
        assert "không đúng" in text_of(wrong)
    locked = await on(harness, "zalo", "guesser", "/lienket ZZZZ-9949")
    assert "quá nhiều lần" in text_of(locked) and "10 phút" in text_of(locked)
    code = code_in(await on(harness, "console", "resident-pc", "/lienket"))
    still = await on(harness, "zalo", "guesser", f"/lienket {code}")
    assert "quá nhiều lần" in text_of(still)
    assert await person_of(harness, "zalo", "guesser") != await person_of(
        harness, "console", "resident-pc"
    )
    harness.clock.advance(minutes=11)
    code = code_in(await on(harness, "console", "resident-pc", "/lienket"))
    assert "Đã liên kết" in text_of(await on(harness, "zalo", "guesser", f"/lienket {code}"))
