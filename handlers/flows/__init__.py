"""The conversations; importing this package registers every step."""

from handlers.flows import activity, incident, linking, menu, onboarding, recent

__all__ = ["activity", "incident", "linking", "menu", "onboarding", "recent"]
