"""What a conversation may ask of the app a person writes from, and what its terms require.

Facts about a channel as the conversation sees them, keyed by channel name; the platform
code itself stays in bot/.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelTraits:
    shares_location: bool = True
    """The app has a button to send the phone's location."""
    announces_automation: bool = False
    """The platform's terms require the first message to say that a program answers."""


FULL = ChannelTraits()
TRAITS: dict[str, ChannelTraits] = {
    # The Zalo Bot API delivers a shared location as an unsupported message with no content,
    # and its terms ask bots to say they are automated.
    "zalo": ChannelTraits(shares_location=False, announces_automation=True),
}


def traits_for(channel: str) -> ChannelTraits:
    return TRAITS.get(channel, FULL)
