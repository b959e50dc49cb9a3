"""Any input at any step of any conversation: no crash, a valid Vietnamese answer, and a
refusal changes nothing."""

from __future__ import annotations

import asyncio
import os
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from handlers.messages import OutMessage
from storage import invites, people, units
from storage.db import create_engine, session_factory
from storage.enums import InboxStatus, Role, UnitKind
from storage.models import Conversation, Identity, InboxItem, Report
from tests.databases import SqliteTemplates
from tests.support import HEAD, OFFICER, RESIDENT, Harness, MutableClock
from tests.telegram_emulator.html_parser import parse_html
from tests.telegram_emulator.utf16 import utf16_length

# `make reliability` raises this; the everyday suite runs a fixed, repeatable sample.
DEFAULT_EXAMPLES = 8
EXAMPLES = int(os.environ.get("TUQUAN_PROPERTY_EXAMPLES", DEFAULT_EXAMPLES))

INCIDENT = ["/menu", "1"]
ACTIVITY = ["/menu", "2"]
# The hamlet head sends a fresh incident, editable for a day, and opens it in "Báo cáo gần đây".
SENT = [*INCIDENT, "1", "2", "Trộm gà", "1", "1", "1", "1"]
OWN_REPORT = [*SENT, "4", "1"]
# The officer opens the first open incident of xã Phủ Thông.
OPEN_INCIDENT = ["/menu", "Sự việc đang mở", "1"]
MODELS = ["/menu", "Mô hình tự quản"]
ADD_MODEL = [*MODELS, "Thêm mô hình", "Nà Phải", "1"]
SETTINGS = ["/menu", "Lịch nhắc, nghỉ lễ"]
HOLIDAY = [*SETTINGS, "Thêm đợt nghỉ (Tết, lễ)"]
# A console account no demo person has: it has not yet agreed to the privacy notice.
NEWCOMER = "user-bad-input"
# A script reaching each step of each conversation, as (user, lines, expected flow/step);
# "{code}" in a line is what the step's `PREPARED` setup gave.
STEPS: dict[str, tuple[str, list[str]]] = {
    "menu/main": (HEAD, ["/menu"]),
    "incident/category": (HEAD, INCIDENT),
    "incident/urgency": (HEAD, [*INCIDENT, "1"]),
    "incident/text": (HEAD, [*INCIDENT, "1", "2"]),
    "incident/when": (HEAD, [*INCIDENT, "1", "2", "Trộm gà ở cuối thôn"]),
    "incident/date": (HEAD, [*INCIDENT, "1", "2", "Trộm gà ở cuối thôn", "3"]),
    "incident/day_confirm": (HEAD, [*INCIDENT, "1", "2", "Trộm gà ở cuối thôn", "3", "5/12"]),
    "incident/place": (HEAD, [*INCIDENT, "1", "2", "Trộm gà ở cuối thôn", "1"]),
    "incident/photos": (HEAD, [*INCIDENT, "1", "2", "Trộm gà ở cuối thôn", "1", "1"]),
    "incident/confirm": (HEAD, [*INCIDENT, "1", "2", "Trộm gà", "1", "1", "1"]),
    "incident/edit": (HEAD, [*INCIDENT, "1", "2", "Trộm gà", "1", "1", "1", "2"]),
    "incident/quiet_confirm": (HEAD, [*INCIDENT, "1", "2", "Trộm gà", "1", "1", "1", "1", "3"]),
    "activity/model": (HEAD, ACTIVITY),
    "activity/text": (HEAD, [*ACTIVITY, "3"]),
    "activity/when": (HEAD, [*ACTIVITY, "3", "Tuần tra đêm"]),
    "activity/date": (HEAD, [*ACTIVITY, "3", "Tuần tra đêm", "3"]),
    "activity/participants": (HEAD, [*ACTIVITY, "3", "Tuần tra đêm", "1"]),
    "activity/photos": (HEAD, [*ACTIVITY, "3", "Tuần tra đêm", "1", "12"]),
    "activity/confirm": (HEAD, [*ACTIVITY, "3", "Tuần tra đêm", "1", "12", "1"]),
    "recent/list": (HEAD, ["/menu", "4"]),
    "recent/detail": (HEAD, ["/menu", "4", "1"]),
    "menu/main@resident": (RESIDENT, ["/menu"]),
    "onboarding/code": (RESIDENT, ["/menu", "4"]),
    "profile/me": (HEAD, ["/menu", "Thông tin của tôi"]),
    "onboarding/name": (HEAD, ["/menu", "Thông tin của tôi", "1"]),
    "onboarding/phone": (HEAD, ["/menu", "Thông tin của tôi", "2"]),
    "onboarding/share": (HEAD, ["/menu", "Thông tin của tôi", "2", "0912345678"]),
    "invites/invite_handover": (OFFICER, ["/menu", "Mời người dùng", "1", "na phai"]),
    "guide/topics": (RESIDENT, ["/menu", "1"]),
    "guide/guide": (RESIDENT, ["/menu", "1", "1"]),
    "guide/answer": (RESIDENT, ["/menu", "1", "1", "1"]),
    "hamlet/commune": (RESIDENT, ["/menu", "2"]),
    "hamlet/hamlet": (RESIDENT, ["/menu", "2", "1"]),
    "hamlet/result": (RESIDENT, ["/menu", "2", "1", "1"]),
    "activity/day_confirm": (HEAD, [*ACTIVITY, "3", "Tuần tra đêm", "3", "5/12"]),
    "activity/edit": (HEAD, [*ACTIVITY, "3", "Tuần tra đêm", "1", "12", "1", "2"]),
    "recent/withdraw": (HEAD, [*OWN_REPORT, "Rút lại"]),
    "recent/field": (HEAD, [*OWN_REPORT, "Sửa"]),
    "recent/value": (HEAD, [*OWN_REPORT, "Sửa", "Nội dung"]),
    "pause/pause": (HEAD, ["/menu", "Tạm dừng nhắc báo cáo"]),
    "onboarding/consent": (NEWCOMER, ["/menu", "Nhập mã mời", "{code}"]),
    "acting_unit/acting_unit": (OFFICER, ["/menu", "Đổi đơn vị"]),
    "summary/summary": (OFFICER, ["/menu", "Tổng hợp"]),
    "open_incidents/open": (OFFICER, ["/menu", "Sự việc đang mở"]),
    "open_incidents/incident": (OFFICER, OPEN_INCIDENT),
    "followup/resolve_confirm": (OFFICER, [*OPEN_INCIDENT, "Đã xử lý"]),
    "followup/note": (OFFICER, [*OPEN_INCIDENT, "Ghi chú"]),
    "exports/export": (OFFICER, ["/menu", "Xuất Excel"]),
    "exports/report": (OFFICER, ["/menu", "Báo cáo Word"]),
    "invites/invite_role": (OFFICER, ["/menu", "Mời người dùng"]),
    "invites/invite_unit": (OFFICER, ["/menu", "Mời người dùng", "1"]),
    "models/models": (OFFICER, MODELS),
    "models/model": (OFFICER, [*MODELS, "2"]),
    # Thôn Bản Đán's model, made active first should an input have stopped it.
    "models/model_stop_confirm": (
        OFFICER,
        [*MODELS, "2", "Hoạt động lại", *MODELS, "2", "Ngừng hẳn"],
    ),
    "models/model_hamlet": (OFFICER, [*MODELS, "Thêm mô hình"]),
    "models/model_type": (OFFICER, [*MODELS, "Thêm mô hình", "Nà Phải"]),
    "models/model_org": (OFFICER, ADD_MODEL),
    # Should an input have added the model, the next organization is asked about instead;
    # at the question itself an organization's name is no answer and changes nothing.
    "models/model_confirm": (
        OFFICER,
        [*ADD_MODEL, "Hội Nông dân", "Công an xã", "Hội Cựu chiến binh"],
    ),
    "schedule/settings": (OFFICER, SETTINGS),
    "schedule/set_time": (OFFICER, [*SETTINGS, "Đổi giờ nhắc lần 1"]),
    "schedule/set_minutes": (OFFICER, [*SETTINGS, "Đổi thời gian chờ khẩn"]),
    "schedule/holiday_first": (OFFICER, HOLIDAY),
    # Yesterday: begun already, or next year's? The officer is asked.
    "schedule/holiday_confirm": (OFFICER, [*HOLIDAY, "26/11"]),
    "schedule/holiday_last": (OFFICER, [*HOLIDAY, "20/12"]),
    "schedule/holiday_cancel": (OFFICER, [*HOLIDAY, "20/12", "25/12", "Hủy đợt nghỉ"]),
}
Prepare = Callable[[Harness], Awaitable[dict[str, str]]]


