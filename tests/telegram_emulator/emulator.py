"""TelegramEmulator: a loopback Bot API server plus the test-side controls."""

from types import TracebackType

from aiohttp import web

from .config import EmulatorConfig
from .dispatch import call_method
from .fault_controls import FaultControls
from .inspection import Inspection
from .params import Params
from .server import build_app
from .state import BotState
from .users import UserActions

# Long polls and hung answers end as soon as stop() begins; this only bounds stragglers.
_SHUTDOWN_TIMEOUT_SECONDS = 1.0


class TelegramEmulator(UserActions, Inspection, FaultControls):
    """Start with ``async with TelegramEmulator() as telegram:`` or start()/stop()."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self._state = BotState(self.config)
        self._state.webhook.reply_handler = self._execute_webhook_reply
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def token(self) -> str:
        return self._state.token

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not running; use start() or async with")
        return self._port

    @property
    def base_url(self) -> str:
        """Server root; clients append /bot<token>/<method> and /file/bot<token>/<path>."""
        return f"http://{self.config.host}:{self.port}"

    @property
    def ptb_base_url(self) -> str:
        """For telegram.Bot(base_url=...), which appends the token and /<method>."""
        return f"{self.base_url}/bot"

    @property
    def ptb_base_file_url(self) -> str:
        return f"{self.base_url}/file/bot"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/bot{self.token}"

    @property
    def bot_user(self) -> dict[str, object]:
        return self._state.bot_user()

    async def start(self) -> None:
        runner = web.AppRunner(
            build_app(self._state),
            access_log=None,
            shutdown_timeout=_SHUTDOWN_TIMEOUT_SECONDS,
            # A long poll whose client hung up must end, as on Telegram, instead of
            # lingering until the next getUpdates "terminates" it with a 409 nobody reads.
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self._state.closing.set()
        self._state.updates.wake_poll()
        await self._state.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "TelegramEmulator":
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _execute_webhook_reply(self, method: str, params: Params) -> None:
        await call_method(self._state, method, params, source="webhook_reply")
