"""The one pipeline every channel feeds: identity, dedupe, message log, handover check, dialogs, outbound.

`Gateway.handle` takes a translated `Inbound` and answers the messages to send (already fitted to the
channel by `present`), or None when nothing is to be sent: a redelivered message, or a conversation a
manager has. The gateway commits its own writes (identity, log) in two short units of work around the
turn; flows commit their own actions inside it. `handle` is `admit` (the first unit of work) then `answer`
(the turn and the second): a webhook admits before it acknowledges and answers after. A channel with its own work
on who wrote (WhatsApp's) hands `admit` an `Identify` that does it inside that first unit of work.

A message is logged (and so marked as seen) before the turn runs: a redelivery during a slow turn is
dropped rather than answered twice. A crash mid-turn therefore loses that turn, which the user sees
and repeats; answering twice could order twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from core.bootstrap import Core
from core.domain.access import Actor
from core.messaging import Adapted, Inbound, SharedContact, Text, TextOut
from core.services import conversations, inbound_updates, onboarding
from core.services.conversations import ConversationStatus, ConversationView, IdentityView
from dialogs.assembly import Engines
from dialogs.engine import Engine, Present
from dialogs.i18n import choose_locale, t
from dialogs.services import Services

# A channel's own work on who wrote, run in the admission's unit of work before the message is logged: the identity
# it found or made, whose external id the message is then logged and answered under.
Identify = Callable[[AsyncSession], Awaitable[IdentityView]]


@dataclass(frozen=True, slots=True)
class Admission:
    """An inbound message logged and to be answered, with what the first unit of work learned about it."""

    inbound: Inbound
    identity: IdentityView
    conversation: ConversationView
    actor: Actor
    preface: tuple[TextOut, ...] = ()  # e.g. "you are signed in" after a shared phone number
    recorded_update: int | None = None  # the row `inbound.raw_update` was recorded as (finished)


# What a client sends to have the bot back while a manager has the conversation (the handover notice says so).
BACK_TO_BOT = frozenset({"/start", "/menu", "/bot"})


def _back_to_bot(inbound: Inbound) -> bool:
    return isinstance(inbound.content, Text) and inbound.content.text.strip().casefold() in BACK_TO_BOT


class Gateway:
    def __init__(self, core: Core, engines: Engines) -> None:
        self.core = core
        self.engines = engines

    async def handle(self, inbound: Inbound, present: Present) -> Adapted | None:
        admission = await self.admit(inbound)
        return None if admission is None else await self.answer(admission, present)

    async def answer(self, admission: Admission, present: Present) -> Adapted:
        """The turn for an admitted message, and the log of its answer."""
        inbound = admission.inbound
        engine = self.engines.for_actor(admission.actor)
        if isinstance(inbound.content, SharedContact) and not await self._step_waits(engine, inbound):
            # Nothing asked for a phone: after the sign-in notice, show the (new) menu.
            inbound = replace(inbound, content=Text("/menu"))
        services = Services(core=self.core, channel=inbound.channel, identity_id=admission.identity.id,
                            conversation_id=admission.conversation.id)
        # The identity's language (the messenger's, or one chosen with /lang), else the contact's own.
        saved = admission.identity.locale or (None if admission.actor.is_guest else admission.actor.locale)
        processed = await engine.process_turn(inbound, admission.actor, services, user_locale=saved,
                                              present=present)
        adapted = processed.adapted
        if admission.preface:
            adapted = Adapted((*admission.preface, *adapted.messages), adapted.choices)
        await self._record_answer(admission, adapted, processed.chosen_locale)
        return adapted

    @staticmethod
    async def _step_waits(engine: Engine[Services], inbound: Inbound) -> bool:
        state = await engine.store.load(inbound.conversation_key)
        return state is not None and state.current is not None and state.current.step is not None

    async def admit(self, inbound: Inbound, identify: Identify | None = None) -> Admission | None:
        """Identity, conversation and the inbound log in one commit (with the channel's update recorded, or its
        record marked, finished: the log dedupes it from here on); None for a duplicate or a handed-over chat.
        `identify`, when given, runs in that commit before the log, for a new update only."""
        now = self.core.clock.now()
        async with self.core.uow() as uow:
            session = uow.session
            recorded: int | None = None
            if inbound.raw_update is not None:
                recorded = await inbound_updates.record(session, inbound.channel, inbound.raw_update.external_id,
                                                        inbound.raw_update.payload, now=now, finished=True)
                if recorded is None:
                    return None  # a redelivered update
            if identify is not None:
                writer = await identify(session)
                inbound = replace(inbound, external_user_id=writer.external_id)
            arrival = await conversations.receive_inbound(
                session, inbound.channel, inbound.external_user_id, inbound.message_id,
                conversations.describe_content(inbound.content), now=now, locale_hint=inbound.locale_hint,
            )
            if arrival is None:
                return None
            if inbound.recorded_update is not None:
                await inbound_updates.finish(session, inbound.recorded_update, now=now)
            identity, conversation, actor = arrival.identity, arrival.conversation, arrival.actor
            preface: tuple[TextOut, ...] = ()
            if isinstance(inbound.content, SharedContact):
                identity, conversation, preface = await self._shared_contact(session, inbound.content, identity)
                actor = await conversations.actor_for(session, identity)
            await uow.commit()
        if conversation.bot_is_silent:
            if not _back_to_bot(inbound):
                return None
            preface = (*preface, TextOut(t(choose_locale(identity.locale, actor.locale), "handover.back_to_bot")))
            conversation = await self._hand_back(conversation)
        return Admission(inbound, identity, conversation, actor, preface, recorded)

    async def _hand_back(self, conversation: ConversationView) -> ConversationView:
        async with self.core.uow() as uow:
            await conversations.hand_back(uow.session, conversation.id, now=self.core.clock.now())
            await uow.commit()
        return replace(conversation, status=ConversationStatus.BOT)

    async def _shared_contact(
        self, session: AsyncSession, content: SharedContact, identity: IdentityView
    ) -> tuple[IdentityView, ConversationView, tuple[TextOut, ...]]:
        """A phone number the user shared links their identity when it is their own and a contact's."""
        locale = choose_locale(identity.locale, None)
        if not content.user_id_matches:
            notice = t(locale, "guest.phone.not_own")
            linked = None
        else:
            linked = await onboarding.link_by_phone(session, identity.id, content.phone, content.user_id_matches)
            notice = (t(locale, "guest.phone.linked", name=linked.contact_name, company=linked.company_name)
                      if linked else t(locale, "guest.phone.unknown"))
        if linked is not None:
            identity = IdentityView(identity.id, identity.channel, identity.external_id, linked.contact_id,
                                    identity.display_name, identity.locale)
        conversation = await conversations.conversation_for(session, identity)
        return identity, conversation, (TextOut(notice),)

    async def _record_answer(self, admission: Admission, adapted: Adapted, chosen_locale: str | None) -> None:
        """Log what is sent, and keep a /lang choice on the identity so it outlives the conversation state."""
        new_locale = chosen_locale if chosen_locale != admission.identity.locale else None
        if not adapted.messages and new_locale is None:
            return
        now = self.core.clock.now()
        async with self.core.uow() as uow:
            await conversations.log_outbound(
                uow.session, admission.conversation.id,
                [conversations.describe_outbound(message) for message in adapted.messages], now=now,
            )
            if new_locale is not None:
                await conversations.set_locale(uow.session, admission.identity.id, new_locale)
            await uow.commit()