async def _second_commune(h: Harness) -> dict[str, str]:
    """No demo officer serves two units: the commune officer also takes xã Bạch Thông."""
    officer = await h.person(OFFICER)
    async with h.sessions() as session, session.begin():
        bach_thong = await units.resolve(session, "2014", (UnitKind.COMMUNE,))
        await people.assign(session, officer.id, bach_thong.id, Role.OFFICER, h.clock())
    return {}


async def _invite(h: Harness) -> dict[str, str]:
    """A code for thôn Khuổi Bốc's head, as an officer would hand it to the newcomer."""
    async with h.sessions() as session, session.begin():
        hamlet = await units.resolve(session, "Khuổi Bốc")
        invite = await invites.create(session, unit_id=hamlet.id, role=Role.REPORTER, now=h.clock())
        return {"code": invite.code}


# What a script needs that no demo person can type, done once before its inputs.
PREPARED: dict[str, Prepare] = {
    "acting_unit/acting_unit": _second_commune,
    "onboarding/consent": _invite,
}

NASTY_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "x" * 10_000,
            "🙂" * 3000,
            "\u202eđảo ngược\u202c",
            "\x00\x07\x1b[31m",
            unicodedata.normalize("NFD", "Báo sự việc khẩn cấp"),
            "<b>đậm</b> & <script>alert(1)</script>",
            "'; DROP TABLE reports; --",
            "/khonglenh",
            "/start",
            "/start ZZZZ9999",
            "0",
            "99",
            "-1",
            "31/02",
            "29/02/2025",
            "1/1/1900",
        ]
    ),
)
EVENTS = st.one_of(
    st.builds(lambda text: {"kind": "text", "text": text}, NASTY_TEXT),
    st.just({"kind": "unsupported"}),
    st.builds(lambda ref: {"kind": "photo", "photos": [ref]}, st.text(min_size=1, max_size=20)),
    st.builds(
        lambda lat, lon: {"kind": "location", "location": {"latitude": lat, "longitude": lon}},
        st.floats(-90, 90),
        st.floats(-180, 180),
    ),
    st.builds(
        lambda token, choice: {"kind": "choice", "choice_token": token, "choice_id": choice},
        st.text(max_size=8),
        st.text(max_size=8),
    ),
    st.builds(lambda phone: {"kind": "contact", "phone": phone}, st.text(max_size=20)),
)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def harness_sync(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, sqlite_templates: SqliteTemplates
) -> Iterator[Harness]:
    engine = create_engine(sqlite_templates.fresh(tmp_path))
    yield Harness(session_factory(engine), MutableClock())
    loop.run_until_complete(engine.dispose())


