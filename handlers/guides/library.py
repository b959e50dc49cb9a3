"""The guides in memory, read again when their files change.

Each process checks the files' modification times at most every `check_interval` seconds,
so an edit reaches every bot process without a restart; officers can also force it from the
menu. A reload that finds a broken file keeps the guides already in use: residents never
see a half-saved file, and the officer who asked is told what is wrong.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from handlers.guides.document import Guide, Problem, read

if TYPE_CHECKING:
    from handlers.guides.search import GuideIndex

log = logging.getLogger(__name__)

DEFAULT_GUIDES_DIR = Path(__file__).resolve().parents[2] / "guides"
CHECK_INTERVAL = 2.0

Signature = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Shelf:
    """One consistent set of guides and its search index."""

    guides: tuple[Guide, ...]
    index: GuideIndex

    def by_slug(self, slug: str) -> Guide | None:
        return next((g for g in self.guides if g.slug == slug), None)


@dataclass(frozen=True)
class Reloaded:
    count: int
    problems: list[Problem] = field(default_factory=list)


def check(folder: Path) -> tuple[list[Guide], list[Problem]]:
    """Every guide in `folder`, and every problem; rules across files are checked too."""
    paths = sorted(folder.glob("*.md"))
    if not paths:
        return [], [Problem(folder, 0, "no guide (*.md) in this folder")]
    guides: list[Guide] = []
    problems: list[Problem] = []
    for path in paths:
        guide, found = read(path)
        problems += found
        if guide is not None:
            guides.append(guide)
    seen: dict[str, Guide] = {}
    for guide in guides:
        earlier = seen.setdefault(guide.model_type, guide)
        if earlier is not guide:
            problems.append(
                Problem(guide.path, 1, f"model_type '{guide.model_type}' is also in {earlier.path}")
            )
    return guides, problems


class GuideLibrary:
    def __init__(self, folder: Path, check_interval: float = CHECK_INTERVAL) -> None:
        self.folder = folder
        self.check_interval = check_interval
        self._shelf: Shelf | None = None
        self._signature: Signature | None = None
        self._checked_at = float("-inf")

    def current(self) -> Shelf:
        """The guides to use now; read again first when a file changed."""
        now = time.monotonic()
        if self._shelf is None or now - self._checked_at >= self.check_interval:
            self._checked_at = now
            if self._shelf is None or self._files() != self._signature:
                self.reload()
        assert self._shelf is not None
        return self._shelf

    def reload(self) -> Reloaded:
        from handlers.guides.search import GuideIndex

        signature = self._files()
        guides, problems = check(self.folder)
        self._signature = signature
        if problems:
            for problem in problems:
                log.warning("guide problem: %s", problem)
            if self._shelf is not None:
                return Reloaded(len(self._shelf.guides), problems)
        self._shelf = Shelf(tuple(guides), GuideIndex(tuple(guides)))
        return Reloaded(len(guides), problems)

    def _files(self) -> Signature:
        try:
            stats = [(p.name, p.stat()) for p in sorted(self.folder.glob("*.md"))]
        except OSError:
            return ()
        return tuple((name, stat.st_mtime_ns, stat.st_size) for name, stat in stats)


@cache
def shared_library(folder: Path = DEFAULT_GUIDES_DIR) -> GuideLibrary:
    """One library per folder in a process, so every conversation uses the same index."""
    return GuideLibrary(folder)
