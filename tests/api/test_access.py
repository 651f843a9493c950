"""Access control: bearer keys and staff sessions, the whole scope x endpoint matrix, rate limits."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from admin_api.main import ROUTERS, create_admin_api
from admin_api.security import MemoryRateLimiter, RequireScopes
from core.bootstrap import Core
from core.models import AuditLog, StaffRole
from core.services import apikeys, staff
from tests.api.conftest import bearer, make_key


def _required_scopes(route: APIRoute) -> frozenset[str] | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, RequireScopes):
            return dependency.call.scopes
    return None


ROUTES = [
    (method, route.path, route.operation_id, scopes)
    for router in ROUTERS
    for route in router.routes
    if isinstance(route, APIRoute) and (scopes := _required_scopes(route)) is not None
    for method in sorted(route.methods)
]
def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_but_login_and_status_needs_a_scope() -> None:
    open_routes = {
        route.operation_id
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and _required_scopes(route) is None
    }
    assert open_routes == {"system_status", "staff_login", "staff_logout", "who_am_i"}
    assert len(ROUTES) >= 30


@pytest.mark.parametrize(
    ("method", "path", "required"), [pytest.param(m, p, s, id=o) for m, p, o, s in ROUTES]
)
async def test_a_key_reaches_an_endpoint_only_with_its_scope(
    core: Core, client: httpx.AsyncClient, method: str, path: str, required: frozenset[str]
) -> None:
    accepted_writes = 0
    for scope in apikeys.SCOPES:
        key = await make_key(core, scope, name=scope)
        response = await client.request(method, _concrete(path), headers=bearer(key), json={})
        if scope in required or scope == "admin":
            assert response.status_code not in (401, 403), (scope, response.text)
            accepted_writes += method != "GET" and response.is_success
        else:
            assert response.status_code == 403, (scope, response.text)
            assert "scope" in response.json()["detail"]
    async with core.uow() as uow:  # refused and invalid requests write nothing, not even an audit entry
        assert await uow.session.scalar(select(func.count()).select_from(AuditLog)) == accepted_writes


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _o, _s in ROUTES])
async def test_every_scoped_endpoint_refuses_a_missing_key_with_401(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, _concrete(path), json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "credential",
    ["nonsense", "b2b_", "b2b_0123456789ab_wrong", "b2b_" + "x" * 40 + "_y", "b2s_not-a-session"],
)
async def test_malformed_or_unknown_credentials_get_401(client: httpx.AsyncClient, credential: str) -> None:
    response = await client.get("/companies", headers=bearer(credential))
    assert response.status_code == 401


async def test_a_key_with_a_tampered_secret_gets_401(core: Core, client: httpx.AsyncClient) -> None:
    key = await make_key(core, "crm")
    response = await client.get("/companies", headers=bearer(key[:-2] + ("AA" if not key.endswith("AA") else "BB")))
    assert response.status_code == 401


async def test_a_revoked_key_gets_401_at_once(core: Core, admin: httpx.AsyncClient) -> None:
    key = await make_key(core, "crm", name="crm")
    assert (await admin.get("/companies", headers=bearer(key))).status_code == 200
    listed = (await admin.get("/api-keys")).json()
    crm_id = next(k["id"] for k in listed if k["name"] == "crm")
    revoked = await admin.delete(f"/api-keys/{crm_id}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await admin.get("/companies", headers=bearer(key))).status_code == 401


async def test_a_key_is_shown_once_and_stored_only_as_a_hash(core: Core, admin: httpx.AsyncClient) -> None:
    created = await admin.post("/api-keys", json={"name": "accounting", "scopes": ["sync", "orders"]})
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith(f"b2b_{created.json()['key']['prefix']}_")
    listing = (await admin.get("/api-keys")).text
    assert secret not in listing
    async with core.uow() as uow:
        keys = await apikeys.list_api_keys(uow.session)
    assert all(secret not in repr(k) for k in keys)
    me = await admin.get("/auth/me", headers=bearer(secret))
    assert me.json()["scopes"] == ["orders", "sync"]


async def test_an_unknown_scope_is_refused(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/api-keys", json={"name": "x", "scopes": ["root"]})
    assert response.status_code == 422


async def test_staff_log_in_with_a_password_and_get_their_role_scopes(core: Core, client: httpx.AsyncClient) -> None:
    async with core.uow() as uow:
        await staff.create_staff_user(uow.session, email="Anna@Supplier.test", name="Anna", role=StaffRole.MANAGER,
                                      password="correct horse battery")
        await uow.commit()
    wrong = await client.post("/auth/login", json={"email": "anna@supplier.test", "password": "wrong password!"})
    assert wrong.status_code == 401
    unknown = await client.post("/auth/login", json={"email": "nobody@supplier.test", "password": "whatever123"})
    assert unknown.status_code == 401
    login = await client.post("/auth/login", json={"email": "anna@supplier.test", "password": "correct horse battery"})
    assert login.status_code == 200
    token = login.json()["token"]
    assert token.startswith("b2s_")
    me = await client.get("/auth/me", headers=bearer(token))
    assert me.json()["kind"] == "staff" and me.json()["scopes"] == ["crm", "handover", "orders"]
    assert (await client.get("/conversations", headers=bearer(token))).status_code == 200
    assert (await client.get("/api-keys", headers=bearer(token))).status_code == 403
    assert (await client.post("/auth/logout", headers=bearer(token))).status_code == 204
    assert (await client.get("/auth/me", headers=bearer(token))).status_code == 401


async def test_an_admin_creates_staff_users_whose_passwords_are_argon2_hashes(
    core: Core, admin: httpx.AsyncClient
) -> None:
    created = await admin.post(
        "/staff/users", json={"email": "m@s.test", "name": "M", "role": "marketer", "password": "long enough pass"}
    )
    assert created.status_code == 201
    again = await admin.post(
        "/staff/users", json={"email": "m@s.test", "name": "M", "role": "marketer", "password": "long enough pass"}
    )
    assert again.status_code == 422
    short = await admin.post("/staff/users", json={"email": "n@s.test", "name": "N", "role": "admin", "password": "x"})
    assert short.status_code == 422
    from core.models import StaffUser

    async with core.uow() as uow:
        user = await uow.session.scalar(select(StaffUser).where(StaffUser.email == "m@s.test"))
    assert user is not None and user.password_hash is not None and user.password_hash.startswith("$argon2")


async def test_a_key_over_its_rate_limit_gets_429_with_retry_after(core: Core) -> None:
    app = create_admin_api(core, rate_limiter=MemoryRateLimiter(per_second=0.001, burst=3))
    key = await make_key(core, "crm")
    other = await make_key(core, "crm")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        codes = [(await client.get("/companies", headers=bearer(key))).status_code for _ in range(5)]
        limited = await client.get("/companies", headers=bearer(key))
        assert (await client.get("/companies", headers=bearer(other))).status_code == 200
    assert codes == [200, 200, 200, 429, 429]
    assert int(limited.headers["retry-after"]) >= 1


async def test_every_write_leaves_an_audit_entry_naming_who_what_and_when(
    core: Core, admin: httpx.AsyncClient
) -> None:
    await admin.post("/catalog/categories", json={"rows": [{"external_id": "c1", "name": "Paper"}]})
    await admin.post("/api-keys", json={"name": "crm", "scopes": ["crm"]})
    entries = (await admin.get("/audit-log")).json()
    assert entries["total"] == 2
    newest, oldest = entries["items"]
    assert oldest["action"] == "sync_categories" and oldest["details"]["created"] == 1
    assert newest["action"] == "create_api_key" and newest["resource"] == "api_keys"
    assert newest["actor"].startswith("apikey:") and newest["at"]
