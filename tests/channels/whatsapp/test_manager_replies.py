"""A manager's reply to a WhatsApp client through the admin API: free-form within the 24-hour window, logged under
WhatsApp's message id; refused by WhatsApp outside it, which is a clear error with nothing logged as sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from admin_api.main import create_admin_api
from core.bootstrap import Core
from core.models import Conversation, Message, StaffRole
from core.services import staff
from tests.api.conftest import bearer, make_key
from tests.channels.whatsapp.conftest import WA_ID, Rig, member


@pytest.fixture
async def api(core: Core, rig: Rig) -> AsyncIterator[httpx.AsyncClient]:
    app = create_admin_api(core, rate_burst=100_000, rate_per_second=100_000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        client.headers.update(bearer(await make_key(core, "handover")))
        yield client


async def _asked_for_a_manager(core: Core, rig: Rig) -> tuple[int, int]:
    """(conversation id, Olga's staff id) once the WhatsApp client asked for a manager."""
    await member(core)
    async with core.uow() as uow:
        olga = await staff.create_staff_user(uow.session, email="olga@supplier.test", name="Olga",
                                             role=StaffRole.MANAGER, password="olga's long password")
        await uow.commit()
    await rig.say("manager")
    async with core.uow() as uow:
        conversation = await uow.session.scalar(select(Conversation))
    assert conversation is not None and conversation.status == "waiting"
    return conversation.id, olga.id


async def _manager_messages(core: Core) -> list[Message]:
    async with core.uow() as uow:
        return list(await uow.session.scalars(select(Message).where(Message.sender == "manager")))


async def test_a_reply_within_the_window_is_a_whatsapp_text_logged_under_its_id(
    core: Core, rig: Rig, api: httpx.AsyncClient
) -> None:
    conversation_id, olga = await _asked_for_a_manager(core, rig)
    before = len(rig.api.sent(WA_ID))
    response = await api.post(f"/conversations/{conversation_id}/messages",
                              json={"text": "Good afternoon! Checking your order now.", "staff_id": olga})
    assert response.status_code == 201, response.text
    sent = rig.api.sent(WA_ID)[before:]
    assert [c.text for c in sent] == ["Olga: Good afternoon! Checking your order now."]
    assert [(m.status, m.channel_message_id) for m in await _manager_messages(core)] == [("sent", sent[0].wamid)]


async def test_a_reply_whatsapp_refuses_outside_the_window_is_a_502_and_nothing_is_logged_as_sent(
    core: Core, rig: Rig, api: httpx.AsyncClient
) -> None:
    conversation_id, olga = await _asked_for_a_manager(core, rig)
    rig.api.fail("messages", 400, code=131047, message="Re-engagement message")
    response = await api.post(f"/conversations/{conversation_id}/messages", json={"text": "Hello", "staff_id": olga})
    assert response.status_code == 502
    assert "whatsapp did not take the message" in response.json()["detail"]
    assert "Re-engagement message" in response.json()["detail"]
    assert await _manager_messages(core) == []
