"""The audit log: every export, every view of a confidential report, every erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    person_id: int | None,
    action: str,
    subject: str,
    **details: Any,
) -> None:
    session.add(
        AuditEntry(at=at, person_id=person_id, action=action, subject=subject, details=details)
    )
