"""Keeping the bot token out of every log line and every stored error.

The token is part of each Bot API URL, and HTTP libraries log URLs (httpx at INFO) or put
them into exception messages. A filter on the log handlers replaces it wherever it appears.
"""

from __future__ import annotations

import logging

REDACTED = "<token>"
_secrets: set[str] = set()
NOISY_LOGGERS = ("httpx", "httpcore", "aiohttp.access")


def register_secret(secret: str) -> None:
    if secret:
        _secrets.add(secret)


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def protect_logs(token: str) -> None:
    """Redact the token in every handler of the root logger; quiet the URL-logging libraries."""
    register_secret(token)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
