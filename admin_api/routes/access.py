"""Access: API keys, staff users, staff login sessions, and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials

from admin_api.deps import CoreDep, Limit, Offset, audited
from admin_api.schemas.admin import (
    ApiKeyIn,
    ApiKeyOut,
    AuditEntryOut,
    CreatedApiKeyOut,
    LoginIn,
    LoginOut,
    StaffUserIn,
    StaffUserOut,
    WhoAmIOut,
)
from admin_api.schemas.common import Page
from admin_api.security import PrincipalDep, RequireScopes, bearer
from core.services import apikeys, audit, staff

keys_router = APIRouter(prefix="/api-keys", tags=["access"], dependencies=[Depends(RequireScopes("admin"))])
staff_router = APIRouter(prefix="/staff", tags=["access"], dependencies=[Depends(RequireScopes("admin"))])
audit_router = APIRouter(prefix="/audit-log", tags=["access"], dependencies=[Depends(RequireScopes("admin"))])
auth_router = APIRouter(prefix="/auth", tags=["auth"])


@keys_router.post("", operation_id="create_api_key", status_code=201)
async def create_api_key(body: ApiKeyIn, core: CoreDep, request: Request) -> CreatedApiKeyOut:
    """A new key; its secret is in this answer only."""
    async with audited(core, request, "api_keys") as write:
        created = await apikeys.create_api_key(
            write.uow.session, name=body.name, scopes=body.scopes,
            server_secret=core.settings.secret_key.get_secret_value(), now=core.clock.now(),
        )
        write.details = {"key_id": created.key.id, "scopes": list(created.key.scopes)}
    return CreatedApiKeyOut.model_validate(created, from_attributes=True)


@keys_router.get("", operation_id="list_api_keys")
async def list_api_keys(core: CoreDep) -> list[ApiKeyOut]:
    async with core.uow() as uow:
        return [ApiKeyOut.model_validate(k) for k in await apikeys.list_api_keys(uow.session)]


@keys_router.delete("/{key_id}", operation_id="revoke_api_key")
async def revoke_api_key(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)], core: CoreDep, request: Request
) -> ApiKeyOut:
    async with audited(core, request, "api_keys") as write:
        view = await apikeys.revoke_api_key(write.uow.session, key_id, now=core.clock.now())
        write.details = {"key_id": key_id}
    return ApiKeyOut.model_validate(view)


@staff_router.post("/users", operation_id="create_staff_user", status_code=201)
async def create_staff_user(body: StaffUserIn, core: CoreDep, request: Request) -> StaffUserOut:
    async with audited(core, request, "staff_users") as write:
        user = await staff.create_staff_user(
            write.uow.session, email=body.email, name=body.name, role=body.role, password=body.password
        )
        write.details = {"staff_user_id": user.id, "role": user.role.value}
    return StaffUserOut.model_validate(user)


@audit_router.get("", operation_id="list_audit_log")
async def list_audit_log(core: CoreDep, limit: Limit = 50, offset: Offset = 0) -> Page[AuditEntryOut]:
    async with core.uow() as uow:
        items, total = await audit.entries(uow.session, limit=limit, offset=offset)
    return Page[AuditEntryOut](
        items=[AuditEntryOut.model_validate(i) for i in items], total=total, limit=limit, offset=offset
    )


@auth_router.post("/login", operation_id="staff_login")
async def staff_login(body: LoginIn, core: CoreDep, request: Request) -> LoginOut:
    """Exchange a staff email and password for a session token."""
    async with core.uow() as uow:
        created = await staff.login(uow.session, email=body.email, password=body.password, now=core.clock.now(),
                                    ttl=request.app.state.staff_session_ttl)
        await uow.commit()
    return LoginOut.model_validate(created, from_attributes=True)


@auth_router.post("/logout", operation_id="staff_logout", status_code=204)
async def staff_logout(
    principal: PrincipalDep, core: CoreDep, request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """End this staff session (an API key has no session to end: revoke it instead)."""
    if credentials is not None and principal.kind == "staff":
        async with audited(core, request, "staff_sessions") as write:
            await staff.logout(write.uow.session, credentials.credentials, now=core.clock.now())


@auth_router.get("/me", operation_id="who_am_i")
async def who_am_i(principal: PrincipalDep) -> WhoAmIOut:
    return WhoAmIOut(kind=principal.kind, id=principal.id, name=principal.name, scopes=sorted(principal.scopes))
