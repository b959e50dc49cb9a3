"""The baseline for ingest: the incident conversation as python-telegram-bot's examples teach it.

A ConversationHandler with one state per question, PicklePersistence keeping the
conversation and user_data (flushed every 60 s, as shipped), and the report saved with
SQLAlchemy at the end. It is fed the same updates as bench.ingest (many hamlet heads,
interleaved) through `Application.process_update`, with a bot whose requests never leave
the process: an offline BaseRequest answers getMe and sendMessage as the Bot API would, so
every reply is still built, serialized and parsed by the library.

What it does not promise, and ours does: an update is not stored before it is handled, the
conversation state is lost on a crash between flushes, replies are not kept in an outbox,
and the same update handled twice would save the report twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.request import BaseRequest, RequestData

from storage.clock import iso_week
from storage.enums import IncidentCategory, IncidentStatus, ReportKind, Role
from storage.models import Identity, Report, RoleAssignment

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_USER = 500_000_000
MENU, CATEGORY, URGENCY, TEXT, WHEN, PLACE, PHOTOS, CONFIRM = range(8)
CATEGORIES = list(IncidentCategory)


class OfflineRequest(BaseRequest):
    """Answers the Bot API calls the conversation makes, without a network."""

    def __init__(self) -> None:
        self.sent = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        result: Any = True
        if endpoint == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif endpoint == "sendMessage":
            self.sent += 1
            result = {
                "message_id": self.sent,
                "date": int(time.time()),
                "chat": {"id": int(str(params["chat_id"])), "type": "private"},
                "text": str(params.get("text", "")),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def keyboard(*rows: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[row] for row in rows], one_time_keyboard=True)


def build_application(
    sessions: async_sessionmaker[AsyncSession], pickle_path: Path, request: OfflineRequest
) -> Application[Any, Any, Any, Any, Any, Any]:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        await update.message.reply_text(
            "Chọn việc:", reply_markup=keyboard("1. Báo sự việc", "2. Báo hoạt động", "3. Ổn")
        )
        return MENU

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["draft"] = {}
        labels = [f"{n}. {c.value}" for n, c in enumerate(CATEGORIES, start=1)]
        await update.message.reply_text("Loại sự việc?", reply_markup=keyboard(*labels))
        return CATEGORY

    async def category(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        number = int(update.message.text or "0")
        if not 1 <= number <= len(CATEGORIES):
            await update.message.reply_text("Chọn một số trong danh sách.")
            return CATEGORY
        context.user_data["draft"]["category"] = CATEGORIES[number - 1].value
        await update.message.reply_text(
            "Có khẩn cấp không?", reply_markup=keyboard("1. Có", "2. Không")
        )
        return URGENCY

    async def urgency(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["draft"]["urgent"] = update.message.text == "1"
        await update.message.reply_text("Mô tả sự việc:", reply_markup=ReplyKeyboardRemove())
        return TEXT

    async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["draft"]["text"] = update.message.text or ""
        await update.message.reply_text(
            "Xảy ra khi nào?", reply_markup=keyboard("1. Hôm nay", "2. Hôm qua", "3. Ngày khác")
        )
        return WHEN

    async def when(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        back = 0 if update.message.text == "1" else 1
        day = datetime.now(TZ).date() - timedelta(days=back)
        context.user_data["draft"]["day"] = day.isoformat()
        await update.message.reply_text("Ở đâu?", reply_markup=keyboard("1. Bỏ qua"))
        return PLACE

    async def place(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        typed = update.message.text or ""
        context.user_data["draft"]["place"] = None if typed == "1" else typed
        await update.message.reply_text("Gửi ảnh, hoặc:", reply_markup=keyboard("1. Không có ảnh"))
        return PHOTOS

    async def photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        draft = context.user_data["draft"]
        await update.message.reply_text(
            f"{draft['category']}, {draft['text']}, {draft['day']}. Gửi?",
            reply_markup=keyboard("1. Gửi", "2. Sửa", "3. Huỷ"),
        )
        return CONFIRM

    async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and update.effective_user is not None
        assert context.user_data is not None
        draft = context.user_data.pop("draft")
        external_id = f"bench-{update.effective_user.id - FIRST_USER}"
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            person_id, hamlet_id = (
                await session.execute(
                    select(Identity.person_id, RoleAssignment.unit_id)
                    .join(RoleAssignment, RoleAssignment.person_id == Identity.person_id)
                    .where(
                        Identity.external_id == external_id,
                        RoleAssignment.role == Role.REPORTER,
                        RoleAssignment.valid_to.is_(None),
                    )
                )
            ).one()
            moment = datetime.fromisoformat(draft["day"] + "T12:00").replace(tzinfo=TZ)
            category = IncidentCategory(draft["category"])
            session.add(
                Report(
                    unit_id=hamlet_id,
                    reporter_id=person_id,
                    kind=ReportKind.INCIDENT,
                    category=category.value,
                    urgent=draft["urgent"],
                    sensitive=category.confidential,
                    text=draft["text"],
                    occurred_at=moment,
                    received_at=now,
                    week=iso_week(moment),
                    place=draft["place"],
                    status=IncidentStatus.OPEN,
                )
            )
        await update.message.reply_text("Đã gửi.", reply_markup=ReplyKeyboardRemove())
        return ConversationHandler.END

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        await update.message.reply_text("Đã huỷ.", reply_markup=ReplyKeyboardRemove())
        return ConversationHandler.END

    answer = filters.TEXT & ~filters.COMMAND
    conversation = ConversationHandler(
        entry_points=[CommandHandler("menu", menu)],
        states={
            MENU: [MessageHandler(filters.Regex("^1$"), start)],
            CATEGORY: [MessageHandler(answer, category)],
            URGENCY: [MessageHandler(answer, urgency)],
            TEXT: [MessageHandler(answer, text)],
            WHEN: [MessageHandler(answer, when)],
            PLACE: [MessageHandler(answer, place)],
            PHOTOS: [MessageHandler(answer, photos)],
            CONFIRM: [MessageHandler(filters.Regex("^1$"), confirm)],
        },
        fallbacks=[CommandHandler("huy", cancel)],
        name="incident",
        persistent=True,
    )
    application = (
        Application.builder()
        .bot(ExtBot(token="1:offline", request=request, get_updates_request=OfflineRequest()))
        .persistence(PicklePersistence(filepath=pickle_path))
        .updater(None)
        .build()
    )
    application.add_handler(conversation)
    return application


def updates(bot: Bot, script: list[str], reporters: int, run: int) -> list[Update]:
    """The script of every reporter, interleaved step by step as bench.ingest does."""
    found = []
    moment = int(time.time())
    for step, line in enumerate(script):
        for number in range(reporters):
            user = FIRST_USER + number
            message: dict[str, Any] = {
                "message_id": run * 1_000_000 + step * reporters + number,
                "date": moment,
                "chat": {"id": user, "type": "private"},
                "from": {"id": user, "is_bot": False, "first_name": f"Người {number}"},
                "text": line,
            }
            if line.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(line.split()[0])}
                ]
            update_id = run * 1_000_000 + step * reporters + number
            update = Update.de_json({"update_id": update_id, "message": message}, bot)
            found.append(update)
    return found


async def measure(
    sessions: async_sessionmaker[AsyncSession], script: list[str], reporters: int, runs: int
) -> dict[str, float]:
    """Updates per second and per-update latency, fed one after another as ours are."""
    from bench.ingest import Statements

    rates: list[float] = []
    cpu: list[float] = []
    latencies: list[float] = []
    request = OfflineRequest()
    statements = Statements(sessions.kw["bind"])
    statements.counting = True
    with tempfile.TemporaryDirectory() as directory:
        application = build_application(sessions, Path(directory) / "conversation", request)
        async with application:
            for run in range(runs):
                batch = updates(application.bot, script, reporters, run)
                started, cpu_started = time.perf_counter(), time.process_time()
                for update in batch:
                    one = time.perf_counter()
                    await application.process_update(update)
                    latencies.append(time.perf_counter() - one)
                await application.update_persistence()
                rates.append(len(batch) / (time.perf_counter() - started))
                cpu.append((time.process_time() - cpu_started) / len(batch))
    statements.counting = False
    async with sessions() as session:
        stored = (
            await session.execute(
                select(func.count())
                .select_from(Report)
                .where(Report.text.like("Xe tải%"), Report.source_inbox_id.is_(None))
            )
        ).scalar_one()
    assert stored == reporters * runs, f"{stored} reports for {reporters * runs} conversations"
    assert request.sent == len(script) * reporters * runs, request.sent
    latencies.sort()
    return {
        "rate": statistics.median(rates),
        "cpu_ms": statistics.median(cpu) * 1000,
        "statements": statements.count / (len(script) * reporters * runs),
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def main(argv: list[str]) -> None:
    from bench.ingest import SCRIPT, prepare

    parser = argparse.ArgumentParser(prog="python -m bench baseline_ptb")
    parser.add_argument("--reporters", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    async def run(url: str) -> dict[str, float]:
        sessions = await prepare(url, args.reporters)
        return await measure(sessions, SCRIPT, args.reporters, args.runs)

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'baseline.sqlite3'}"
        result = asyncio.run(run(url))
    print(
        f"python-telegram-bot ConversationHandler + PicklePersistence on SQLite: "
        f"{result['rate']:.0f} updates/s, p50 {result['p50_ms']:.2f} ms, "
        f"p99 {result['p99_ms']:.2f} ms (printed only; `python -m bench ingest` writes it)"
    )
