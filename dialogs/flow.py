"""Flows: small state machines of named steps that fill slots (like Rasa forms), and their registry.

A flow asks its steps in order, skipping those already filled or whose `ask_if` says no; each step's
validator turns an `Answer` into `Accept(value)`, `Reject(reason key)` (the engine re-asks with the reason) or
`Goto(step)` (go back to change an earlier answer). When every step is filled, `complete` does the work and
answers. Flows start from NLU intents, from button actions (`encode_payload(action, *args)`), or from an
upload; they know nothing of channels.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from core.domain.access import Actor
from core.messaging import Button, Content, Outbound, TextOut, encode_payload
from dialogs.i18n import t
from dialogs.understanding import Entity, Parse

S = TypeVar("S")
JsonValue = Any

STEP_ANSWER_ACTION = "a"
GLOBAL_ACTION_PREFIX = "g."


@dataclass(frozen=True, slots=True)
class Answer:
    """What the user gave a step: typed `text`, a `choice` from one of the step's buttons, or other `content`."""

    text: str | None = None
    choice: str | None = None
    content: Content | None = None
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True, slots=True)
class Accept:
    value: JsonValue


@dataclass(frozen=True, slots=True)
class Reject:
    """Bad input: the engine says `reason` (a catalogue key with `params`) and asks the step again."""

    reason: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Goto:
    """Go back to an earlier step: its slot (and this step's) are cleared and it is asked next."""

    step: str


Validation = Accept | Reject | Goto


@dataclass
class FlowContext(Generic[S]):
    """What a step or a completion sees: who asks, the caller's services, the language, the slots so far."""

    flow: str
    actor: Actor
    services: S
    locale: str
    slots: dict[str, JsonValue]
    args: tuple[str, ...] = ()
    step: str | None = None
    parse: Parse | None = None

    def t(self, key: str, /, **params: object) -> str:
        return t(self.locale, key, **params)

    def choice(self, title: str, value: str | int) -> Button:
        """A button that answers the step being asked with `value` (a short id, it travels in the payload)."""
        if self.step is None:
            raise RuntimeError("choice buttons belong to a step's prompt")
        return Button(title=title, payload=answer_payload(self.flow, self.step, value))


Prompt = Callable[[FlowContext[S]], Awaitable[Sequence[Outbound]]]
Validator = Callable[[Answer, FlowContext[S]], Awaitable[Validation]]
Complete = Callable[[FlowContext[S]], Awaitable[Sequence[Outbound]]]
Condition = Callable[[FlowContext[S]], bool]
Recognizer = Callable[[str], Parse | None]
Hearer = Callable[[str, FlowContext[S]], Awaitable[bool]]


# No slots on the generic dataclasses: `Flow[Shop](...)` must be able to set `__orig_class__`.
@dataclass(frozen=True)
class Step(Generic[S]):
    """One question. `prompt` is a catalogue key or a function building the question's messages.

    Without a validator any non-empty text or button choice is accepted as is. `entity` prefills the slot
    from the NLU entity of that name in the message that started the flow (validated like an answer).

    A `free_text` step takes almost any text (a city, a search query), so a question asked instead of an
    answer ("what's my balance?") would pass its validator: NLU reads such text first, and a confident
    intent of another flow, with none of the step's `answer_entities` in it, is answered as an interruption.
    Text the step `takes` is its answer whatever the NLU reads it as ("как обычно" at the delivery question is
    the usual address, not "repeat my last order").

    A `from_message` step is offered the whole text that started the flow ("the statement for last month"),
    for answers no NLU entity carries; what it refuses there is simply asked.
    """

    name: str
    prompt: str | Prompt[S]
    validate: Validator[S] | None = None
    entity: str | None = None
    ask_if: Condition[S] | None = None
    free_text: bool = False
    answer_entities: tuple[str, ...] = ()
    from_message: bool = False
    takes: Callable[[str], bool] | None = None

    async def ask(self, ctx: FlowContext[S]) -> list[Outbound]:
        if isinstance(self.prompt, str):
            return [TextOut(ctx.t(self.prompt))]
        return list(await self.prompt(ctx))

    async def check(self, answer: Answer, ctx: FlowContext[S]) -> Validation:
        if self.validate is not None:
            return await self.validate(answer, ctx)
        if answer.choice is not None:
            return Accept(answer.choice)
        if answer.text is not None and answer.text.strip():
            return Accept(answer.text.strip())
        return Reject("errors.invalid_input")


