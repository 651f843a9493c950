"""The admin API: a FastAPI application mounted under /api by the composition root."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from admin_api.routes import (
    access,
    catalog,
    companies,
    contacts,
    conversations,
    demand,
    documents,
    invites,
    ledger,
    orders,
    prices,
    stock,
    system,
    webhooks,
)
from admin_api.security import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from core.bootstrap import Core
from core.errors import AccessDenied, DomainError, IllegalTransition, NotFound
from core.services.apikeys import Unauthenticated
from core.services.sync.common import BatchTooLarge

ROUTERS = (
    system.router, access.auth_router, catalog.router, prices.router, stock.router, companies.router,
    contacts.router, contacts.managers_router, ledger.router, documents.router, orders.router, invites.router,
    conversations.router, demand.router, webhooks.router, access.keys_router, access.staff_router,
    access.audit_router,
)


def create_admin_api(
    core: Core,
    *,
    rate_limiter: RateLimiter | None = None,
    redis: Any = None,
    rate_per_second: float = 20.0,
    rate_burst: int = 100,
    telegram_bot_username: str | None = None,
    staff_session_ttl: dt.timedelta = dt.timedelta(hours=12),
) -> FastAPI:
    """The API. The rate limit is per key: in this process, or in `redis` (shared by every replica)."""
    api = FastAPI(
        title="b2bot admin API",
        version="1",
        description=(
            "Staff and integrations: sync with accounting and CRM, order export, invites, webhooks, access.\n\n"
            "Authenticate with `Authorization: Bearer <API key or staff session token>`; each resource "
            "needs a scope (`admin` grants all). Batches take up to 10,000 rows in one transaction."
        ),
    )
    api.state.core = core
    if rate_limiter is None:
        rate_limiter = (
            RedisRateLimiter(redis, per_second=rate_per_second, burst=rate_burst) if redis is not None
            else MemoryRateLimiter(per_second=rate_per_second, burst=rate_burst)
        )
    api.state.rate_limiter = rate_limiter
    api.state.telegram_bot_username = telegram_bot_username
    api.state.staff_session_ttl = staff_session_ttl
    for router in ROUTERS:
        api.include_router(router)
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(IntegrityError, _conflict)
    return api


def _status_of(error: DomainError) -> int:
    if isinstance(error, Unauthenticated):
        return 401
    if isinstance(error, NotFound | AccessDenied):  # AccessDenied answers like NotFound: nothing leaks
        return 404
    if isinstance(error, BatchTooLarge):
        return 413
    if isinstance(error, IllegalTransition):
        return 409
    return 422


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = _status_of(error)
    message = "not found" if isinstance(error, AccessDenied) and status == 404 else error.message
    details = {} if isinstance(error, AccessDenied) else {k: _plain(v) for k, v in error.details.items()}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": message, "code": error.code, "details": details}, status, headers=headers)


async def _conflict(_request: Request, _error: Exception) -> JSONResponse:
    # Rows are checked before writing, so this is a race with another writer: retrying is safe.
    return JSONResponse({"detail": "the change conflicts with data written meanwhile; retry", "code": "conflict",
                         "details": {}}, 409)


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | bool | type(None) | list | dict) else str(value)
