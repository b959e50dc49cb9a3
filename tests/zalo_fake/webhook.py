"""Pushing queued updates to the bot's webhook, one at a time, until it answers 2xx."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.zalo_fake.state import FakeState, Json, Webhook, WebhookDelivery

SECRET_HEADER = "X-Bot-Api-Secret-Token"
IDLE_RECHECK_SECONDS = 0.5


async def deliver_forever(state: FakeState) -> None:
    async with aiohttp.ClientSession(trust_env=False) as http:
        while True:
            webhook = state.webhook
            if webhook is None or not state.queue:
                await state.wait_change(IDLE_RECHECK_SECONDS)
                continue
            update = state.queue[0]
            status = await _post(http, webhook, update, state)
            message_id = str(update.get("message", {}).get("message_id"))
            state.deliveries.append(WebhookDelivery(message_id, status, state.webhook_shape))
            if status is not None and 200 <= status < 300:
                if state.queue and state.queue[0] is update:
                    state.queue.popleft()
                state.changed()
                continue
            state.changed()
            # Not confirmed: Zalo delivers it again later.
            await asyncio.sleep(state.webhook_retry_delay)


async def _post(
    http: aiohttp.ClientSession, webhook: Webhook, update: Json, state: FakeState
) -> int | None:
    body = {"ok": True, "result": update} if state.webhook_shape == "wrapped" else update
    try:
        async with http.post(
            webhook.url,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", SECRET_HEADER: webhook.secret},
            timeout=aiohttp.ClientTimeout(total=10),
        ) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return None
