"""The conversations; importing this package registers every step."""

from handlers.flows import activity, guide, hamlets, incident, menu, onboarding, recent

__all__ = ["activity", "guide", "hamlets", "incident", "menu", "onboarding", "recent"]
