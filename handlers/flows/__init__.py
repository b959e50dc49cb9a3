"""The conversations; importing this package registers every step."""

from handlers.flows import activity, followup, incident, menu, officer, onboarding, recent

__all__ = ["activity", "followup", "incident", "menu", "officer", "onboarding", "recent"]
