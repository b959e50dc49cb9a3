"""Guides for residents: Markdown files read, checked, kept in memory and searched."""

from handlers.guides.document import SECTION_TITLES, Guide, Problem, Section
from handlers.guides.library import (
    DEFAULT_GUIDES_DIR,
    GuideLibrary,
    Reloaded,
    Shelf,
    check,
    shared_library,
)
from handlers.guides.search import GuideIndex, Hit

__all__ = [
    "DEFAULT_GUIDES_DIR",
    "SECTION_TITLES",
    "Guide",
    "GuideIndex",
    "GuideLibrary",
    "Hit",
    "Problem",
    "Reloaded",
    "Section",
    "Shelf",
    "check",
    "shared_library",
]
