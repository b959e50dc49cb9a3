"""telegram-test-api 4.2.1 (npm, MIT), an independent fake Bot API server, for the flows.

It validates nothing, so Telegram's rules are tested on tests/telegram_emulator; here the
same conversations run against a second implementation. `launcher.js` puts a small front
server before it that fixes its wire faults (listed there). Without node and
`npm ci` in this folder the tests using it are skipped, unless TUQUAN_REQUIRE_NODE_TESTS=1
(set in CI) makes that a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import shutil
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import pytest

from tests.telegram_flows.fake import BotMessage, plain, reply_keyboard_of

HERE = Path(__file__).resolve().parent
REQUIRE_ENV = "TUQUAN_REQUIRE_NODE_TESTS"
STARTUP_SECONDS = 20


def require_or_skip() -> str:
    """The node executable, or a skip (a failure when CI requires these tests)."""
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not (HERE / "node_modules" / "telegram-test-api").is_dir():
        problem = f"telegram-test-api is not installed: run `npm ci` in {HERE}"
    if problem is None and node is not None:
        return node
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{problem}, and {REQUIRE_ENV}=1 requires these tests")
    pytest.skip(problem or "")


class TelegramTestApi:
    name = "telegram-test-api"

    def __init__(self) -> None:
        self.token = f"7100200301:{secrets.token_urlsafe(27)[:35]}"
        self._process: asyncio.subprocess.Process | None = None
        self._port: int | None = None
        self._http: aiohttp.ClientSession | None = None
        self._message_ids = itertools.count(1_000_000)
        self._file_ids = itertools.count(1)

    @property
    def api_root(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def __aenter__(self) -> TelegramTestApi:
        node = require_or_skip()
        self._process = await asyncio.create_subprocess_exec(
            node, str(HERE / "launcher.js"), cwd=HERE, stdout=asyncio.subprocess.PIPE
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), STARTUP_SECONDS)
        self._port = int(json.loads(line)["port"])
        self._http = aiohttp.ClientSession(trust_env=False)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._process.wait(), 5)
            if self._process.returncode is None:
                self._process.kill()
                await self._process.wait()

    async def _client_call(self, route: str, body: dict[str, Any]) -> Any:
        assert self._http is not None
        async with self._http.post(f"{self.api_root}/{route}", json=body) as answer:
            assert answer.status == 200, await answer.text()
            return (await answer.json())["result"]

    def _person(self, user: int, first_name: str | None = None) -> dict[str, Any]:
        return {"id": user, "is_bot": False, "first_name": first_name or f"Người {user}"}

    async def _send(
        self, user: int, content: dict[str, Any], first_name: str | None = None
    ) -> None:
        message = {
            "botToken": self.token,
            "from": {**self._person(user, first_name), "language_code": "vi"},
            "chat": {"id": user, "type": "private", "first_name": first_name or f"Người {user}"},
            "date": int(time.time()),
            **content,
        }
        await self._client_call("sendMessage", message)

    async def text(self, user: int, text: str, first_name: str) -> int | None:
        await self._send(user, {"text": text}, first_name)
        return None

    async def photo(self, user: int, caption: str | None = None, album: str | None = None) -> str:
        number = next(self._file_ids)
        sizes = [
            {"file_id": f"tta-photo-{number}-{width}", "file_unique_id": f"u{number}-{width}",
             "width": width, "height": width * 3 // 4}
            for width in (90, 320, 1280)
        ]  # fmt: skip
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        if album:
            content["media_group_id"] = album
        await self._send(user, content)
        return str(sizes[-1]["file_id"])

    async def location(self, user: int, latitude: float, longitude: float) -> None:
        await self._send(user, {"location": {"latitude": latitude, "longitude": longitude}})

    async def contact(self, user: int, phone: str, first_name: str) -> None:
        own = {"phone_number": phone, "first_name": first_name, "user_id": user}
        await self._send(user, {"contact": own}, first_name)

    async def sticker(self, user: int) -> None:
        number = next(self._file_ids)
        sticker = {
            "file_id": f"tta-sticker-{number}", "file_unique_id": f"s{number}",
            "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "emoji": "👍",
        }  # fmt: skip
        await self._send(user, {"sticker": sticker})

    async def press(self, user: int, message: BotMessage, data: str) -> None:
        body = {
            "botToken": self.token,
            "from": self._person(user),
            "message": {
                "message_id": message.message_id,
                "from": {"id": 666, "is_bot": True, "first_name": "Test First name"},
                "chat": {"id": user, "type": "private"},
                "date": int(time.time()),
                "text": message.text,
            },
            "data": data,
        }
        await self._client_call("sendCallback", body)

    async def bot_messages(self, chat: int) -> list[BotMessage]:
        history = await self._client_call("getUpdatesHistory", {"token": self.token})
        shown: list[BotMessage] = []
        for item in history:
            message = item.get("message") or {}
            if str(message.get("chat_id")) != str(chat):
                continue
            markup = message.get("reply_markup")
            keyboard, location, persistent = reply_keyboard_of(markup)
            inline = (markup or {}).get("inline_keyboard") or []
            shown.append(
                BotMessage(
                    message_id=int(item["messageId"]),
                    text=plain(message.get("text", "")),
                    buttons=[(b["text"], b["callback_data"]) for row in inline for b in row],
                    keyboard=keyboard,
                    location_button=location,
                    persistent_keyboard=persistent,
                )
            )
        return shown

    def chat_commands(self, chat: int) -> list[str] | None:
        return None
