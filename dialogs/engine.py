"""The conversation engine: one turn in, a list of neutral outbound messages out.

Routing order for a turn:
1. a numbered reply ("2") that matches the last answer's numbered options becomes that option's button press;
2. a button press carries a compact payload and never goes through NLU: global actions (menu, help, cancel,
   back, language), a step's answer, or a flow's start action;
3. slash commands (/start, /menu, /help, /cancel, /back, /lang ru) and the titles of the global buttons typed
   as text ("Cancel", "Отмена") work anywhere, before the step sees the text;
4. other text goes to the current step first; if the step rejects it (or no step waits), NLU routes it: global
   intents, or an intent that starts a flow, which interrupts the current one (pushed on a stack and resumed,
   with a "back to ..." line, when the new one completes or is cancelled);
5. low-confidence NLU gets "didn't understand" and the menu, or the step's re-prompt when a step waits.

A `DomainError` from a step or a completion rolls the state back to where the turn began and answers the
error's catalogue text. Other exceptions propagate to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol

from core.domain.access import Actor
from core.errors import DomainError, InvalidInput
from core.messaging import (
    Adapted,
    Button,
    ButtonPress,
    Buttons,
    Content,
    Inbound,
    Outbound,
    Text,
    TextOut,
    decode_payload,
    encode_payload,
    resolve_numbered_reply,
)
from core.ports import Clock, SystemClock
from dialogs.flow import (
    GLOBAL_ACTION_PREFIX,
    STEP_ANSWER_ACTION,
    Accept,
    Answer,
    Flow,
    FlowContext,
    FlowRegistry,
    Goto,
    Reject,
    S,
    Step,
    Validation,
)
from dialogs.i18n import SUPPORTED_LOCALES, catalogue, choose_locale, normalize_locale, t
from dialogs.state import ConversationState, FlowFrame, StateStore
from dialogs.understanding import FALLBACK_INTENTS, Parse, Understand
from nlu.script import written_in

# Set in the slots of a flow started from a guess (a mention, not a confident intent): see `_Run.start`.
UNSURE_SLOT = "_unsure"
HELP_INTENTS = frozenset({"help"})
MENU_INTENTS = frozenset({"menu", "greet"})
CANCEL_INTENTS = frozenset({"cancel"})
LANGUAGE_INTENT = "change_language"  # its `language` entity names the language
LANGUAGE_ENTITY = "language"

START_ACTION = "g.start"
MENU_ACTION = "g.menu"
HELP_ACTION = "g.help"
CANCEL_ACTION = "g.cancel"
BACK_ACTION = "g.back"
LANGUAGE_ACTION = "g.lang"

MAX_INTERRUPTIONS = 5  # deeper stacks drop their oldest flow


def menu_button(locale: str) -> Button:
    return Button(t(locale, "common.menu"), encode_payload(MENU_ACTION))


def cancel_button(locale: str) -> Button:
    return Button(t(locale, "common.cancel"), encode_payload(CANCEL_ACTION))


def back_button(locale: str) -> Button:
    return Button(t(locale, "common.back"), encode_payload(BACK_ACTION))


@dataclass(frozen=True, slots=True)
class MenuItem:
    """A main-menu entry: a catalogue key for its title and the payload it sends (usually a flow action)."""

    title_key: str
    payload: str


# A dash Word or Outlook put inside a code ("A4‐80", "PEN–BLUE") is the hyphen the catalogue and the NLU know.
_CODE_DASH = re.compile(r"(?<=[^\W_])[\u2010-\u2015\u2212](?=[^\W_])")


def plain_dashes(text: str) -> str:
    return _CODE_DASH.sub("-", text)


@dataclass(slots=True)
class Turn(Generic[S]):
    """One inbound message in context. `state` is changed in place by `Engine.handle`.

    `user_locale` is the language saved for the user (identity or contact), `locale_hint` the messenger's.
    """

    content: Content
    actor: Actor
    state: ConversationState
    services: S
    locale_hint: str | None = None
    user_locale: str | None = None


@dataclass(frozen=True, slots=True)
class Processed:
    """A turn's answer fitted to the channel, and the language chosen in the conversation (None: none chosen)."""

    adapted: Adapted
    chosen_locale: str | None