@dataclass(frozen=True)
class Flow(Generic[S]):
    """A named journey. `title_key` names it in "back to ..." prompts; `intents`, `actions` and `uploads`
    start it (an upload of one of those content types is given to its first step as the answer).

    `recognize` reads text that no waiting step took, before NLU does: a shape that is certain rather than
    guessed (a pasted list of SKU lines) comes back as the parse that starts this flow; anything else, None.
    `mentions` are entities, or groups of entities found together, that start it from a message no intent
    was confident about: a product named alone ("stretch film") is a search, a quantity with a product ("десять
    коробок бумаги") an order line. `hears` reads such a message when it named none of them, and says whether
    it is for this flow all the same (words the catalogue uses, as in "I need gloves", make a search).
    `mentions_need_intent`: its mentions start it only when its own intent is the NLU's first guess, unsure as
    that is; for a journey that changes something on a mention (an order line added), where a guess of
    another intent ("убери 2 коробки бумаги") must not add paper.
    `resumes` says whether the journeys it interrupted go on once it completes: not after a handover to a
    manager, who answers from then on.
    """

    name: str
    title_key: str
    complete: Complete[S]
    steps: Sequence[Step[S]] = ()
    intents: Sequence[str] = ()
    actions: Sequence[str] = ()
    uploads: Sequence[type[Content]] = ()
    recognize: Recognizer | None = None
    mentions: Sequence[str | tuple[str, ...]] = ()
    hears: Hearer[S] | None = None
    mentions_need_intent: bool = False
    resumes: bool = True

    @property
    def mention_groups(self) -> tuple[tuple[str, ...], ...]:
        return tuple((m,) if isinstance(m, str) else tuple(m) for m in self.mentions)

    @property
    def mentioned_entities(self) -> frozenset[str]:
        return frozenset(entity for group in self.mention_groups for entity in group)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"flow {self.name!r} has two steps with one name")
        # Step answers carry the flow and step names in a 64-byte payload: keep them short and valid.
        for name in names:
            answer_payload(self.name, name, "x" * 8)

    def step(self, name: str | None) -> Step[S] | None:
        return next((step for step in self.steps if step.name == name), None)

    def next_step(self, ctx: FlowContext[S]) -> Step[S] | None:
        """The first step whose slot is empty and which applies now; None when the flow can complete."""
        for step in self.steps:
            if step.name in ctx.slots:
                continue
            if step.ask_if is None or step.ask_if(ctx):
                return step
        return None

    def previous_step(self, ctx: FlowContext[S]) -> Step[S] | None:
        """The filled step asked just before the current one, for "back"."""
        earlier: Step[S] | None = None
        for step in self.steps:
            if step.name == ctx.step:
                return earlier
            if step.name in ctx.slots:
                earlier = step
        return earlier


def answer_payload(flow: str, step: str, value: str | int) -> str:
    return encode_payload(STEP_ANSWER_ACTION, flow, step, value)


class FlowRegistry(Generic[S]):
    """Flows by name, and which intent, button action or upload starts each one."""

    def __init__(self, flows: Iterable[Flow[S]] = ()) -> None:
        self._flows: dict[str, Flow[S]] = {}
        self._by_intent: dict[str, Flow[S]] = {}
        self._by_action: dict[str, Flow[S]] = {}
        self._recognizers: list[Recognizer] = []
        self._mentions: list[tuple[tuple[str, ...], Flow[S]]] = []
        self._hearing: list[Flow[S]] = []
        for flow in flows:
            self.register(flow)

    def register(self, flow: Flow[S]) -> Flow[S]:
        if flow.name in self._flows:
            raise ValueError(f"flow {flow.name!r} is registered twice")
        for intent in flow.intents:
            if intent in self._by_intent:
                raise ValueError(f"intent {intent!r} already starts {self._by_intent[intent].name!r}")
        for action in flow.actions:
            encode_payload(action)  # a valid, short action name
            if action == STEP_ANSWER_ACTION or action.startswith(GLOBAL_ACTION_PREFIX):
                raise ValueError(f"action {action!r} is reserved by the engine")
            if action in self._by_action:
                raise ValueError(f"action {action!r} already starts {self._by_action[action].name!r}")
        self._flows[flow.name] = flow
        self._by_intent.update(dict.fromkeys(flow.intents, flow))
        self._by_action.update(dict.fromkeys(flow.actions, flow))
        if flow.recognize is not None:
            self._recognizers.append(flow.recognize)
        self._mentions += ((group, flow) for group in flow.mention_groups)
        if flow.hears is not None:
            self._hearing.append(flow)
        return flow

    def get(self, name: str) -> Flow[S] | None:
        return self._flows.get(name)

    def for_intent(self, intent: str) -> Flow[S] | None:
        return self._by_intent.get(intent)

    def for_mention(self, entities: Iterable[str], intent: str | None = None) -> Flow[S] | None:
        """The flow that `mentions` the largest group found in `entities` (in message order); among groups as
        large, the one met first in the message, then the flow registered first. `intent` is the NLU's first,
        unsure guess (see `Flow.mentions_need_intent`)."""
        at: dict[str, int] = {}
        for position, entity in enumerate(entities):
            at.setdefault(entity, position)
        found = [((-len(group), min(at[e] for e in group), n), flow)
                 for n, (group, flow) in enumerate(self._mentions)
                 if all(e in at for e in group) and (not flow.mentions_need_intent or intent in flow.intents)]
        return min(found, key=lambda item: item[0])[1] if found else None

    def hearing(self) -> Sequence[Flow[S]]:
        """The flows that read messages nothing else understood (see `Flow.hears`), in registration order."""
        return self._hearing

    def for_action(self, action: str) -> Flow[S] | None:
        return self._by_action.get(action)

    def recognize(self, text: str) -> Parse | None:
        """The parse of the first flow that recognises `text` for certain (see `Flow.recognize`)."""
        return next((parse for recognize in self._recognizers if (parse := recognize(text)) is not None), None)

    def for_upload(self, content: Content) -> Flow[S] | None:
        return next((flow for flow in self._flows.values() if isinstance(content, tuple(flow.uploads))), None)
