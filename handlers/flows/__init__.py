"""The conversations; importing this package registers every step."""

from handlers.flows import activity, incident, menu, onboarding, recent

__all__ = ["activity", "incident", "menu", "onboarding", "recent"]
