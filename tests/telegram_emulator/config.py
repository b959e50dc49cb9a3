"""Settings of one emulated bot and its server."""

from dataclasses import dataclass, field

from .flood import RateLimits


@dataclass
class EmulatorConfig:
    bot_id: int = 7_100_200_300
    bot_first_name: str = "Tuquan Test Bot"
    bot_username: str = "tuquan_test_bot"
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False
    supports_inline_queries: bool = False
    # None: a fresh token in Telegram's format "<bot_id>:<35 url-safe characters>".
    token: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    rate_limits: RateLimits = field(default_factory=RateLimits)
    webhook_retry_delay: float = 0.2
    webhook_timeout: float = 10.0
    # As Telegram: up to setWebhook's max_connections requests at once, each chat's updates
    # one after another. False: one request at a time, in update_id order.
    webhook_parallel: bool = False
    strict_html_ampersand: bool = True
    # Telegram expires unanswered callback queries after some seconds; None: never.
    callback_query_ttl: float | None = None
    first_update_id: int = 812_000_001
    default_language_code: str | None = "vi"
