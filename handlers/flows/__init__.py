"""The conversations: `FLOWS` is every one of them, each declared in its own module."""

from typing import Any

from handlers.flow import Flow
from handlers.flows import (
    activity,
    followup,
    guide,
    hamlets,
    incident,
    menu,
    officer,
    onboarding,
    pause,
    recent,
)

FLOWS: tuple[Flow[Any], ...] = (
    *menu.FLOWS,
    *incident.FLOWS,
    *activity.FLOWS,
    *recent.FLOWS,
    *followup.FLOWS,
    *pause.FLOWS,
    *guide.FLOWS,
    *hamlets.FLOWS,
    *onboarding.FLOWS,
    *officer.FLOWS,
)
