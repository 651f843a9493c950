"""Guest journeys: ask for access with the company's tax id (a lead), or enter an invite code to sign in."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.errors import InvalidInput
from core.messaging import Button, Buttons, Outbound, TextOut, encode_payload
from core.services import accounts, onboarding
from dialogs.engine import cancel_button, menu_button
from dialogs.flow import Accept, Answer, Flow, FlowContext, Reject, Step, Validation
from dialogs.menus import MEMBER_MENU, menu_message
from dialogs.services import Services
from dialogs.understanding import Entity, Parse

Ctx = FlowContext[Services]


def _guest(ctx: Ctx) -> bool:
    return ctx.actor.is_guest


async def already_member(ctx: Ctx) -> list[Outbound]:
    async with ctx.services.uow() as uow:
        names = await accounts.member_names(uow.session, ctx.actor)
    name, company = names or ("", "")
    return [TextOut(ctx.t("guest.already_member", name=name, company=company)), menu_message(ctx.locale)]


# Access request -----------------------------------------------------------------------------------


async def ask_tax_id(ctx: Ctx) -> Sequence[Outbound]:
    return [Buttons(ctx.t("guest.access.ask"), [cancel_button(ctx.locale)])]


async def check_tax_id(answer: Answer, ctx: Ctx) -> Validation:
    tax_id = onboarding.tax_id_in(answer.text or answer.choice or "")
    if tax_id is None:
        return Reject("guest.access.invalid")
    async with ctx.services.uow() as uow:  # a phone the messenger gave is how the manager calls back
        ctx.slots["_phone"] = await onboarding.identity_phone(uow.session, ctx.services.identity_id) is not None
    return Accept(tax_id)


async def ask_reach(ctx: Ctx) -> Sequence[Outbound]:
    return [Buttons(ctx.t("guest.access.reach"), [cancel_button(ctx.locale)])]


async def check_reach(answer: Answer, ctx: Ctx) -> Validation:
    try:
        reach = onboarding.read_reach(answer.text or "")
    except InvalidInput:
        return Reject("guest.access.reach_invalid")
    return Accept({"phone": reach.phone, "email": reach.email})


async def record_access_request(ctx: Ctx) -> Sequence[Outbound]:
    if not ctx.actor.is_guest:
        return await already_member(ctx)
    services = ctx.services
    async with services.uow() as uow:
        reach = ctx.slots.get("reach")
        lead = await onboarding.request_access(
            uow.session, services.identity_id, str(ctx.slots["tax_id"]), now=services.clock.now(),
            reach=onboarding.Reach(**reach) if isinstance(reach, dict) else None)
        await uow.commit()
    key = "guest.access.recorded" if lead.created else "guest.access.repeated"
    return [Buttons(ctx.t(key, tax_id=lead.tax_id), [menu_button(ctx.locale)])]


# Invite code --------------------------------------------------------------------------------------

INVITE_INTENT = "enter_invite"
INVITE_CODE_ENTITY = "invite_code"
# What `core.services.invites` issues (URL-safe base64 of random bytes): one long word of letters in both cases.
# An SKU, however long, is in one case ("GLV-NIT-PF-XS-WHT-50-NTX", or typed in lower case).
_CODE = re.compile(r"[A-Za-z0-9_-]{20,64}")
_CODE_MESSAGE_WORDS = 8


def _code_in(text: str) -> str | None:
    """The invite code in a short message ("вот код t-A-KObm…", the code with a full stop after it)."""
    words = [w.strip(".,;:!?«»\"'()") for w in text.split()]
    codes = [w for w in words if _CODE.fullmatch(w) and any(c.islower() for c in w) and any(c.isupper() for c in w)]
    return codes[0] if len(codes) == 1 and len(words) <= _CODE_MESSAGE_WORDS else None


def _recognize_code(text: str) -> Parse | None:
    """An invite code sent without "enter invite code" first, alone or in a few words: the invite journey with
    that code."""
    code = _code_in(text)
    if code is None:
        return None
    start = text.find(code)
    return Parse(INVITE_INTENT, 1.0, (Entity(INVITE_CODE_ENTITY, code, start, start + len(code)),))


async def check_code(answer: Answer, ctx: Ctx) -> Validation:
    """The code in the answer; a message without one ("баланс") is not taken for a code."""
    code = _code_in(answer.text or "")
    return Accept(code) if code is not None else Reject("guest.invite.ask")



async def ask_code(ctx: Ctx) -> Sequence[Outbound]:
    return [Buttons(ctx.t("guest.invite.ask"), [cancel_button(ctx.locale)])]


async def redeem_code(ctx: Ctx) -> Sequence[Outbound]:
    if not ctx.actor.is_guest:
        return await already_member(ctx)
    services = ctx.services
    try:
        async with services.uow() as uow:
            linked = await onboarding.redeem_invite_code(uow.session, services.identity_id, str(ctx.slots["code"]),
                                                         now=services.clock.now())
            await uow.commit()
    except InvalidInput:
        retry = Button(ctx.t("guest.invite.retry"), encode_payload("invite"))
        return [Buttons(ctx.t("guest.invite.invalid"), [retry, menu_button(ctx.locale)])]
    welcome = ctx.t("guest.invite.welcome", name=linked.contact_name, company=linked.company_name)
    return [TextOut(welcome), menu_message(ctx.locale, MEMBER_MENU)]


FLOWS: tuple[Flow[Services], ...] = (
    Flow[Services](name="access", title_key="guest.title_access", complete=record_access_request,
                   steps=(Step[Services]("tax_id", ask_tax_id, check_tax_id, ask_if=_guest, from_message=True),
                          Step[Services]("reach", ask_reach, check_reach,
                                         ask_if=lambda ctx: _guest(ctx) and not ctx.slots.get("_phone"))),
                   intents=("request_access",), actions=("access",)),
    Flow[Services](name="invite", title_key="guest.title_invite", complete=redeem_code,
                   steps=(Step[Services]("code", ask_code, check_code, entity=INVITE_CODE_ENTITY, ask_if=_guest),),
                   intents=(INVITE_INTENT,), actions=("invite",), recognize=_recognize_code),
)
