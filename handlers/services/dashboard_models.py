"""The models page: every self-management model of a unit's subtree, with the ones the
digest finds dormant or run twice in a hamlet marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.digest import build
from handlers.digest_contents import Digest
from handlers.digest_tree import Tree
from handlers.i18n import Translator
from handlers.periods import Period
from handlers.services.dashboard_incidents import plain
from handlers.services.dashboard_viewer import Viewer
from storage.digests import DigestData
from storage.enums import ModelStatus
from storage.models import Unit


@dataclass(frozen=True)
class ModelLine:
    hamlet_label: str
    type_name: str
    organization: str
    status: str
    status_label: str
    started_on: date
    last_activity: datetime | None
    dormant: bool
    overlapping: bool


@dataclass(frozen=True)
class ModelRegistry:
    rows: list[ModelLine]
    dormant_count: int
    overlap_count: int


def digest_tree(digest: Digest) -> Tree:
    """The digest's units as a `Tree`, to name merged units by their successors."""
    return Tree(DigestData(digest.root.id, digest.units, {}, [], [], [], []))


async def model_registry(
    session: AsyncSession,
    viewer: Viewer,
    unit: Unit,
    period: Period,
    now: datetime,
    tz: ZoneInfo,
    *,
    t: Translator | None = None,
) -> ModelRegistry:
    """Every model of the subtree, with the digest's dormant and overlapping ones marked."""
    t = t or Translator()
    digest = await build(session, unit.id, period, now, tz)
    tree = digest_tree(digest)
    dormant = {d.model.instance_id for d in digest.dormant}
    overlapping = {(o.hamlet.id, o.type_name) for o in digest.overlaps}
    rows = []
    for model in digest.models:
        hamlet = digest.units[tree.successor(model.hamlet_id)]
        rows.append(
            ModelLine(
                hamlet_label=hamlet.label,
                type_name=model.type_name,
                organization=model.organization,
                status=model.status.value,
                status_label=plain(t(f"model_status.{model.status.value}")),
                started_on=model.started_on,
                last_activity=model.last_activity.astimezone(tz) if model.last_activity else None,
                dormant=model.instance_id in dormant,
                overlapping=(hamlet.id, model.type_name) in overlapping
                and model.status is not ModelStatus.STOPPED,
            )
        )
    rows.sort(key=lambda row: (row.hamlet_label, row.type_name, row.organization))
    return ModelRegistry(rows, len(digest.dormant), len(digest.overlaps))
