"""The engine with toy flows: slot filling, re-prompts, interruptions and resume, cancel, buttons without NLU,
numbered replies, language switching, domain errors, and state kept in the store between turns."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from bots.fallback import presenter
from core.domain.access import Actor
from core.errors import InsufficientStock
from core.messaging import (
    Button,
    ButtonPress,
    Buttons,
    ChannelCapabilities,
    Content,
    FileUpload,
    Inbound,
    Outbound,
    Text,
    TextOut,
    encode_payload,
)
from dialogs.engine import Engine, MenuItem, Turn, cancel_button
from dialogs.flow import Accept, Answer, Flow, FlowContext, FlowRegistry, Goto, Reject, Step, Validation
from dialogs.i18n import format_money
from dialogs.state import ConversationState, FlowFrame, MemoryStateStore
from dialogs.understanding import Entity, Parse

ACTOR = Actor(contact_id=1, company_id=10)


@dataclass
class Shop:
    """The services context the caller gives the engine; here a toy with a balance and an order list."""

    balance: Decimal = Decimal("1234.50")
    orders: list[tuple[str, int]] = field(default_factory=list)
    out_of_stock: bool = False
    manager_requests: int = 0


class FakeUnderstand:
    """Answers from a table of texts; records every call, so tests can assert NLU was skipped."""

    def __init__(self, table: dict[str, Parse] | None = None) -> None:
        self.table = table or {}
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, text: str, locale: str) -> Parse:
        self.calls.append((text, locale))
        return self.table.get(text, Parse("nlu_fallback", 0.2))


# Toy flows ----------------------------------------------------------------------------------------

async def ask_sku(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    return [Buttons("Which SKU?" if ctx.locale == "en" else "Какой артикул?", [cancel_button(ctx.locale)])]


async def check_sku(answer: Answer, ctx: FlowContext[Shop]) -> Validation:
    value = (answer.text or "").strip().upper()
    return Accept(value) if re.fullmatch(r"[A-Z]+\d+", value) else Reject("errors.not_found")


async def ask_qty(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    return [TextOut(f"How many {ctx.slots['sku']}?")]


async def check_qty(answer: Answer, ctx: FlowContext[Shop]) -> Validation:
    raw = (answer.choice or answer.text or "").strip()
    if raw.isdigit() and 0 < int(raw) <= 1000:
        return Accept(int(raw))
    return Reject("errors.quantity_rule")


async def ask_confirm(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    question = f"Order {ctx.slots['qty']} x {ctx.slots['sku']}?"
    return [Buttons(question, [ctx.choice(ctx.t("common.yes"), "yes"), ctx.choice(ctx.t("common.no"), "no"),
                               ctx.choice("Change quantity", "qty")])]


async def check_confirm(answer: Answer, ctx: FlowContext[Shop]) -> Validation:
    if answer.choice == "qty":
        return Goto("qty")
    if answer.choice in ("yes", "no"):
        return Accept(answer.choice)
    return Reject("errors.invalid_input")


async def place_order(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    if ctx.slots["confirm"] == "no":
        return [TextOut("Not placed.")]
    if ctx.services.out_of_stock:
        raise InsufficientStock("not enough stock", sku=ctx.slots["sku"])
    ctx.services.orders.append((ctx.slots["sku"], ctx.slots["qty"]))
    return [TextOut(f"Order placed: {ctx.slots['qty']} x {ctx.slots['sku']}")]


async def show_balance(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    return [TextOut(f"Balance: {format_money(ctx.services.balance, 'RUB', ctx.locale)}")]


async def call_manager(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    ctx.services.manager_requests += 1
    return [TextOut("A manager will reply here soon.")]


async def check_query(answer: Answer, ctx: FlowContext[Shop]) -> Validation:
    return Accept(answer.text) if answer.text and len(answer.text) >= 3 else Reject("errors.invalid_input")


async def found(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    return [TextOut(f"Found 3 products for {ctx.slots['query']!r}")]


async def check_file(answer: Answer, ctx: FlowContext[Shop]) -> Validation:
    if isinstance(answer.content, FileUpload):
        return Accept(answer.content.filename)
    return Reject("errors.invalid_input")


async def import_file(ctx: FlowContext[Shop]) -> Sequence[Outbound]:
    return [TextOut(f"Imported {ctx.slots['file']}")]


CHECKOUT = Flow[Shop](
    name="checkout",
    title_key="menu.cart",
    intents=("checkout",),
    actions=("co",),
    steps=[
        Step("sku", ask_sku, check_sku, entity="sku"),
        Step("qty", ask_qty, check_qty, entity="qty"),
        Step("confirm", ask_confirm, check_confirm),
    ],
    complete=place_order,
)
BALANCE = Flow[Shop](name="balance", title_key="menu.balance", intents=("balance",), actions=("bal",),
                     complete=show_balance)
MANAGER = Flow[Shop](name="manager", title_key="menu.manager", intents=("talk_to_manager",), actions=("mgr",),
                     complete=call_manager, resumes=False)
SEARCH = Flow[Shop](name="search", title_key="menu.search", intents=("search",), actions=("find",),
                    steps=[Step("query", "menu.search", check_query, free_text=True, answer_entities=("product",))],
                    complete=found)
UPLOAD = Flow[Shop](name="upload", title_key="menu.cart", uploads=(FileUpload,),
                    steps=[Step("file", "menu.cart", check_file)], complete=import_file)

NLU = {
    "I want to order": Parse("checkout", 0.93),
    "хочу заказать": Parse("checkout", 0.93),
    "order 5 M500": Parse("checkout", 0.95, (Entity("qty", 5, 6, 7), Entity("sku", "M500", 8, 12))),
    "what's my balance?": Parse("balance", 0.97),
    "get me a human": Parse("talk_to_manager", 0.91),
    "find cement": Parse("search", 0.9),
    "help me": Parse("help", 0.9),
    "stop it": Parse("cancel", 0.9),
    "speak russian": Parse("change_language", 0.9, (Entity("language", "ru", 6, 13),)),
    "buy something maybe": Parse("checkout", 0.3),
    "order 5000 M500": Parse("checkout", 0.95, (Entity("qty", 5000, 6, 10), Entity("sku", "M500", 11, 15))),
    "balance sheets": Parse("balance", 0.9, (Entity("product", "balance sheets", 0, 14),)),
    "5000": Parse("checkout", 0.9, (Entity("qty", 5000, 0, 4),)),
    "-5": Parse("search", 0.9),
}


def make_engine(understand: FakeUnderstand | None = None, store: MemoryStateStore | None = None) -> Engine[Shop]:
    return Engine(
        FlowRegistry([CHECKOUT, BALANCE, MANAGER, SEARCH, UPLOAD]),
        understand or FakeUnderstand(NLU),
        store or MemoryStateStore(),
        menu=[MenuItem("menu.search", encode_payload("find")), MenuItem("menu.balance", encode_payload("bal"))],
    )


class Chat:
    """One conversation driven turn by turn through `Engine.handle`."""

    def __init__(self, *, shop: Shop | None = None, understand: FakeUnderstand | None = None,
                 locale_hint: str | None = None, user_locale: str | None = None) -> None:
        self.understand = understand or FakeUnderstand(NLU)
        self.engine = make_engine(self.understand)
        self.shop = shop or Shop()
        self.state = ConversationState()
        self.locale_hint = locale_hint
        self.user_locale = user_locale
        self.last: list[Outbound] = []

    async def send(self, content: str | Content) -> list[str]:
        message = Text(content) if isinstance(content, str) else content
        turn = Turn(content=message, actor=ACTOR, state=self.state, services=self.shop,
                    locale_hint=self.locale_hint, user_locale=self.user_locale)
        self.last = await self.engine.handle(turn)
        return texts(self.last)

    async def press(self, title: str) -> list[str]:
        return await self.send(ButtonPress(button(self.last, title).payload))


def texts(messages: Sequence[Outbound]) -> list[str]:
    return [m.text for m in messages if isinstance(m, TextOut | Buttons)]


def button(messages: Sequence[Outbound], title: str) -> Button:
    return next(b for m in messages if isinstance(m, Buttons) for b in m.buttons if b.title == title)


async def at_quantity_step(chat: Chat) -> None:
    await chat.send("I want to order")
    await chat.send("M500")
    assert (chat.state.flow, chat.state.step) == ("checkout", "qty")


# Slot filling -------------------------------------------------------------------------------------

async def test_checkout_fills_its_slots_in_order_and_places_the_order() -> None:
    chat = Chat()
    assert await chat.send("I want to order") == ["Which SKU?"]
    assert await chat.send("m500") == ["How many M500?"]
    assert await chat.send("12") == ["Order 12 x M500?"]
    assert await chat.press("Yes") == ["Order placed: 12 x M500"]
    assert chat.shop.orders == [("M500", 12)]
    assert chat.state.current is None


async def test_entities_of_the_starting_message_prefill_the_slots() -> None:
    chat = Chat()
    assert await chat.send("order 5 M500") == ["Order 5 x M500?"]
    assert chat.state.slots == {"sku": "M500", "qty": 5}


async def test_an_entity_the_step_refuses_is_answered_with_the_reason_before_the_question() -> None:
    chat = Chat()
    reply = await chat.send("order 5000 M500")
    assert reply[0].startswith("That quantity isn't allowed") and reply[1] == "How many M500?"
    assert chat.state.slots == {"sku": "M500"}


async def test_bad_input_gets_the_validators_reason_and_the_question_again() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    reply = await chat.send("minus three")
    assert reply[0].startswith("That quantity isn't allowed")
    assert reply[1] == "How many M500?"
    assert (chat.state.step, chat.state.slots) == ("qty", {"sku": "M500"})


async def test_goto_sends_the_user_back_to_change_an_earlier_answer() -> None:
    chat = Chat()
    await chat.send("order 5 M500")
    assert await chat.press("Change quantity") == ["How many M500?"]
    assert await chat.send("7") == ["Order 7 x M500?"]
    await chat.press("Yes")
    assert chat.shop.orders == [("M500", 7)]


async def test_asking_for_the_running_flow_again_keeps_its_slots_and_takes_new_entities() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    chat.understand.table["make it 9 M500"] = Parse("checkout", 0.9, (Entity("qty", 9, 8, 9),))
    assert await chat.send("make it 9 M500") == ["Order 9 x M500?"]
    assert chat.state.stack == []


async def test_back_reopens_the_previous_step() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    assert await chat.send("/back") == ["Which SKU?"]
    assert chat.state.slots == {}


async def test_an_upload_starts_the_flow_that_takes_it() -> None:
    chat = Chat()
    upload = FileUpload("order.csv", "text/csv", b"M500;5\n", size=7)
    assert await chat.send(upload) == ["Imported order.csv"]
    assert chat.understand.calls == []


# Interruptions ------------------------------------------------------------------------------------

async def test_balance_question_mid_checkout_is_answered_then_checkout_resumes_at_its_step() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    reply = await chat.send("what's my balance?")
    assert reply == ["Balance: 1,234.50\u00a0RUB", "Back to My cart…", "How many M500?"]
    assert (chat.state.flow, chat.state.step, chat.state.slots) == ("checkout", "qty", {"sku": "M500"})
    assert chat.state.stack == []
    assert await chat.send("3") == ["Order 3 x M500?"]


async def test_interrupting_flow_with_steps_resumes_the_first_when_it_completes() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    assert await chat.send("find cement") == ["Find products"]
    assert [frame.flow for frame in chat.state.stack] == ["checkout"]
    assert await chat.send("cement") == ["Found 3 products for 'cement'", "Back to My cart…", "How many M500?"]


async def test_talk_to_manager_works_in_the_middle_of_a_flow_and_the_flow_does_not_go_on() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    reply = await chat.send("get me a human")
    assert reply == ["A manager will reply here soon."]  # the manager answers now, not "Back to ..."
    assert chat.shop.manager_requests == 1
    assert chat.state.current is None and chat.state.stack == []


@pytest.mark.parametrize("number", ["5000", "-5"])
async def test_a_number_the_waiting_step_refuses_is_asked_again_whatever_nlu_reads_in_it(number: str) -> None:
    chat = Chat()
    await at_quantity_step(chat)
    reply = await chat.send(number)
    assert reply[0] == "That quantity isn't allowed for this product (check the pack size and the minimum order)."
    assert (chat.state.flow, chat.state.step) == ("checkout", "qty") and chat.state.stack == []


async def test_help_answers_and_repeats_the_waiting_question() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    reply = await chat.send("help me")
    assert reply[0].startswith("Type what you need")
    assert reply[1] == "How many M500?"
    assert chat.state.step == "qty"


async def test_menu_mid_flow_shows_the_menu_and_keeps_the_flow() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    await chat.send("/menu")
    assert isinstance(chat.last[0], Buttons) and chat.last[0].text == "What would you like to do?"
    assert chat.state.step == "qty"
    assert await chat.send("4") == ["Order 4 x M500?"]


async def test_start_drops_whatever_was_in_progress() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    reply = await chat.send("/start")
    assert reply[0].startswith("Hello!")
    assert chat.state.current is None


# Cancel -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["/cancel", "Cancel", "отмена", "stop it"])
async def test_cancel_abandons_the_current_flow(command: str) -> None:
    chat = Chat(locale_hint="en")  # an English messenger: "отмена" cancels too, and the answer stays English
    await at_quantity_step(chat)
    reply = await chat.send(command)
    assert reply[0] == "Cancelled."
    assert chat.state.current is None and chat.state.stack == []
    assert chat.shop.orders == []


async def test_cancel_button_abandons_the_flow_without_nlu() -> None:
    chat = Chat()
    await chat.send("I want to order")
    calls = len(chat.understand.calls)
    assert (await chat.press("Cancel"))[0] == "Cancelled."
    assert len(chat.understand.calls) == calls


async def test_cancelling_an_interruption_resumes_the_interrupted_flow() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    await chat.send("find cement")
    assert await chat.send("/cancel") == ["Cancelled.", "Back to My cart…", "How many M500?"]


async def test_cancel_with_nothing_in_progress_says_so() -> None:
    chat = Chat()
    assert (await chat.send("/cancel"))[0] == "There is nothing to cancel."


# Buttons and numbers ------------------------------------------------------------------------------

async def test_button_presses_skip_nlu() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    calls = list(chat.understand.calls)
    reply = await chat.send(ButtonPress(encode_payload("bal")))
    assert reply[0].startswith("Balance:")
    await chat.send("5")
    await chat.press("Yes")
    assert chat.understand.calls == calls
    assert chat.shop.orders == [("M500", 5)]


async def test_text_the_step_accepts_never_reaches_nlu() -> None:
    chat = Chat()
    await chat.send("I want to order")
    await chat.send("M500")
    await chat.send("12")
    assert [text for text, _ in chat.understand.calls] == ["I want to order"]


async def test_a_question_at_a_free_text_step_is_answered_not_taken_as_the_answer() -> None:
    chat = Chat()
    await chat.send("find cement")
    reply = await chat.send("what's my balance?")
    assert reply == ["Balance: 1,234.50\u00a0RUB", "Back to Find products…", "Find products"]
    assert (chat.state.flow, chat.state.step) == ("search", "query")
    assert await chat.send("cement") == ["Found 3 products for 'cement'"]


async def test_a_free_text_step_keeps_text_that_names_what_it_asks_for_or_is_no_clear_intent() -> None:
    chat = Chat()
    await chat.send("find cement")
    assert await chat.send("balance sheets") == ["Found 3 products for 'balance sheets'"]
    await chat.send("find cement")
    assert await chat.send("buy something maybe") == ["Found 3 products for 'buy something maybe'"]
    assert chat.understand.calls[-1] == ("buy something maybe", "en")  # read by NLU first, then kept


async def test_second_tap_on_confirm_places_no_second_order() -> None:
    chat = Chat()
    await chat.send("order 5 M500")
    confirm = button(chat.last, "Yes")
    await chat.send(ButtonPress(confirm.payload))
    assert (await chat.send(ButtonPress(confirm.payload)))[0] == "That button is no longer active."
    assert chat.shop.orders == [("M500", 5)]


async def test_a_button_of_another_step_is_refused_and_the_question_repeated() -> None:
    chat = Chat()
    await chat.send("order 5 M500")
    confirm = button(chat.last, "Yes")
    await chat.press("Change quantity")
    assert await chat.send(ButtonPress(confirm.payload)) == ["That button is no longer active.", "How many M500?"]
    assert chat.shop.orders == []


@pytest.mark.parametrize("payload", ["nonsense!!", "zz:1", "a:checkout", "x" * 80])
async def test_forged_payloads_get_a_polite_refusal(payload: str) -> None:
    chat = Chat()
    reply = await chat.send(ButtonPress(payload))
    assert reply[0] == "That button is no longer active."
    assert chat.understand.calls == []


async def test_numbered_reply_resolves_through_the_pending_choices() -> None:
    chat = Chat()
    await chat.send("order 5 M500")
    chat.state.pending_choices = {"1": button(chat.last, "Yes").payload, "2": button(chat.last, "No").payload}
    assert await chat.send("1") == ["Order placed: 5 x M500"]
    assert [text for text, _ in chat.understand.calls] == ["order 5 M500"]
    assert chat.state.pending_choices == {}


async def test_a_number_outside_the_choices_is_plain_text_for_the_step() -> None:
    chat = Chat()
    await at_quantity_step(chat)
    chat.state.pending_choices = {"1": encode_payload("bal")}
    assert await chat.send("40") == ["Order 40 x M500?"]


# Not understood -----------------------------------------------------------------------------------

async def test_low_confidence_gets_the_fallback_reply_with_the_menu() -> None:
    chat = Chat()
    reply = await chat.send("buy something maybe")
    assert reply[0] == "Sorry, I didn't understand that. Here is what I can do:"
    menu = chat.last[1]
    assert isinstance(menu, Buttons)
    assert [b.title for b in menu.buttons] == ["Find products", "Balance"]
    assert chat.state.current is None


# Languages ----------------------------------------------------------------------------------------

async def test_lang_command_switches_the_language_and_repeats_the_question_in_it() -> None:
    chat = Chat()
    await chat.send("I want to order")
    assert await chat.send("/lang ru") == ["Язык: русский.", "Какой артикул?"]
    assert chat.state.locale == "ru"
    reply = await chat.send("zzz")
    assert reply[0] == "Не удалось найти."
    assert chat.understand.calls[-1] == ("zzz", "ru")


async def test_language_intent_and_language_buttons_switch_too() -> None:
    chat = Chat()
    assert (await chat.send("speak russian"))[0] == "Язык: русский."
    await chat.send("/lang")
    assert await chat.press("English") == ["Language set to English."]


async def test_unknown_language_offers_the_known_ones() -> None:
    chat = Chat()
    reply = await chat.send("/lang xx")
    assert reply == ['I don\'t know the language "xx". Choose one:']
    assert chat.state.locale is None


async def test_messenger_language_is_used_unless_the_user_chose_one() -> None:
    assert await Chat(locale_hint="ru-RU").send("I want to order") == ["Какой артикул?"]
    assert await Chat(locale_hint="ru-RU", user_locale="en").send("I want to order") == ["Which SKU?"]


async def test_with_no_language_known_the_message_is_answered_in_the_one_it_is_written_in() -> None:
    assert await Chat().send("хочу заказать") == ["Какой артикул?"]
    assert await Chat().send("I want to order") == ["Which SKU?"]
    assert await Chat(locale_hint="en").send("хочу заказать") == ["Which SKU?"]


# Errors and stored state --------------------------------------------------------------------------

async def test_domain_error_answers_its_text_and_leaves_the_flow_where_it_was() -> None:
    chat = Chat(shop=Shop(out_of_stock=True))
    await chat.send("order 5 M500")
    reply = await chat.press("Yes")
    assert reply == ["There isn't enough stock for that quantity.", "Order 5 x M500?"]
    assert (chat.state.step, chat.state.slots) == ("confirm", {"sku": "M500", "qty": 5})
    chat.shop.out_of_stock = False
    assert await chat.press("Yes") == ["Order placed: 5 x M500"]


async def test_state_naming_a_flow_no_longer_registered_is_forgotten() -> None:
    chat = Chat()
    chat.state.current = FlowFrame(flow="retired", step="x")
    chat.state.stack = [FlowFrame(flow="gone")]
    assert (await chat.send("/cancel"))[0] == "There is nothing to cancel."
    assert chat.state.stack == []


async def test_state_is_kept_in_the_store_between_turns_and_numbers_resolve_from_it() -> None:
    store = MemoryStateStore()
    understand = FakeUnderstand(NLU)
    engine = make_engine(understand, store)
    shop = Shop()
    plain = ChannelCapabilities(max_buttons=0, max_button_title=20, supports_lists=False, max_list_rows=0,
                                supports_images=False, supports_documents=False, max_text_length=1000)
    sequence = iter(range(1, 100))

    async def say(text: str) -> list[str]:
        inbound = Inbound("sms", "+7900", str(next(sequence)), dt.datetime.now(dt.UTC), "en", Text(text))
        adapted = await engine.process(inbound, ACTOR, shop, present=presenter(plain))
        return texts(adapted.messages)

    [question] = await say("order 5 M500")
    assert "1. Yes\n2. No\n3. Change quantity" in question
    stored = await store.load("sms:+7900")
    assert stored is not None
    assert (stored.flow, stored.step, stored.slots) == ("checkout", "confirm", {"sku": "M500", "qty": 5})
    assert stored.pending_choices.keys() == {"1", "2", "3"}
    assert await say("1") == ["Order placed: 5 x M500"]
    assert shop.orders == [("M500", 5)]
    stored = await store.load("sms:+7900")
    assert stored is not None and stored.current is None and stored.pending_choices == {}
    assert [text for text, _ in understand.calls] == ["order 5 M500"]
