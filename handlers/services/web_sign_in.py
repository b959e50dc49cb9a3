"""The one-time link by which an officer signs in to the pages from a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import web_access


@dataclass(frozen=True)
class SignInLink:
    url: str
    minutes: int


async def link(session: AsyncSession, person_id: int, now: datetime, web_url: str) -> SignInLink:
    token = await web_access.issue_link(session, person_id, now)
    minutes = int(web_access.LINK_TTL.total_seconds() // 60)
    return SignInLink(f"{web_url}/signin/{token}", minutes)
