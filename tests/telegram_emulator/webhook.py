"""Pushing pending updates to the bot's webhook: one at a time in update_id order, or (with
`parallel`) up to max_connections at once, each chat's updates one after another.

An update counts as delivered only when the webhook answers 2xx; otherwise it stays
pending and is retried after a delay, as Telegram does.  A 2xx answer may carry a
Bot API call ("method" field, JSON or multipart), which Telegram executes.
"""

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from .jsontypes import JSONDict
from .params import Params, UploadedFile
from .stats import WebhookDelivery
from .update_queue import UpdateQueue
from .waiting import ChangeNotifier

ReplyHandler = Callable[[str, Params], Awaitable[None]]
_IDLE_RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None


@dataclass(frozen=True)
class _Attempt:
    status: int | None
    error: str | None
    reply: tuple[str, Params] | None = None


class WebhookDeliverer:
    def __init__(
        self,
        queue: UpdateQueue,
        notifier: ChangeNotifier,
        retry_delay: float,
        timeout: float,
        *,
        parallel: bool = False,
    ) -> None:
        self.parallel = parallel
        self.most_at_once = 0  # the most requests in flight together
        self._queue = queue
        self._notifier = notifier
        self.retry_delay = retry_delay
        self._timeout = timeout
        self.settings: WebhookSettings | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.deliveries: list[WebhookDelivery] = []
        self.reply_handler: ReplyHandler | None = None
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def configure(self, settings: WebhookSettings | None) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if settings is not None and settings != self.settings:
            self.last_error_date = None
            self.last_error_message = None
        self.settings = settings
        if settings is not None:
            deliver = self._deliver_in_parallel if self.parallel else self._deliver_forever
            self._task = asyncio.create_task(deliver(settings))

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver_forever(self, settings: WebhookSettings) -> None:
        while True:
            pending = self._queue.peek(1)
            if not pending:
                await self._notifier.wait(_IDLE_RECHECK_SECONDS)
                continue
            await self._deliver_one(settings, pending[0])

    async def _deliver_in_parallel(self, settings: WebhookSettings) -> None:
        in_flight: dict[int, asyncio.Task[None]] = {}
        busy: set[str] = set()

        def done(update_id: int, chat: str, _: asyncio.Task[None]) -> None:
            in_flight.pop(update_id, None)
            busy.discard(chat)
            self._notifier.notify()

        try:
            while True:
                seen: set[str] = set()
                for update in self._queue.peek(len(self._queue)):
                    if len(in_flight) >= settings.max_connections:
                        break
                    update_id, chat = int(update["update_id"]), _chat_of(update)
                    first_of_its_chat = chat not in seen
                    seen.add(chat)
                    if not first_of_its_chat or chat in busy:
                        continue
                    busy.add(chat)
                    task = asyncio.create_task(self._deliver_one(settings, update))
                    task.add_done_callback(functools.partial(done, update_id, chat))
                    in_flight[update_id] = task
                self.most_at_once = max(self.most_at_once, len(in_flight))
                await self._notifier.wait(_IDLE_RECHECK_SECONDS)
        finally:
            for task in list(in_flight.values()):
                task.cancel()

    async def _deliver_one(self, settings: WebhookSettings, update: JSONDict) -> None:
        """One push; after a failure, the retry delay (the update stays pending)."""
        attempt = await self._post(settings, update)
        update_id = int(update["update_id"])
        self.deliveries.append(
            WebhookDelivery(update_id, time.time(), attempt.status, attempt.error)
        )
        if attempt.error is None:
            self._queue.confirm_delivered(update_id)
            if attempt.reply is not None and self.reply_handler is not None:
                await self.reply_handler(*attempt.reply)
            return
        self.last_error_date = int(time.time())
        self.last_error_message = attempt.error
        self._notifier.notify()
        await asyncio.sleep(self.retry_delay)

    async def _post(self, settings: WebhookSettings, update: JSONDict) -> _Attempt:
        headers = {"Content-Type": "application/json"}
        if settings.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = settings.secret_token
        try:
            async with self._client().post(
                settings.url,
                data=json.dumps(update, ensure_ascii=False).encode("utf-8"),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                ssl=False,
            ) as response:
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
                    return _Attempt(response.status, error)
                return _Attempt(response.status, None, await _read_reply(response))
        except TimeoutError:
            return _Attempt(None, "Read timeout expired")
        except aiohttp.ClientConnectorError:
            return _Attempt(None, "Connection refused")
        except aiohttp.ClientError as error:
            return _Attempt(None, f"Connection error: {error}")

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        return self._session


def _chat_of(update: JSONDict) -> str:
    """The chat an update belongs to, whose updates go one after another."""
    for kind in ("message", "edited_message", "channel_post", "my_chat_member", "chat_member"):
        body = update.get(kind)
        if isinstance(body, dict) and isinstance(body.get("chat"), dict):
            return str(body["chat"].get("id"))
    press = update.get("callback_query")
    if isinstance(press, dict):
        message = press.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return str(message["chat"].get("id"))
        sender = press.get("from")
        if isinstance(sender, dict):
            return str(sender.get("id"))
    return f"update-{update.get('update_id')}"


async def _read_reply(response: aiohttp.ClientResponse) -> tuple[str, Params] | None:
    if response.content_type == "application/json":
        with contextlib.suppress(ValueError, aiohttp.ContentTypeError):
            body: object = await response.json()
            if isinstance(body, dict) and isinstance(body.get("method"), str):
                return body["method"], Params(body, "application/json")
        return None
    if response.content_type == "multipart/form-data":
        values = await _read_multipart(response)
        method = values.get("method")
        if isinstance(method, str):
            return method, Params(values, "multipart/form-data")
    return None


async def _read_multipart(response: aiohttp.ClientResponse) -> dict[str, object]:
    values: dict[str, object] = {}
    reader = aiohttp.MultipartReader(response.headers, response.content)
    while True:
        part = await reader.next()
        if part is None:
            return values
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        data = await part.read()
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            values[part.name] = UploadedFile(part.filename, content_type, bytes(data))
        else:
            values[part.name] = bytes(data).decode("utf-8", "replace")
