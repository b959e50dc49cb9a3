from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.guides import DEFAULT_GUIDES_DIR
from storage.clock import Clock, running_from, system_clock
from storage.db import DEFAULT_SQLITE_URL
from storage.retention import RetentionPolicy

# Zalo's CDN domains, where the photos people send are kept.
ZALO_MEDIA_HOSTS = ("zdn.vn", "zadn.vn", "zalo.me", "zaloapp.com", "zaloplatforms.com")


class Settings(BaseSettings):
    """Every setting of the bot; read from the environment and from `.env`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        DEFAULT_SQLITE_URL, validation_alias=AliasChoices("TUQUAN_DATABASE_URL")
    )
    timezone: str = Field("Asia/Ho_Chi_Minh", validation_alias=AliasChoices("TUQUAN_TIMEZONE"))
    locale: Literal["vi", "en"] = Field("vi", validation_alias=AliasChoices("TUQUAN_LOCALE"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("TUQUAN_LOG_LEVEL"))
    clock_start: datetime | None = Field(None, validation_alias=AliasChoices("TUQUAN_CLOCK_START"))
    guides_dir: Path = Field(DEFAULT_GUIDES_DIR, validation_alias=AliasChoices("TUQUAN_GUIDES_DIR"))
    telegram_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )
    telegram_api_url: str = Field(
        "https://api.telegram.org", validation_alias=AliasChoices("TELEGRAM_API_URL")
    )
    telegram_bot_username: str | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_USERNAME")
    )
    telegram_runtime: Literal["ptb", "aiogram"] = Field(
        "ptb", validation_alias=AliasChoices("TUQUAN_TELEGRAM_RUNTIME")
    )
    telegram_timeout: float = Field(
        10.0, gt=0, validation_alias=AliasChoices("TUQUAN_TELEGRAM_TIMEOUT")
    )
    webhook_url: str | None = Field(None, validation_alias=AliasChoices("TUQUAN_WEBHOOK_URL"))
    webhook_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TUQUAN_WEBHOOK_SECRET")
    )
    webhook_listen: str = Field("127.0.0.1", validation_alias=AliasChoices("TUQUAN_WEBHOOK_LISTEN"))
    webhook_port: int = Field(
        8080, ge=1, le=65535, validation_alias=AliasChoices("TUQUAN_WEBHOOK_PORT")
    )
    zalo_bot_token: SecretStr | None = Field(None, validation_alias=AliasChoices("ZALO_BOT_TOKEN"))
    zalo_api_url: str = Field(
        "https://bot-api.zaloplatforms.com", validation_alias=AliasChoices("ZALO_API_URL")
    )
    zalo_poll_timeout: int = Field(
        30, ge=1, le=60, validation_alias=AliasChoices("ZALO_POLL_TIMEOUT")
    )
    zalo_webhook_url: str | None = Field(None, validation_alias=AliasChoices("ZALO_WEBHOOK_URL"))
    zalo_webhook_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ZALO_WEBHOOK_SECRET")
    )
    zalo_webhook_listen: str = Field(
        "127.0.0.1:8080", validation_alias=AliasChoices("ZALO_WEBHOOK_LISTEN")
    )
    zalo_rate_per_second: float = Field(
        5.0, gt=0, validation_alias=AliasChoices("ZALO_RATE_PER_SECOND")
    )
    zalo_rate_per_chat_per_second: float = Field(
        1.0, gt=0, validation_alias=AliasChoices("ZALO_RATE_PER_CHAT_PER_SECOND")
    )
    media_dir: Path = Field(Path("data/media"), validation_alias=AliasChoices("TUQUAN_MEDIA_DIR"))
    media_max_bytes: int = Field(
        10 * 1024 * 1024, gt=0, validation_alias=AliasChoices("TUQUAN_MEDIA_MAX_BYTES")
    )
    zalo_media_hosts: str = Field(
        ",".join(ZALO_MEDIA_HOSTS), validation_alias=AliasChoices("TUQUAN_ZALO_MEDIA_HOSTS")
    )

    web_listen: str | None = Field(None, validation_alias=AliasChoices("TUQUAN_WEB_LISTEN"))
    public_url: str | None = Field(None, validation_alias=AliasChoices("TUQUAN_PUBLIC_URL"))

    chart_processes: int = Field(
        1, ge=0, le=64, validation_alias=AliasChoices("TUQUAN_CHART_PROCESSES")
    )

    retention_reports_days: int = Field(
        5 * 365, validation_alias=AliasChoices("TUQUAN_RETENTION_REPORTS_DAYS")
    )
    retention_raw_days: int = Field(30, validation_alias=AliasChoices("TUQUAN_RETENTION_RAW_DAYS"))
    retention_conversation_days: int = Field(
        7, validation_alias=AliasChoices("TUQUAN_RETENTION_CONVERSATION_DAYS")
    )
    retention_files_days: int = Field(
        30, validation_alias=AliasChoices("TUQUAN_RETENTION_FILES_DAYS")
    )

    @cached_property
    def clock(self) -> Clock:
        """What the bot takes as now: the machine's clock, or one that starts at
        TUQUAN_CLOCK_START (a local time unless it names its offset) and runs on from there.
        One per process, so every part of it agrees."""
        if self.clock_start is None:
            return system_clock
        start = self.clock_start
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(self.timezone))
        return running_from(start)

    @property
    def web_address(self) -> str | None:
        """Where officers open the pages (`…/web`): under TUQUAN_PUBLIC_URL, else on
        TUQUAN_WEB_LISTEN itself; None when this deployment does not serve them."""
        if not self.web_listen:
            return None
        return (self.public_url or f"http://{self.web_listen}").rstrip("/") + "/web"

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            reports=timedelta(days=self.retention_reports_days),
            raw_updates=timedelta(days=self.retention_raw_days),
            conversations=timedelta(days=self.retention_conversation_days),
            files=timedelta(days=self.retention_files_days),
            media_dir=self.media_dir,
        )

    @property
    def zalo_media_host_suffixes(self) -> tuple[str, ...]:
        """The hosts photo links may point to: these names and their subdomains."""
        parts = (part.strip().strip(".").lower() for part in self.zalo_media_hosts.split(","))
        return tuple(part for part in parts if part)

    @property
    def telegram_token(self) -> str | None:
        """The bot token, or None when Telegram is not configured."""
        token = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return token.strip() or None

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        return Path(self.database_url[len(prefix) :])


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
