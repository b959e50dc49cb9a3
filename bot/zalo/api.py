"""A small async client of the Zalo Bot API: POST JSON to <root>/bot<token>/<method>.

The token is part of every URL, so no URL is ever logged or put into an error message:
httpx's own request log is silenced and transport errors are re-raised without their cause.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

# httpx logs every request's URL at INFO, and the URL carries the token.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

EMPTY_POLL = 408
REQUEST_TIMEOUT = 20.0
# A long poll is answered by the server after its own timeout; give it room to do so.
POLL_MARGIN = 10.0


class ZaloApiError(Exception):
    """The API answered `{"ok": false}` or with an HTTP error status."""

    def __init__(self, method: str, code: int, description: str) -> None:
        super().__init__(f"{method}: {code} {description}")
        self.method = method
        self.code = code
        self.description = description


class ZaloUnreachable(Exception):
    """No answer: connection refused or broken, or a timeout."""


class ZaloApi:
    def __init__(
        self,
        token: str,
        api_url: str,
        *,
        timeout: float = REQUEST_TIMEOUT,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._root = f"{api_url.rstrip('/')}/bot{token}"
        self._timeout = timeout
        self._http = http or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, seconds: float | None = None
    ) -> Any:
        """The `result` of a successful call; raises ZaloApiError or ZaloUnreachable."""
        try:
            response = await self._http.post(
                f"{self._root}/{method}", json=params or {}, timeout=seconds or self._timeout
            )
        except httpx.HTTPError as error:
            raise ZaloUnreachable(f"{method}: {type(error).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True and response.is_success:
            return body.get("result")
        if isinstance(body, dict):
            code = int(body.get("error_code") or response.status_code)
            description = str(body.get("description") or response.reason_phrase)
        else:
            code, description = response.status_code, response.reason_phrase
        raise ZaloApiError(method, code if code >= 400 else 500, description[:300])

    async def get_me(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("getMe")
        return result

    async def get_update(self, poll_seconds: int) -> dict[str, Any] | None:
        """One update, or None when the long poll ended empty (408)."""
        try:
            result = await self.call(
                "getUpdates",
                {"timeout": str(poll_seconds)},
                seconds=poll_seconds + POLL_MARGIN,
            )
        except ZaloApiError as error:
            if error.code == EMPTY_POLL:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any] | None:
        """The webhook set, or None (the API answers 404 when there is none)."""
        try:
            result = await self.call("getWebhookInfo")
        except ZaloApiError as error:
            if error.code == 404:
                return None
            raise
        return result if isinstance(result, dict) and result.get("url") else None

    async def send_message(self, chat_id: str, text: str) -> str | None:
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return _message_id(result)

    async def send_photo(
        self, chat_id: str, photo_url: str, caption: str | None = None
    ) -> str | None:
        params = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return _message_id(await self.call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _message_id(result: Any) -> str | None:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return None
