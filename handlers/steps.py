"""The name of a conversation step, typed: a member of its flow's `Steps` class."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class Steps(StrEnum):
    """A flow's steps as a typed class (as aiogram's StatesGroup); the value is what is stored.

    class At(Steps, flow="activity"):
        MODEL = "model"
    """

    flow: ClassVar[str]

    def __init_subclass__(cls, *, flow: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.flow = flow

    @property
    def key(self) -> tuple[str, str]:
        return self.flow, self.value
