"""The units a digest covers, as they stand today: a merged unit counts for its successor."""

from __future__ import annotations

from storage.digests import DigestData, UnitRow
from storage.enums import UnitKind


class Tree:
    """Units of the subtree with merged units resolved to their successors."""

    def __init__(self, data: DigestData) -> None:
        self.units = data.units
        self.root = data.units[data.root_id]

    def successor(self, unit_id: int) -> int:
        seen = {unit_id}
        current = self.units[unit_id]
        while current.merged_into_id in self.units and current.merged_into_id not in seen:
            assert current.merged_into_id is not None
            seen.add(current.merged_into_id)
            current = self.units[current.merged_into_id]
        return current.id

    def group_of(self, hamlet_id: int, by_commune: bool) -> int:
        """The hamlet itself under a commune; its commune under a province or district."""
        hamlet = self.successor(hamlet_id)
        if not by_commune:
            return hamlet
        current = hamlet
        for _ in range(len(self.units)):
            parent_id = self.units[current].parent_id
            if parent_id is None or parent_id not in self.units:
                return current
            parent = self.successor(parent_id)
            if parent == self.root.id:
                return current
            current = parent
        return current

    def hamlets(self) -> list[UnitRow]:
        return [u for u in self.units.values() if u.kind is UnitKind.HAMLET]
