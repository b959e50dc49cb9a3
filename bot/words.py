"""What the command line prints for a person: catalog messages as plain terminal text."""

from __future__ import annotations

import html
import re
import sys

from markupsafe import Markup

from bot.settings import Settings, get_settings
from handlers.i18n import Translator

_MARKUP_TAG = re.compile(r"</?(?:b|i)>")


def plain(text: Markup | str) -> str:
    """A catalog message as a terminal shows it: no tags, entities back to characters."""
    return html.unescape(_MARKUP_TAG.sub("", str(text)))


def tell(text: Markup | str, *, problem: bool = False) -> None:
    """A line for the person at the terminal; problems and notes go to standard error."""
    print(plain(text), file=sys.stderr if problem else sys.stdout)


def translator(settings: Settings | None = None) -> Translator:
    """The catalogs in TUQUAN_LOCALE, as the bot speaks."""
    return Translator((settings or get_settings()).locale)
