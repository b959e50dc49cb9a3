"""A group chat is seen by everyone in it: the bot binds, links and shows nothing there.

It answers a command or a press in a group only with the way into the person's own chat,
and stays silent on the group's conversation.
"""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.messages import InEvent, OutMessage


def answers(event: InEvent) -> bool:
    """A command or a press was meant for the bot; other group messages are not."""
    if event.kind == "choice":
        return True
    return event.kind == "text" and (event.text or "").lstrip().startswith("/")


def write_privately(t: Translator) -> OutMessage:
    return OutMessage(text=str(t("group.private_only")), private_link=True)
