"""The manager's side of a handover through the admin API: take, reply, hand back; scopes, conflicts, bad input."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from bots.registry import ChannelRegistry
from core.bootstrap import Core
from core.models import AuditLog, Conversation, ConversationStatus, Handover, Message, StaffRole
from core.services import conversations, staff
from tests.api.conftest import bearer, make_key
from tests.fakes.channel_sender import RecordingSender


@dataclass(frozen=True)
class Desk:
    conversation_id: int
    olga: int  # staff ids
    pavel: int


@pytest.fixture
def channel(core: Core) -> RecordingSender:
    sender = RecordingSender()
    core.notifier = ChannelRegistry(core.uow, [sender], clock=core.clock)
    return sender


@pytest.fixture
async def desk(core: Core) -> Desk:
    """A guest on the test channel who asked for a manager, and two managers."""
    now = core.clock.now()
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "test", "guest-1", now=now, locale_hint="ru")
        conversation = await conversations.conversation_for(uow.session, identity)
        await conversations.request_handover(uow.session, conversation.id, now=now, reason="a question")
        olga = await staff.create_staff_user(uow.session, email="olga@supplier.test", name="Olga",
                                             role=StaffRole.MANAGER, password="olga's long password")
        pavel = await staff.create_staff_user(uow.session, email="pavel@supplier.test", name="Pavel",
                                              role=StaffRole.MANAGER, password="pavel's long password")
        await uow.commit()
    return Desk(conversation.id, olga.id, pavel.id)


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return bearer(response.json()["token"])


async def outbound(core: Core) -> list[Message]:
    async with core.uow() as uow:
        return list(await uow.session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id)))


async def test_only_the_handover_scope_takes_replies_and_hands_back(core: Core, client: httpx.AsyncClient,
                                                                   desk: Desk, channel: RecordingSender) -> None:
    base = f"/conversations/{desk.conversation_id}"
    for scope in ("crm", "sync", "orders", "campaigns"):
        key = bearer(await make_key(core, scope, name=scope))
        assert (await client.post(f"{base}/take", json={"staff_id": desk.olga}, headers=key)).status_code == 403
        assert (await client.post(f"{base}/messages", json={"text": "hi", "staff_id": desk.olga},
                                  headers=key)).status_code == 403
        assert (await client.post(f"{base}/hand-back", headers=key)).status_code == 403
    assert (await client.get(base, headers=bearer(await make_key(core, "crm", name="crm reads")))).status_code == 200
    assert (await client.post(f"{base}/take")).status_code == 401
    assert channel.sent == [] and (await client.get(base, headers=bearer(await make_key(core, "handover")))).json()[
        "status"] == "waiting"


async def test_an_unknown_conversation_is_a_404_and_writes_nothing(core: Core, client: httpx.AsyncClient,
                                                                   desk: Desk, channel: RecordingSender) -> None:
    key = bearer(await make_key(core, "handover"))
    for path, body in [("take", {"staff_id": desk.olga}), ("messages", {"text": "hi", "staff_id": desk.olga}),
                       ("hand-back", {})]:
        response = await client.post(f"/conversations/999/{path}", json=body, headers=key)
        assert response.status_code == 404, (path, response.text)
    async with core.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(AuditLog)) == 0


async def test_a_staff_member_takes_once_and_another_gets_409_unless_forced(core: Core, client: httpx.AsyncClient,
                                                                            desk: Desk) -> None:
    olga = await login(client, "olga@supplier.test", "olga's long password")
    pavel = await login(client, "pavel@supplier.test", "pavel's long password")
    take = f"/conversations/{desk.conversation_id}/take"
    first = await client.post(take, headers=olga)
    assert first.status_code == 200, first.text
    assert first.json()["changed"] is True
    assert first.json()["conversation"] | {"last_message_at": None} == {
        "id": desk.conversation_id, "channel": "test", "contact_id": None, "status": "agent",
        "assignee_id": desk.olga, "last_message_at": None}
    again = await client.post(take, headers=olga)
    assert again.status_code == 200 and again.json()["changed"] is False

    refused = await client.post(take, headers=pavel)
    assert refused.status_code == 409
    assert refused.json()["code"] == "taken_by_another" and refused.json()["details"]["assignee_id"] == desk.olga
    forced = await client.post(take, json={"force": True}, headers=pavel)
    assert forced.status_code == 200 and forced.json()["conversation"]["assignee_id"] == desk.pavel

    async with core.uow() as uow:
        handovers = list(await uow.session.scalars(select(Handover)))
    assert [(h.status, h.assignee_id, h.closed_at is None) for h in handovers] == [("agent", desk.pavel, True)]
    assert handovers[0].accepted_at is not None and handovers[0].accepted_at >= handovers[0].requested_at


async def test_an_api_key_names_the_staff_member_and_a_session_cannot_act_for_another(
    core: Core, client: httpx.AsyncClient, desk: Desk
) -> None:
    key = bearer(await make_key(core, "handover"))
    take = f"/conversations/{desk.conversation_id}/take"
    nobody = await client.post(take, headers=key)  # the guest has no account manager to default to
    assert nobody.status_code == 422 and "staff_id" in nobody.json()["detail"]
    assert (await client.post(take, json={"staff_id": 12345}, headers=key)).status_code == 422
    olga = await login(client, "olga@supplier.test", "olga's long password")
    assert (await client.post(take, json={"staff_id": desk.pavel}, headers=olga)).status_code == 422
    taken = await client.post(take, json={"staff_id": desk.pavel}, headers=key)
    assert taken.status_code == 200 and taken.json()["conversation"]["assignee_id"] == desk.pavel


@pytest.mark.parametrize(("text", "problem"), [
    ("", "at least 1"),
    ("   \n  ", "empty"),
    ("x" * 4001, "at most 4000"),
    ("ring the bell\x07", "control characters"),
    ("null\x00byte", "control characters"),
    ("escape \x1b[31m red", "control characters"),
])
async def test_a_bad_reply_text_is_a_422_and_nothing_is_sent_or_taken(
    core: Core, client: httpx.AsyncClient, desk: Desk, channel: RecordingSender, text: str, problem: str
) -> None:
    key = bearer(await make_key(core, "handover"))
    response = await client.post(f"/conversations/{desk.conversation_id}/messages",
                                 json={"text": text, "staff_id": desk.olga}, headers=key)
    assert response.status_code == 422
    assert problem in response.text
    assert channel.sent == [] and await outbound(core) == []
    assert (await client.get(f"/conversations/{desk.conversation_id}", headers=key)).json()["status"] == "waiting"


async def test_a_reply_takes_the_conversation_reaches_the_client_signed_and_is_logged_as_the_managers(
    core: Core, client: httpx.AsyncClient, desk: Desk, channel: RecordingSender
) -> None:
    olga = await login(client, "olga@supplier.test", "olga's long password")
    response = await client.post(f"/conversations/{desk.conversation_id}/messages",
                                 json={"text": "Hello!\r\nThe invoice is on its way.  "}, headers=olga)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["taken"] is True and body["conversation"]["status"] == "agent"
    assert body["sent"] == [{"kind": "text", "text": "Olga: Hello!\nThe invoice is on its way."}]
    assert channel.sent == [("guest-1", "Olga: Hello!\nThe invoice is on its way.")]
    logged = await outbound(core)
    assert [(m.sender, m.status, m.text, m.payload) for m in logged] == [
        ("manager", "sent", "Olga: Hello!\nThe invoice is on its way.", {"staff_id": desk.olga})]
    async with core.uow() as uow:
        actions = list(await uow.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["take_conversation", "send_conversation_message"]
    second = await client.post(f"/conversations/{desk.conversation_id}/messages", json={"text": "One more"},
                               headers=olga)
    assert second.status_code == 201 and second.json()["taken"] is False


async def test_replying_to_a_conversation_another_manager_has_is_a_409_and_sends_nothing(
    core: Core, client: httpx.AsyncClient, desk: Desk, channel: RecordingSender
) -> None:
    pavel = await login(client, "pavel@supplier.test", "pavel's long password")
    assert (await client.post(f"/conversations/{desk.conversation_id}/take", headers=pavel)).status_code == 200
    olga = await login(client, "olga@supplier.test", "olga's long password")
    response = await client.post(f"/conversations/{desk.conversation_id}/messages", json={"text": "Hi"},
                                 headers=olga)
    assert response.status_code == 409
    assert channel.sent == [] and await outbound(core) == []


async def test_a_channel_that_refuses_the_reply_is_a_502_and_nothing_is_logged_as_sent(
    core: Core, client: httpx.AsyncClient, desk: Desk, channel: RecordingSender
) -> None:
    channel.refuse = True
    olga = await login(client, "olga@supplier.test", "olga's long password")
    response = await client.post(f"/conversations/{desk.conversation_id}/messages", json={"text": "Hi"},
                                 headers=olga)
    assert response.status_code == 502
    assert "cannot be reached on test" in response.json()["detail"]
    assert await outbound(core) == []


async def test_without_a_channel_registry_a_reply_is_a_503_and_changes_nothing(
    core: Core, client: httpx.AsyncClient, desk: Desk
) -> None:
    olga = await login(client, "olga@supplier.test", "olga's long password")
    response = await client.post(f"/conversations/{desk.conversation_id}/messages", json={"text": "Hi"},
                                 headers=olga)
    assert response.status_code == 503
    async with core.uow() as uow:
        conversation = await uow.session.get(Conversation, desk.conversation_id)
    assert conversation is not None and conversation.status == ConversationStatus.WAITING


async def test_hand_back_closes_the_handover_and_tells_the_client_in_their_language(
    core: Core, client: httpx.AsyncClient, desk: Desk, channel: RecordingSender
) -> None:
    olga = await login(client, "olga@supplier.test", "olga's long password")
    hand_back = f"/conversations/{desk.conversation_id}/hand-back"
    assert (await client.post(f"/conversations/{desk.conversation_id}/take", headers=olga)).status_code == 200
    pavel = await login(client, "pavel@supplier.test", "pavel's long password")
    assert (await client.post(hand_back, headers=pavel)).status_code == 409

    response = await client.post(hand_back, headers=olga)
    assert response.status_code == 200, response.text
    assert response.json()["changed"] is True and response.json()["client_told"] is True
    assert response.json()["conversation"]["status"] == "bot"
    assert channel.sent == [("guest-1", "Вы снова говорите с ботом; запрос менеджера закрыт.")]
    assert [(m.sender, m.status) for m in await outbound(core)] == [("system", "sent")]
    async with core.uow() as uow:
        handover = await uow.session.scalar(select(Handover))
    assert handover is not None and handover.status == "closed" and handover.closed_at is not None

    again = await client.post(hand_back, headers=olga)
    assert again.status_code == 200 and again.json()["changed"] is False and again.json()["client_told"] is False
    assert len(channel.sent) == 1


async def test_hand_back_stands_when_the_client_cannot_be_told(core: Core, client: httpx.AsyncClient, desk: Desk,
                                                               channel: RecordingSender) -> None:
    channel.refuse = True
    key = bearer(await make_key(core, "handover"))
    response = await client.post(f"/conversations/{desk.conversation_id}/hand-back", headers=key)
    assert response.status_code == 200
    assert response.json()["conversation"]["status"] == "bot" and response.json()["client_told"] is False
    assert await outbound(core) == []
