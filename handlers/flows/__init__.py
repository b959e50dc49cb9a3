"""The conversations; importing this package registers every step."""

from handlers.flows import (
    activity,
    followup,
    guide,
    hamlets,
    incident,
    linking,
    menu,
    officer,
    onboarding,
    recent,
)

__all__ = [
    "activity",
    "followup",
    "guide",
    "hamlets",
    "incident",
    "linking",
    "menu",
    "officer",
    "onboarding",
    "recent",
]
