"""The steps of joining and of "Thông tin của tôi", and what joining remembers between them;
`handlers/flows/onboarding.py` declares the two flows."""

from __future__ import annotations

from handlers.flow import FlowState
from handlers.steps import Steps


class At(Steps, flow="onboarding"):
    CODE = "code"
    CONSENT = "consent"
    NAME = "name"
    PHONE = "phone"
    SHARE = "share"


class Profile(Steps, flow="profile"):
    ME = "me"


class Joined(FlowState):
    """The role just taken: its inviter is told once the newcomer has said their name."""

    invite: int
    assignment: int
    replaced: list[str]


class OnboardingState(FlowState):
    consenting: int | None = None
    """The invite whose privacy question is asked."""
    joined: Joined | None = None
    editing: bool = False
    """The name or phone is changed from "Thông tin của tôi", not asked when joining."""
