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
    shares_contact: bool = True
    """The app has a button to send one's own phone number."""
    announces_automation: bool = False
    """The platform's terms require the first message to say that a program answers."""
    buttons: bool = True
    """Choices are buttons to press; without, they are listed with what to type."""
    edits_messages: bool = True
    """A message already shown can be redrawn in place (an alert once someone took it)."""
    receives_files: bool = True
    """A document the bot makes (a Word report) reaches the person as a file."""


FULL = ChannelTraits()
TRAITS: dict[str, ChannelTraits] = {
    # The Zalo Bot API delivers a shared location as an unsupported message with no content,
    # its terms ask bots to say they are automated, and it has neither buttons nor edits;
    # it sends no documents, only links, and the bot serves no file at a public address.
    "zalo": ChannelTraits(
        shares_location=False,
        shares_contact=False,
        announces_automation=True,
        buttons=False,
        edits_messages=False,
        receives_files=False,
    ),
    # A terminal prints and scrolls on; `/vitri` stands in for the phone's location.
    "console": ChannelTraits(shares_contact=False, buttons=False, edits_messages=False),
}


def traits_for(channel: str) -> ChannelTraits:
    return TRAITS.get(channel, FULL)
