"""ZaloFake: the loopback server plus what a test does with it (people writing, inspection)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal

from aiohttp import web

from tests.zalo_fake.server import build_app
from tests.zalo_fake.state import BodyShape, FakeState, Json, Photo, Sent, WebhookDelivery
from tests.zalo_fake.webhook import deliver_forever

TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
UNSUPPORTED = "message.unsupported.received"


class FakeUser:
    """A person writing to the bot from their phone, in a private chat."""

    def __init__(self, fake: ZaloFake, user_id: str, display_name: str) -> None:
        self.fake = fake
        self.id = user_id
        self.chat_id = user_id
        self.display_name = display_name

    def says(self, text: str) -> str:
        return self.fake.push(self, TEXT, {"text": text})

    def sends_photo(self, url: str, caption: str | None = None, *, field: str = "photo_url") -> str:
        content: Json = {field: url}
        if caption is not None:
            content["caption"] = caption
        return self.fake.push(self, IMAGE, content)

    def sends_sticker(self) -> str:
        return self.fake.push(self, STICKER, {"sticker": "0e078a2fb66a5f34067b"})

    def sends_location(self) -> str:
        """Zalo hands a shared location (or voice, or a file) over with no content at all."""
        return self.fake.push(self, UNSUPPORTED, {})


class ZaloFake:
    def __init__(
        self,
        *,
        error_status: Literal["mirror", "200"] = "mirror",
        webhook_shape: BodyShape = "flat",
    ) -> None:
        self.state = FakeState(
            token=f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(24)}",
            error_status=error_status,
            webhook_shape=webhook_shape,
        )
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(
            build_app(self.state), access_log=None, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._pusher = asyncio.create_task(deliver_forever(self.state))

    async def stop(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> ZaloFake:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # People and their messages

    def user(self, user_id: str, display_name: str = "Người dùng Zalo") -> FakeUser:
        self.state.known_chats.add(user_id)
        return FakeUser(self, user_id, display_name)

    def push(self, user: FakeUser, event_name: str, content: Json) -> str:
        message_id = self.state.new_id("z")
        update = {
            "event_name": event_name,
            "message": {
                "message_id": message_id,
                "date": int(time.time() * 1000),
                "chat": {"id": user.chat_id, "chat_type": "PRIVATE"},
                "from": {"id": user.id, "display_name": user.display_name, "is_bot": False},
                **content,
            },
        }
        self.state.created[message_id] = update
        self.state.push(update)
        return message_id

    def redeliver(self, message_id: str) -> None:
        """Zalo has no offset: the same update (same message_id) may simply come again."""
        self.state.push(self.state.created[message_id])

    def add_photo(self, name: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.state.photos[name] = Photo(data, content_type)
        return f"{self.base_url}/media/{name}"

    # Platform behaviour a test can arm

    def block(self, user: FakeUser) -> None:
        self.state.blocked.add(user.chat_id)

    def limit_rate(self, per_second: int | None) -> None:
        self.state.rate_per_second = per_second

    def end_polls(self) -> None:
        """Long polls in progress end empty now, as if their time were up."""
        self.state.poll_generation += 1
        self.state.changed()

    def fail_photo(self, name: str, times: int) -> None:
        self.state.photo_failures[name] = times

    # What happened

    def sent_to(self, chat_id: str) -> list[Sent]:
        return [sent for sent in self.state.sent if sent.chat_id == chat_id]

    @property
    def rejected(self) -> list[tuple[str, int, str]]:
        return list(self.state.rejected)

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        return list(self.state.deliveries)

    @property
    def pending(self) -> int:
        return len(self.state.queue)

    def called(self, method: str) -> int:
        return self.state.calls.count(method)

    async def wait_until(
        self, predicate: Callable[[], bool], within: float = 15.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {within}s waiting for {what}")
            await self.state.wait_change(min(remaining, 0.02))
