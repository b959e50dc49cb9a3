"""Guides for residents: Markdown files read, checked, kept in memory and searched.

The search (handlers.guides.search, bm25s and numpy) is imported when the first index is
built, not by every process that imports the guides.
"""

from handlers.guides.document import SECTION_TITLES, Guide, Problem, Section
from handlers.guides.library import (
    DEFAULT_GUIDES_DIR,
    GuideLibrary,
    Reloaded,
    Shelf,
    check,
    shared_library,
)

__all__ = [
    "DEFAULT_GUIDES_DIR",
    "SECTION_TITLES",
    "Guide",
    "GuideLibrary",
    "Problem",
    "Reloaded",
    "Section",
    "Shelf",
    "check",
    "shared_library",
]
