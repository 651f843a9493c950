"""The audit log: who changed what, when; written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import AuditLog


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    actor: str
    action: str
    resource: str
    details: dict[str, Any]
    at: dt.datetime


async def record(
    session: AsyncSession, *, actor: str, action: str, resource: str, details: dict[str, Any], at: dt.datetime
) -> None:
    session.add(AuditLog(actor=actor[:100], action=action[:100], resource=resource[:100], details=details, at=at))
    await session.flush()


async def entries(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
    """Newest first, with the total count."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("limit must be between 1 and 500 and offset not negative")
    total = await session.scalar(select(func.count()).select_from(AuditLog)) or 0
    rows = await session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit).offset(offset))
    return [AuditEntry(r.id, r.actor, r.action, r.resource, dict(r.details), r.at) for r in rows], int(total)
