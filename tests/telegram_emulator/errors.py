"""Bot API error answers and the exceptions that carry them through the handlers."""

from .jsontypes import JSONDict


class BotApiError(Exception):
    """A failed Bot API call, answered as {"ok": false, "error_code": ..., ...}."""

    def __init__(
        self,
        error_code: int,
        description: str,
        parameters: JSONDict | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_payload(self) -> JSONDict:
        payload: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload


class EmulatorUsageError(Exception):
    """A test asked the emulator for something a real Telegram user could not do."""


def bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


def cant_parse_entities(detail: str) -> BotApiError:
    return bad_request(f"can't parse entities: {detail}")


def forbidden(detail: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> BotApiError:
    return BotApiError(409, f"Conflict: {detail}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def unauthorized() -> BotApiError:
    return BotApiError(401, "Unauthorized")


def not_found() -> BotApiError:
    return BotApiError(404, "Not Found")


def chat_not_found() -> BotApiError:
    return bad_request("chat not found")
