"""Administration bodies: API keys, webhook endpoints and outbox events, staff users and logins, audit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from admin_api.schemas.common import Out
from core.models import StaffRole

Scope = Literal["sync", "crm", "orders", "handover", "campaigns", "admin"]
Topic = Literal["order.created", "order.status_changed", "handover.requested", "lead.created", "backorder.requested"]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00]+$")
    scopes: list[Scope] = Field(min_length=1, max_length=6)


class ApiKeyOut(Out):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class CreatedApiKeyOut(BaseModel):
    key: ApiKeyOut
    secret: str = Field(description="The whole key, shown this once: `Authorization: Bearer <secret>`")


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=500, pattern=r"^https?://[^\s\x00]+$")
    topics: list[Topic] = Field(default_factory=list, max_length=5, description="Empty: every topic")
    description: str | None = Field(default=None, max_length=200, pattern=r"^[^\x00]*$")


class EndpointOut(Out):
    id: int
    url: str
    topics: list[str]
    active: bool
    description: str | None
    created_at: dt.datetime


class CreatedEndpointOut(BaseModel):
    endpoint: EndpointOut
    secret: str = Field(description="Signing secret, shown once; check X-B2bot-Signature with it")


class EventOut(Out):
    id: int
    topic: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime


class RedriveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        default=None, min_length=1, max_length=10_000, description="None: every dead letter"
    )


class RedriveOut(BaseModel):
    redriven: int


class StaffUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]+$")
    role: StaffRole
    password: str = Field(min_length=10, max_length=200)


class StaffUserOut(Out):
    id: int
    email: str
    name: str
    role: StaffRole
    is_active: bool


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^\x00]+$")
    password: str = Field(min_length=1, max_length=200)


class LoginOut(BaseModel):
    token: str = Field(description="Staff session token: `Authorization: Bearer <token>`")
    expires_at: dt.datetime
    user: StaffUserOut


class WhoAmIOut(BaseModel):
    kind: str
    id: int
    name: str
    scopes: list[str]


class AuditEntryOut(Out):
    id: int
    actor: str
    action: str
    resource: str
    details: dict[str, Any]
    at: dt.datetime
