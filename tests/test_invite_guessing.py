"""Wrong invite codes lock the account that types them, never a newcomer with a good code."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage import invites
from storage.enums import Role
from storage.models import Identity, InviteFailure
from tests.support import Harness, labels, text_of
from tests.test_onboarding import join, make_invite


async def identity_id(h: Harness, user: str) -> int:
    async with h.sessions() as session:
        found = await session.scalar(select(Identity.id).where(Identity.external_id == user))
        assert found is not None, user
        return found


async def type_wrong_codes(h: Harness, user: str, count: int, series: int = 0) -> str:
    """`count` different codes that do not exist; the last reply."""
    replies = []
    for attempt in range(count):
        replies = await h.say(user, f"/start ZZ{series:02d}{attempt:04d}")
    return text_of(replies)


async def test_twelve_guessing_accounts_do_not_lock_out_a_valid_code(harness: Harness) -> None:
    code = await make_invite(harness, "Khuổi Bốc")
    for account in range(1, 13):
        await type_wrong_codes(harness, f"new-{account}", 5, series=account)
    joined = await join(harness, "new-13", code)
    assert "Đã xác nhận vai trò" in text_of(joined) and "Khuổi Bốc" in text_of(joined)
    assert await harness.roles_of("new-13") == [Role.REPORTER]


async def test_a_locked_account_is_told_when_and_can_still_ask(harness: Harness) -> None:
    code = await make_invite(harness, "Nà Thoi")
    await harness.say("new-1", "/start")
    await harness.tap("new-1", "Nhập mã mời")
    for attempt in range(4):
        wrong = await harness.say("new-1", f"ZZZZ{attempt:04d}")
        assert "không đúng" in text_of(wrong)
        assert await harness.step_of("new-1") == "onboarding/code"
    locked = text_of(await harness.say("new-1", "ZZZZ0004"))
    assert "không đúng" in locked and "nhập lại mã sau 10 phút" in locked
    assert await harness.step_of("new-1") == "menu/main"

    harness.clock.advance(minutes=4)
    refused = text_of(await harness.say("new-1", f"/start {code}"))
    assert "nhập lại mã sau 6 phút" in refused
    assert await harness.step_of("new-1") == "menu/main"
    assert await harness.roles_of("new-1") == []
    answer = await harness.say("new-1", "thấy tai nạn giao thông ở đầu thôn thì phải báo ai")
    assert "<b>Khu dân cư đảm bảo an toàn giao thông</b>" in text_of(answer)
    cancelled = await harness.say("new-1", "/huy")
    assert "Nhập mã mời" in labels(cancelled[-1])

    harness.clock.advance(minutes=6)
    joined = await join(harness, "new-1", code)
    assert "Đã xác nhận vai trò" in text_of(joined) and "Nà Thoi" in text_of(joined)
    assert await harness.roles_of("new-1") == [Role.REPORTER]


async def test_the_same_wrong_code_typed_again_is_one_guess(harness: Harness) -> None:
    code = await make_invite(harness, "Pác Nà")
    for _ in range(7):
        wrong = await harness.say("new-1", "/start ABCD-2345")
        assert "không đúng" in text_of(wrong)
    joined = await join(harness, "new-1", code)
    assert "Đã xác nhận vai trò" in text_of(joined)


async def test_failures_keep_a_hash_of_the_code_and_its_kind(harness: Harness) -> None:
    await harness.say("new-1", "/start zzzz-9999")
    expired = await make_invite(harness, days=1)
    harness.clock.advance(days=2)
    await harness.say("new-1", f"/start {expired}")
    async with harness.sessions() as session:
        rows = list(
            (await session.execute(select(InviteFailure).order_by(InviteFailure.id))).scalars()
        )
    assert [row.kind for row in rows] == ["invite", "invite"]
    assert [row.code_hash for row in rows] == [
        invites.code_hash("ZZZZ9999"),
        invites.code_hash(expired.lower()),
    ]
    for row, typed in zip(rows, ["ZZZZ9999", expired], strict=True):
        assert len(row.code_hash) == 16
        assert typed not in row.code_hash and typed.lower() not in row.code_hash


async def test_link_failures_are_counted_apart_from_invite_failures(harness: Harness) -> None:
    await harness.say("new-1", "/start")
    account = await identity_id(harness, "new-1")
    now = harness.clock()
    async with harness.sessions() as session, session.begin():
        for attempt in range(invites.FAILURES_PER_ACCOUNT):
            await invites.record_failure(session, account, now, f"LINK{attempt:04d}", kind="link")
        assert await invites.guessing_blocked(session, account, now, kind="link")
        assert not await invites.guessing_blocked(session, account, now)
        later = now + invites.FAILURE_WINDOW
        assert not await invites.guessing_blocked(session, account, later, kind="link")


async def test_a_flood_of_wrong_codes_never_refuses_a_valid_one(harness: Harness) -> None:
    code = await make_invite(harness, "Bản Châng", role=Role.DEPUTY)
    await harness.say("flooder", "/start")
    flooder = await identity_id(harness, "flooder")
    async with harness.sessions() as session, session.begin():
        session.add_all(
            InviteFailure(
                identity_id=flooder,
                kind="invite",
                code_hash=invites.code_hash(f"FL{n:06d}"),
                at=harness.clock() - timedelta(seconds=30),
            )
            for n in range(invites.FLOOD_FAILURES)
        )
    busy = text_of(await harness.say("new-1", "/start ZZZZ9999"))
    assert "quá nhiều mã sai" in busy and "thử lại sau 1 phút" in busy
    joined = await join(harness, "new-2", code)
    assert "phó thôn" in text_of(joined)
    assert await harness.roles_of("new-2") == [Role.DEPUTY]