class Present(Protocol):
    """Fits a turn's messages to a channel (see `bots.fallback.presenter`)."""

    def __call__(self, messages: Sequence[Outbound], locale: str) -> Adapted: ...


class Engine(Generic[S]):
    def __init__(
        self,
        flows: FlowRegistry[S],
        understand: Understand,
        store: StateStore,
        *,
        menu: Sequence[MenuItem] = (),
        confidence_threshold: float = 0.6,
        clock: Clock | None = None,
    ) -> None:
        self.flows = flows
        self.understand = understand
        self.store = store
        self.menu = tuple(menu)
        self.confidence_threshold = confidence_threshold
        self.clock = clock or SystemClock()

    async def parse(self, text: str, locale: str) -> Parse:
        """What a text means: a flow's certain recognition (a pasted SKU list), else NLU's reading."""
        return self.flows.recognize(text) or await self.understand(text, locale)

    def locale_for(self, turn: Turn[S]) -> str:
        """A language chosen in this conversation, else the user's setting, else the messenger's, else the one
        the message is plainly written in (WhatsApp and the console tell none)."""
        hint = turn.locale_hint
        if hint is None and isinstance(turn.content, Text):
            hint = written_in(turn.content.text)
        return turn.state.locale or choose_locale(turn.user_locale, hint)

    async def process(
        self,
        inbound: Inbound,
        actor: Actor,
        services: S,
        *,
        user_locale: str | None = None,
        present: Present | None = None,
    ) -> Adapted:
        """One whole turn under the conversation's lock: load the state, handle, fit to the channel, save."""
        processed = await self.process_turn(inbound, actor, services, user_locale=user_locale, present=present)
        return processed.adapted

    async def process_turn(
        self,
        inbound: Inbound,
        actor: Actor,
        services: S,
        *,
        user_locale: str | None = None,
        present: Present | None = None,
    ) -> Processed:
        """`process`, also answering the language chosen in the conversation, so no caller loads the state again."""
        key = inbound.conversation_key
        async with self.store.turn(key) as held:
            state = held.state or ConversationState()
            turn = Turn(content=inbound.content, actor=actor, state=state, services=services,
                        locale_hint=inbound.locale_hint, user_locale=user_locale)
            messages = await self.handle(turn)
            adapted = present(messages, self.locale_for(turn)) if present else Adapted(tuple(messages))
            state.pending_choices = dict(adapted.choices)
            held.save(state)
        return Processed(adapted, state.locale)

    async def handle(self, turn: Turn[S]) -> list[Outbound]:
        state = turn.state
        choices, state.pending_choices = state.pending_choices, {}
        state.last_activity = self.clock.now()
        self.forget_unknown_flows(state)
        before = state.to_json()
        run = _Run(self, turn)
        try:
            return await run.dispatch(turn.content, choices)
        except DomainError as error:
            restored = ConversationState.from_json(before)
            state.current, state.stack, state.locale = restored.current, restored.stack, restored.locale
            return await run.domain_error(error)

    def forget_unknown_flows(self, state: ConversationState) -> None:
        """Drop frames of flows no longer registered (state written before a deploy removed them)."""
        if state.current is not None and self.flows.get(state.current.flow) is None:
            state.current = None
        state.stack = [frame for frame in state.stack if self.flows.get(frame.flow) is not None]