async def snapshot(h: Harness, user: str) -> tuple[Any, ...]:
    async with h.sessions() as session:
        reports = (await session.execute(select(func.count()).select_from(Report))).scalar_one()
        conversation = (
            await session.execute(
                select(Conversation)
                .join(Identity, Identity.id == Conversation.identity_id)
                .where(Identity.external_id == user)
            )
        ).scalar_one()
        failed = (
            await session.execute(
                select(func.count()).where(InboxItem.status == InboxStatus.FAILED)
            )
        ).scalar_one()
        return (
            reports,
            conversation.flow,
            conversation.step,
            conversation.version,
            dict(conversation.data),
            failed,
        )


def assert_valid_answer(replies: list[OutMessage]) -> None:
    assert replies, "every input gets an answer"
    for reply in replies:
        parsed = parse_html(reply.text)
        assert parsed.text.strip()
        assert utf16_length(parsed.text) <= 4096
        assert any(ch in reply.text for ch in "ạảãáàâầấậơớờưứừđêếềệôốồộăắằ")
        for choice in reply.choices:
            assert len(f"{reply.choice_token}:{choice.id}".encode()) <= 64


def reacher(
    h: Harness, where: str, loop: asyncio.AbstractEventLoop
) -> Callable[[], Awaitable[None]]:
    """What brings the script's person to its step again, its setup done once."""
    user, script = STEPS[where]
    prepare = PREPARED.get(where)
    values = loop.run_until_complete(prepare(h)) if prepare else {}

    async def reach() -> None:
        await h.say(user, "/huy")
        for line in script:
            await h.say(user, line.format_map(values) if values else line)
        _, flow, step, *_ = await snapshot(h, user)
        assert f"{flow}/{step}" == where.split("@")[0], "the script no longer reaches its step"

    return reach


