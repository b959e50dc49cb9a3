"""Binding an account to a hamlet or a unit with an invite code, once the person agreed to
the privacy notice, then the person's name, phone and whether residents may see it; the same
details can be changed later ("Thông tin của tôi").

The code and the consent are `handlers/flows/invite_code.py`, the details
`handlers/flows/profile.py`; this module declares both flows."""

from __future__ import annotations

from typing import Any

from handlers.flow import Flow, NoState, Step
from handlers.flows.invite_code import ask_code, looks_like_code, on_code, on_consent, redeem
from handlers.flows.onboarding_steps import At, OnboardingState, Profile
from handlers.flows.profile import (
    on_name,
    on_phone,
    on_profile,
    on_share,
    phone_number,
    show_profile,
)

ONBOARDING = Flow(
    At,
    OnboardingState,
    entry=(At.CODE,),
    steps={
        At.CODE: Step(on_code, then=(At.CONSENT, At.NAME)),
        At.CONSENT: Step(on_consent, then=(At.NAME,)),
        At.NAME: Step(on_name, then=(At.PHONE, Profile.ME)),
        At.PHONE: Step(on_phone, then=(At.SHARE, Profile.ME)),
        At.SHARE: Step(on_share, then=(Profile.ME,)),
    },
)
PROFILE = Flow(
    Profile,
    NoState,
    entry=(Profile.ME,),
    steps={Profile.ME: Step(on_profile, then=(At.NAME, At.PHONE))},
)

# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (ONBOARDING, PROFILE)

__all__ = [
    "FLOWS",
    "ONBOARDING",
    "PROFILE",
    "ask_code",
    "looks_like_code",
    "phone_number",
    "redeem",
    "show_profile",
]
