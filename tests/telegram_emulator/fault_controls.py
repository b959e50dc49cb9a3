"""Knobs tests turn to make the emulated server misbehave."""

from collections.abc import Collection

from .faults import Fault, FaultAction, method_selector
from .flood import RateLimits
from .state import BotState

MethodSelector = str | Collection[str] | None


class FaultControls:
    _state: BotState

    def fail_next(
        self,
        method: MethodSelector = None,
        *,
        times: int = 1,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        html_body: bool = False,
    ) -> None:
        """The next `times` matching calls answer this error and have no effect.

        `method` is a method name, several names, or None for any method (getUpdates
        included).  `html_body` answers an nginx-style HTML page instead of JSON, as
        Telegram's front end does for 502s.
        """
        self._state.faults.add(
            Fault(
                FaultAction.ERROR,
                method_selector(method),
                times,
                status=status,
                description=description or "",
                retry_after=retry_after,
                html_body=html_body,
            )
        )

    def fail_with_server_error(self, method: MethodSelector = None, times: int = 1) -> None:
        self.fail_next(method, times=times, status=500)

    def fail_with_bad_gateway(
        self, method: MethodSelector = None, times: int = 1, *, html_body: bool = True
    ) -> None:
        self.fail_next(method, times=times, status=502, html_body=html_body)

    def fail_with_flood_wait(
        self, method: MethodSelector = None, retry_after: int = 5, times: int = 1
    ) -> None:
        self.fail_next(method, times=times, status=429, retry_after=retry_after)

    def fail_with_blocked(self, method: MethodSelector = None, times: int = 1) -> None:
        self.fail_next(method, times=times, status=403)

    def hang_next(
        self,
        method: MethodSelector = None,
        seconds: float = 5.0,
        *,
        times: int = 1,
        apply_call: bool = True,
    ) -> None:
        """Delay the answer by `seconds` so the client times out.

        With apply_call the call takes effect at once and only the answer is late
        (a sent message exists even though the bot saw a timeout); without it nothing
        happens and the connection is closed after the delay.
        """
        self._state.faults.add(
            Fault(
                FaultAction.HANG,
                method_selector(method),
                times,
                delay=seconds,
                apply_call=apply_call,
            )
        )

    def drop_next(
        self, method: MethodSelector = None, *, times: int = 1, apply_call: bool = False
    ) -> None:
        """Close the connection without an answer (optionally after doing the call)."""
        self._state.faults.add(
            Fault(
                FaultAction.DROP_CONNECTION,
                method_selector(method),
                times,
                apply_call=apply_call,
            )
        )

    def block_chat(self, chat_id: int) -> None:
        """Every send or edit to the chat answers 403 until unblocked."""
        self._state.faults.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self._state.faults.blocked_chats.discard(chat_id)

    def clear_faults(self) -> None:
        self._state.faults.clear()

    def set_rate_limits(
        self,
        global_per_s: float = 30.0,
        per_chat_per_s: float = 1.0,
        burst: int = 3,
        group_per_min: float = 20.0,
    ) -> None:
        self._state.flood.reconfigure(
            RateLimits(
                enabled=True,
                global_per_second=global_per_s,
                private_per_second=per_chat_per_s,
                private_burst=burst,
                group_per_minute=group_per_min,
            )
        )

    def disable_rate_limits(self) -> None:
        self._state.flood.reconfigure(RateLimits(enabled=False))

    def set_webhook_retry_delay(self, seconds: float) -> None:
        self._state.webhook.retry_delay = seconds
