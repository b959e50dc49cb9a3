"""Where each identity stands in its conversation, read and written a batch at a time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation

# Core statements, not ORM objects: a batch's conversations are one SELECT and one
# executemany, without the unit of work's bookkeeping for each row.
TABLE = cast(Table, Conversation.__table__)


@dataclass(frozen=True)
class State:
    flow: str
    step: str
    data: dict[str, Any]
    version: int


async def load(session: AsyncSession, identity_ids: Collection[int]) -> dict[int, State]:
    """The stored state of each identity that has one."""
    columns = TABLE.c
    query = select(
        columns.identity_id, columns.flow, columns.step, columns.data, columns.version
    ).where(columns.identity_id.in_(identity_ids))
    return {
        identity_id: State(flow, step, dict(data or {}), version or 0)
        for identity_id, flow, step, data, version in await session.execute(query)
    }


async def save(
    session: AsyncSession,
    states: Sequence[tuple[int, State]],
    existing: Collection[int],
    now: datetime,
) -> None:
    """Write each (identity id, state): an update where `existing` has it, else an insert."""
    rows = [
        {
            "key": identity_id,
            "flow": state.flow,
            "step": state.step,
            "data": state.data,
            "version": state.version,
            "updated_at": now,
        }
        for identity_id, state in states
    ]
    updates = [row for row in rows if row["key"] in existing]
    inserts = [{"identity_id": row.pop("key"), **row} for row in rows if row["key"] not in existing]
    if updates:
        statement = update(TABLE).where(TABLE.c.identity_id == bindparam("key"))
        await session.execute(statement, updates)
    if inserts:
        await session.execute(insert(TABLE), inserts)
