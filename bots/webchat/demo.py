"""Demo-only routes: the demo page at `/`, its list of demo contacts, and signing a contact's id for it.

Signing on the server for any caller would let anyone be anyone, so these routes exist only where the
router is built with `demo=True` (by default: `environment == "development"`), never in production.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from bots.webchat.channel import WebchatChannel, contact_for_customer
from bots.webchat.identity import sign_customer
from core.models import Company, Contact

STATIC = Path(__file__).parent / "static"
MAX_CONTACTS = 12


class SignRequest(BaseModel):
    customer_id: str = Field(min_length=1, max_length=90)


def add_demo_routes(router: APIRouter, channel: WebchatChannel) -> None:
    if channel.settings.environment == "production":
        raise RuntimeError("the web chat demo signs any customer id; it must not run in production")

    @router.get("/", include_in_schema=False)
    async def demo_page() -> Response:
        return FileResponse(STATIC / "demo.html", media_type="text/html")

    @router.get("/webchat/demo/contacts", operation_id="webchat_demo_contacts")
    async def demo_contacts() -> list[dict[str, str]]:
        """Contacts a visitor of the demo page may chat as: the seeded demo logins first."""
        async with channel.uow() as uow:
            rows = await uow.session.execute(
                select(Contact.email, Contact.name, Contact.role, Company.name.label("company"))
                .join(Company, Company.id == Contact.company_id)
                .where(Contact.is_active.is_(True), Company.is_active.is_(True), Contact.email.is_not(None))
                .order_by(Contact.email.not_like("%@demo.b2bot"), Contact.id)
                .limit(MAX_CONTACTS)
            )
            return [{"customer_id": str(row.email), "name": row.name, "role": str(row.role),
                     "company": row.company} for row in rows]

    @router.post("/webchat/demo/sign", operation_id="webchat_demo_sign")
    async def demo_sign(request: SignRequest) -> Response:
        """What the supplier's own site would render into its page for a logged-in customer."""
        async with channel.uow() as uow:
            known = await contact_for_customer(uow.session, request.customer_id)
        if known is None:
            return JSONResponse({"detail": "no such demo contact"}, status_code=404)
        timestamp = int(channel.clock.now().timestamp())
        secret = channel.settings.webchat_identity_secret.get_secret_value()
        return JSONResponse({"customer_id": request.customer_id, "timestamp": timestamp,
                             "signature": sign_customer(secret, request.customer_id, timestamp)})