class _Run(Generic[S]):
    """The work of one turn; keeps the engine itself free of per-turn attributes."""

    def __init__(self, engine: Engine[S], turn: Turn[S]) -> None:
        self.engine = engine
        self.turn = turn
        self.state = turn.state
        self.locale = engine.locale_for(turn)

    # Entry points ---------------------------------------------------------------------------------

    async def dispatch(self, content: Content, choices: dict[str, str]) -> list[Outbound]:
        if isinstance(content, Text):
            if (plain := plain_dashes(content.text)) != content.text:
                content = Text(plain)
                self.turn = replace(self.turn, content=content)
            payload = resolve_numbered_reply(content.text, choices)
            if payload is not None:
                return await self.on_payload(payload)
            return await self.on_text(content.text)
        if isinstance(content, ButtonPress):
            return await self.on_payload(content.payload)
        return await self.on_upload(content)

    async def on_payload(self, raw: str) -> list[Outbound]:
        try:
            payload = decode_payload(raw)
        except InvalidInput:
            return await self.expired()
        if payload.action.startswith(GLOBAL_ACTION_PREFIX):
            return await self.global_action(payload.action, payload.arg(0))
        if payload.action == STEP_ANSWER_ACTION:
            flow_name, step_name, value = (payload.arg(0), payload.arg(1), payload.arg(2))
            frame = self.state.current
            if value is None or frame is None or (frame.flow, frame.step) != (flow_name, step_name):
                return await self.expired()
            return await self.answer(Answer(choice=value, content=self.turn.content))
        flow = self.engine.flows.for_action(payload.action)
        if flow is None:
            return await self.expired()
        return await self.start(flow, args=payload.args)

    async def on_text(self, text: str) -> list[Outbound]:
        command = self.command(text)
        if command is not None:
            return await self.global_action(*command)
        step_rejection: Validation | None = None
        parse: Parse | None = None
        waiting: Step[S] | None = None
        frame = self.state.current
        if frame is not None and frame.step is not None:
            waiting = self.flow_of(frame).step(frame.step)
            if waiting is not None and waiting.free_text:
                parse = await self.engine.parse(text, self.locale)
                interrupts = not (waiting.takes and waiting.takes(text)) and self.meant_elsewhere(parse, waiting)
                if interrupts and (routed := await self.route(parse)) is not None:
                    return routed
            entities = parse.entities if parse is not None else ()
            step_rejection = await self.try_step(Answer(text=text, content=self.turn.content, entities=entities))
            if step_rejection is None:
                return await self.advance()
            if isinstance(step_rejection, Reject) and not any(ch.isalpha() for ch in text):
                # "7", "-5", "1000.5": a number the waiting step refused is a wrong answer to it, not a request.
                return await self.reprompt(step_rejection)
        parse = parse or await self.engine.parse(text, self.locale)
        routed = await self.route(parse)
        if routed is not None:
            return routed
        refusal = step_rejection if isinstance(step_rejection, Reject) else None
        elsewhere = await self.unclear(text, parse, waiting if refusal is not None else None)
        if elsewhere is not None:
            return elsewhere
        if refusal is not None:
            return await self.reprompt(refusal)
        return [TextOut(self.t("engine.not_understood")), self.menu_message()]

    async def unclear(self, text: str, parse: Parse, refused_by: Step[S] | None) -> list[Outbound] | None:
        """Text no intent was confident about, started as the flow that `mentions` an entity in it or that
        `hears` it ("скотч" while a quantity is asked is a search); None when no flow takes it. A flow whose
        mentions the step that `refused_by` the text takes itself is left out: that step's reason is the answer
        ("which product?" refusing a name)."""
        taken = {refused_by.entity, *refused_by.answer_entities} if refused_by is not None else set()
        mentioned = self.engine.flows.for_mention((e.entity for e in parse.entities), parse.intent)
        if mentioned is not None and not taken.intersection(mentioned.mentioned_entities):
            return await self.start(mentioned, parse=parse, unsure=True)
        for flow in self.engine.flows.hearing():
            if taken.intersection(flow.mentioned_entities) or flow.hears is None:
                continue
            if await flow.hears(text, self.context(flow, FlowFrame(flow.name), parse)):
                return await self.start(flow, parse=parse, unsure=True)
        return None

    async def on_upload(self, content: Content) -> list[Outbound]:
        """A file for the waiting step, or the journey that takes such files: an order file sent while checkout
        asks for a city is added to the cart (checkout then goes on), not dropped."""
        flow = self.engine.flows.for_upload(content)
        if self.state.current is not None and self.state.current.step is not None:
            refused = await self.try_step(Answer(content=content))
            if refused is None:
                return await self.advance()
            if flow is None or flow.name == self.state.current.flow:
                return await self.reprompt(refused) if isinstance(refused, Reject) else await self.advance()
        if flow is None:
            return [TextOut(self.t("engine.not_understood")), self.menu_message()]
        return await self.start(flow, first_answer=Answer(content=content))

    # Routing --------------------------------------------------------------------------------------

    def command(self, text: str) -> tuple[str, str | None] | None:
        """A slash command or a global button's title typed as text, as (global action, argument)."""
        words = text.strip().split()
        if not words:
            return None
        head = words[0].casefold()
        argument = words[1] if len(words) > 1 else None
        slash = {"/start": START_ACTION, "/menu": MENU_ACTION, "/help": HELP_ACTION, "/cancel": CANCEL_ACTION,
                 "/back": BACK_ACTION, "/lang": LANGUAGE_ACTION, "/language": LANGUAGE_ACTION}
        if head in slash:
            return slash[head], argument
        typed = text.strip().casefold()
        for locale in SUPPORTED_LOCALES:
            texts = catalogue(locale)
            for key, action in (("common.cancel", CANCEL_ACTION), ("common.back", BACK_ACTION),
                                ("common.menu", MENU_ACTION), ("common.help", HELP_ACTION)):
                if typed == texts.text(key).casefold():
                    return action, None
        return None

    def confident(self, parse: Parse) -> bool:
        return parse.intent not in FALLBACK_INTENTS and parse.confidence >= self.engine.confidence_threshold

    def meant_elsewhere(self, parse: Parse, step: Step[S]) -> bool:
        """A confident intent that the current flow does not own, and nothing in it that answers `step`."""
        if not self.confident(parse):
            return False
        frame = self.state.current
        if frame is not None and parse.intent in self.flow_of(frame).intents:
            return False
        return not any(e.entity in step.answer_entities for e in parse.entities)

    async def route(self, parse: Parse) -> list[Outbound] | None:
        """Answer a confident parse: a global intent or a flow's intent; None when it is not confident."""
        if not self.confident(parse):
            return None
        if parse.intent in HELP_INTENTS:
            return await self.global_action(HELP_ACTION, None)
        if parse.intent in MENU_INTENTS:
            return await self.global_action(MENU_ACTION, None)
        if parse.intent in CANCEL_INTENTS:
            return await self.global_action(CANCEL_ACTION, None)
        if parse.intent == LANGUAGE_INTENT:
            language = parse.entity(LANGUAGE_ENTITY)
            return await self.global_action(LANGUAGE_ACTION, None if language is None else str(language))
        flow = self.engine.flows.for_intent(parse.intent)
        if flow is None:
            return None
        return await self.start(flow, parse=parse)

    async def global_action(self, action: str, argument: str | None) -> list[Outbound]:
        if action == START_ACTION:
            # /start is a fresh beginning: whatever was in progress is dropped.
            self.state.current, self.state.stack = None, []
            return [TextOut(self.t("engine.greeting")), self.menu_message()]
        if action == MENU_ACTION:
            return [self.menu_message()]
        if action == HELP_ACTION:
            return [TextOut(self.t("engine.help")), *await self.ask_current()]
        if action == CANCEL_ACTION:
            return await self.cancel()
        if action == BACK_ACTION:
            return await self.back()
        if action == LANGUAGE_ACTION:
            return await self.change_language(argument)
        return await self.expired()

    # Flows ----------------------------------------------------------------------------------------

    async def start(self, flow: Flow[S], *, args: Sequence[str] = (), parse: Parse | None = None,
                    first_answer: Answer | None = None, unsure: bool = False) -> list[Outbound]:
        """Start `flow` (or carry it on). `unsure`: started from a guess, not a confident intent; its steps see
        `UNSURE_SLOT` set, so a journey that changes something can ask first."""
        state, args_list = self.state, list(args)
        current = state.current
        if (current is not None and current.flow == flow.name and current.args == args_list
                and not (parse is not None and self.names_anew(flow, current, parse))):
            # Started again while running: carry on where it is, taking any new entities for empty slots.
            refused = None
            if parse is not None:
                refused = await self.prefill(flow, self.context(flow, current, parse), parse)
            return await self.advance(self.refusal(refused))
        waiting = next((i for i, frame in enumerate(state.stack) if frame.flow == flow.name), None)
        if waiting is not None and not args_list:
            # Asked for a flow that an interruption paused: go back to it, dropping what was opened since.
            state.current, state.stack = state.stack[waiting], state.stack[:waiting]
            return await self.advance()
        if state.current is not None and state.current.flow != flow.name:
            state.stack.append(state.current)
            del state.stack[:-MAX_INTERRUPTIONS]
        # The same flow with other arguments (another product's card, say) replaces itself.
        state.current = FlowFrame(flow=flow.name, args=args_list)
        if unsure:
            state.current.slots[UNSURE_SLOT] = True
        ctx = self.context(flow, state.current, parse)
        refused = await self.prefill(flow, ctx, parse) if parse is not None else None
        if first_answer is not None and (first := flow.next_step(ctx)) is not None:
            state.current.step = ctx.step = first.name
            return await self.answer(first_answer)
        return await self.advance(self.refusal(refused))

    @staticmethod
    def names_anew(flow: Flow[S], frame: FlowFrame, parse: Parse) -> bool:
        """Whether `parse` gives an entity for a step `frame` has filled: the journey again, about something else
        ("add TAPE-48-66" while the quantity of A4-80 is asked), so it starts over rather than carrying on."""
        return any(step.entity is not None and step.name in frame.slots and parse.entity(step.entity) is not None
                   for step in flow.steps)

    async def prefill(self, flow: Flow[S], ctx: FlowContext[S], parse: Parse) -> Reject | None:
        """Fill empty slots from the message's entities; the first refusal is returned, to be said before
        the question it leaves open ("order 57 isn't one of yours", then "which order?")."""
        refused: Reject | None = None
        message = self.turn.content.text if isinstance(self.turn.content, Text) else None
        for step in flow.steps:
            if step.name in ctx.slots:
                continue
            if step.from_message and message is not None:
                ctx.step = step.name
                heard = await step.check(Answer(text=message, entities=parse.entities), ctx)
                if isinstance(heard, Accept):
                    ctx.slots[step.name] = heard.value
                    continue
            if step.entity is None:
                continue
            value = parse.entity(step.entity)
            if value is None:
                continue
            ctx.step = step.name
            result = await step.check(Answer(text=str(value), entities=parse.entities), ctx)
            if isinstance(result, Accept):
                ctx.slots[step.name] = result.value
            elif isinstance(result, Reject) and refused is None and (step.ask_if is None or step.ask_if(ctx)):
                refused = result  # a step never asked (a hidden alternative) has nothing to say
        ctx.step = None
        return refused

    def refusal(self, rejection: Reject | None) -> list[Outbound]:
        return [] if rejection is None else [TextOut(self.t(rejection.reason, **rejection.params))]

    async def try_step(self, answer: Answer) -> Validation | None:
        """Give the answer to the waiting step; None if accepted (slot filled), else the step's verdict."""
        frame = self.state.current
        assert frame is not None
        flow = self.flow_of(frame)
        step = flow.step(frame.step)
        if step is None:  # the flow changed under a stored state: ask afresh
            frame.step = None
            return Reject("errors.invalid_input")
        ctx = self.context(flow, frame)
        result = await step.check(answer, ctx)
        if isinstance(result, Accept):
            frame.slots[step.name] = result.value
            return None
        if isinstance(result, Goto):
            frame.slots.pop(step.name, None)
            frame.slots.pop(result.step, None)
            return None
        return result

    async def answer(self, answer: Answer) -> list[Outbound]:
        result = await self.try_step(answer)
        if isinstance(result, Reject):
            return await self.reprompt(result)
        return await self.advance()

    async def advance(self, preface: Sequence[Outbound] = ()) -> list[Outbound]:
        """Ask the current flow's next step, or complete it and resume the flow it interrupted."""
        out = list(preface)
        frame = self.state.current
        if frame is None:
            return out
        flow = self.flow_of(frame)
        ctx = self.context(flow, frame)
        step = flow.next_step(ctx)
        if step is not None:
            frame.step = ctx.step = step.name
            return out + await step.ask(ctx)
        frame.step = None
        out += await flow.complete(ctx)
        self.state.current = None
        if not flow.resumes:
            self.state.stack.clear()
        return await self.resume(out)

    async def resume(self, out: list[Outbound]) -> list[Outbound]:
        if not self.state.stack:
            return out
        self.state.current = frame = self.state.stack.pop()
        title = self.t(self.flow_of(frame).title_key)
        return await self.advance([*out, TextOut(self.t("engine.resume", flow=title))])

    async def ask_current(self) -> list[Outbound]:
        frame = self.state.current
        if frame is None:
            return []
        return await self.advance()

    async def reprompt(self, rejection: Reject) -> list[Outbound]:
        return await self.advance(self.refusal(rejection))

    async def cancel(self) -> list[Outbound]:
        if self.state.current is None:
            return [TextOut(self.t("engine.nothing_to_cancel")), self.menu_message()]
        self.state.current = None
        out: list[Outbound] = [TextOut(self.t("engine.cancelled"))]
        if not self.state.stack:
            return [*out, self.menu_message()]
        return await self.resume(out)

    async def back(self) -> list[Outbound]:
        frame = self.state.current
        if frame is None or frame.step is None:
            return [self.menu_message()]
        flow = self.flow_of(frame)
        previous = flow.previous_step(self.context(flow, frame))
        if previous is not None:
            frame.slots.pop(previous.name, None)
        return await self.advance()

    async def change_language(self, requested: str | None) -> list[Outbound]:
        locale = normalize_locale(requested)
        if locale is None:
            key = "engine.choose_language" if requested is None else "engine.language_unknown"
            buttons = [Button(t(code, f"lang.{code}"), encode_payload(LANGUAGE_ACTION, code))
                       for code in SUPPORTED_LOCALES]
            return [Buttons(self.t(key, language=requested or ""), buttons)]
        self.state.locale = self.locale = locale
        return [TextOut(self.t("engine.language_set")), *await self.ask_current()]

    # Replies --------------------------------------------------------------------------------------

    async def expired(self) -> list[Outbound]:
        notice = TextOut(self.t("engine.button_expired"))
        if self.state.current is not None:
            return await self.advance([notice])
        return [notice, self.menu_message()]

    async def domain_error(self, error: DomainError) -> list[Outbound]:
        key = f"errors.{error.code}"
        notice = TextOut(self.t(key if key in catalogue(self.locale).entries else "errors.domain_error"))
        frame = self.state.current
        step = self.flow_of(frame).step(frame.step) if frame is not None else None
        if frame is None or step is None:
            return [notice]
        try:
            # Re-ask the step the turn started on, without completing anything a second time.
            return [notice, *await step.ask(self.context(self.flow_of(frame), frame))]
        except DomainError:
            return [notice]

    def menu_message(self) -> Buttons:
        buttons = [Button(self.t(item.title_key), item.payload) for item in self.engine.menu]
        return Buttons(self.t("menu.title"), buttons)

    # Helpers --------------------------------------------------------------------------------------

    def t(self, key: str, /, **params: object) -> str:
        return t(self.locale, key, **params)

    def flow_of(self, frame: FlowFrame) -> Flow[S]:
        flow = self.engine.flows.get(frame.flow)
        if flow is None:
            raise LookupError(f"state names an unregistered flow {frame.flow!r}")
        return flow

    def context(self, flow: Flow[S], frame: FlowFrame, parse: Parse | None = None) -> FlowContext[S]:
        return FlowContext(flow=flow.name, actor=self.turn.actor, services=self.turn.services, locale=self.locale,
                           slots=frame.slots, args=tuple(frame.args), step=frame.step, parse=parse)