@pytest.mark.parametrize("where", sorted(STEPS))
def test_any_input_at_any_step(
    where: str, harness_sync: Harness, loop: asyncio.AbstractEventLoop
) -> None:
    user, _ = STEPS[where]
    h = harness_sync
    reach = reacher(h, where, loop)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        # Repeatable by default; TUQUAN_PROPERTY_RANDOM=1 explores new inputs each run.
        derandomize=not os.environ.get("TUQUAN_PROPERTY_RANDOM"),
    )
    @given(event=EVENTS)
    def check(event: dict[str, Any]) -> None:
        loop.run_until_complete(reach())
        before = loop.run_until_complete(snapshot(h, user))
        replies = loop.run_until_complete(h.event(user, **event))
        after = loop.run_until_complete(snapshot(h, user))
        assert after[5] == before[5], "the step crashed"
        assert_valid_answer(replies)
        reports_before, *state_before, _ = before
        reports_after, *state_after, _ = after
        at_confirm = where.endswith(("/confirm", "_confirm")) or where.startswith("menu/main")
        if not at_confirm:
            assert reports_after == reports_before, "only a confirmation stores a report"
        moved = state_after[:3] != state_before[:3]
        grew_photos = event["kind"] == "photo" and where.endswith("/photos")
        if not moved and not grew_photos:
            assert state_after[3] == state_before[3], "a refused input changed the draft"
        stale = event["kind"] == "choice" and event.get("choice_token") != str(before[3])
        if stale:
            assert not moved and reports_after == reports_before
            assert state_after[3] == state_before[3]
            assert "câu hỏi cũ" in replies[0].text

    check()


@pytest.mark.parametrize("typed", ["²", "³", "①", "٣"])
def test_digits_that_are_not_plain_numbers_are_answered(
    typed: str, harness_sync: Harness, loop: asyncio.AbstractEventLoop
) -> None:
    """'²' counts as a digit for str.isdigit() but not for int(): found by the property run."""
    replies = loop.run_until_complete(harness_sync.say(HEAD, "/menu"))
    replies = loop.run_until_complete(harness_sync.say(HEAD, typed))
    assert_valid_answer(replies)
    failed = loop.run_until_complete(snapshot(harness_sync, HEAD))[5]
    assert failed == 0


def declared_steps() -> set[str]:
    """Every step the conversations declare, as "flow/step"."""
    from handlers.flows import FLOWS

    return {f"{flow.name}/{at}" for flow in FLOWS for at in flow.steps}


def test_every_step_has_a_script() -> None:
    scripted = {where.split("@")[0] for where in STEPS}
    missing = sorted(declared_steps() - scripted)
    assert not missing, f"steps with no script in STEPS: {missing}"


# Found by TUQUAN_PROPERTY_RANDOM=1 runs, outside the everyday sample; each fails until fixed.


@pytest.mark.parametrize("where", ["models/model_hamlet", "invites/invite_unit"])
def test_a_long_unknown_unit_name_is_not_echoed_whole(
    where: str, harness_sync: Harness, loop: asyncio.AbstractEventLoop
) -> None:
    loop.run_until_complete(reacher(harness_sync, where, loop)())
    replies = loop.run_until_complete(harness_sync.say(STEPS[where][0], "🙂" * 3000))
    assert_valid_answer(replies)


@pytest.mark.parametrize("where", ["menu/main", "summary/summary"])
def test_a_garbled_digest_button_is_an_old_question(
    where: str, harness_sync: Harness, loop: asyncio.AbstractEventLoop
) -> None:
    loop.run_until_complete(reacher(harness_sync, where, loop)())
    pressed = {"kind": "choice", "choice_token": "d", "choice_id": ""}
    replies = loop.run_until_complete(harness_sync.event(STEPS[where][0], **pressed))
    assert_valid_answer(replies)
    assert "câu hỏi cũ" in replies[0].text
