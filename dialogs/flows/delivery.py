"""The delivery journey: where to (a saved address or a typed city), the options compared (cheapest and
fastest tagged), and the choice, which becomes the cart's delivery.

Checkout asks for delivery with the same two steps: `destination_step` and `option_step` build them.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.carriers import place_key
from core.carriers.pickup import PICKUP_CARRIER
from core.errors import InvalidInput, NotFound, QuoteExpired
from core.messaging import Buttons, Outbound
from core.ports import Destination
from core.services import cart as carts
from core.services import delivery
from core.services.cart import CartView
from core.services.delivery import DeliveryOption
from core.uow import UnitOfWork
from dialogs.engine import cancel_button
from dialogs.flow import Accept, Answer, Flow, Goto, Reject, Step, Validation
from dialogs.flows.cart import CartEmpty, Ctx, cart_button, checkout_button, money, require_cart, require_member
from dialogs.i18n import format_number, typed, typed_words
from dialogs.services import Services

QUOTE_ACTION = "quote"
KEEP = "keep"  # checkout: keep the delivery chosen before
NEAR = "near"  # the known city offered for a typed name the rate table does not know
NO_DELIVERY = "none"  # checkout: no delivery (the client collects or arranges it)
MAX_CITY = 100
_PREPOSITIONS = frozenset({"в", "во", "до", "на", "к", "ко", "to", "in", "into"})
ADDRESS_BUTTONS = 5


# Where to -----------------------------------------------------------------------------------------


async def ask_destination(ctx: Ctx, *, in_checkout: bool = False, view: CartView | None = None) -> list[Outbound]:
    """Where to deliver; `view` is the cart when the caller has read it this turn."""
    async with ctx.services.uow() as uow:
        if view is None:
            view = await require_cart(ctx, uow.session)
        addresses = await delivery.saved_addresses(uow.session, ctx.actor, limit=ADDRESS_BUTTONS)
    buttons = [ctx.choice(f"{a.label}: {a.city}"[:60], f"a{a.id}") for a in addresses]
    if ctx.slots.get("_near"):
        buttons.insert(0, ctx.choice(str(ctx.slots["_near"])[:60], NEAR))
    text = ctx.t("delivery.where" if addresses else "delivery.where_city")
    if in_checkout:
        chosen = view.delivery
        if chosen is not None and not chosen.expired and not chosen.outweighed:
            text = ctx.t("delivery.current", carrier=chosen.carrier, service=chosen.service,
                         price=money(ctx, chosen.price, chosen.currency), where=chosen.destination) + "\n" + text
            buttons.insert(0, ctx.choice(ctx.t("delivery.keep"), KEEP))
        buttons.append(ctx.choice(ctx.t("delivery.no_delivery"), NO_DELIVERY))
    return [Buttons(text, [*buttons, cancel_button(ctx.locale)])]


async def check_destination(answer: Answer, ctx: Ctx, *, in_checkout: bool = False) -> Validation:
    if answer.choice is None and answer.text:
        said = typed(answer.text)
        if in_checkout and said in typed_words("delivery.pickup_words"):
            answer = Answer(choice=NO_DELIVERY)  # "самовывоз", "we'll pick it up": the button's meaning
        elif (saved := await _saved_address_named(ctx, said)) is not None:
            return Accept(f"a{saved}")
    if answer.choice is not None:
        if answer.choice.startswith("a") and answer.choice[1:].isdigit():
            return Accept(answer.choice)
        if in_checkout and answer.choice == NO_DELIVERY:
            async with ctx.services.uow() as uow:
                await carts.choose_delivery(uow.session, ctx.actor, None)
                await uow.commit()
            return Accept(NO_DELIVERY)
        if in_checkout and answer.choice == KEEP:
            return Accept(KEEP)
        if answer.choice == NEAR and ctx.slots.get("_near"):
            return Accept(f"c:{ctx.slots['_near']}")
        return Reject("delivery.where_city")
    named = next((str(e.value) for e in answer.entities if e.entity == "city"), None)
    words = (named or answer.text or "").split()
    if named is None and len(words) > 1 and words[0].casefold() in _PREPOSITIONS:
        words = words[1:]  # a city the NLU does not know, typed as "в Нижнекамск" or "to Tver"
    city = " ".join(words)
    if not city or len(city) > MAX_CITY or any(ch.isdigit() for ch in city):
        return Reject("delivery.where_city")
    return _doubted(ctx, city) if named is None else Accept(f"c:{city}")


async def _saved_address_named(ctx: Ctx, said: str) -> int | None:
    """The saved address a typed answer means: "to the office", "как обычно" (the default), or a word of an
    address's label ("warehouse" for "Warehouse: Kazan")."""
    if not said or ctx.actor.is_guest:
        return None
    usual = said in typed_words("delivery.saved_words")
    if not usual and len(said) < 4:
        return None
    async with ctx.services.uow() as uow:
        addresses = await delivery.saved_addresses(uow.session, ctx.actor, limit=ADDRESS_BUTTONS)
    if usual:
        return addresses[0].id if addresses else None
    named = [a for a in addresses if said in typed(a.label)]
    return named[0].id if len(named) == 1 else None


def _doubted(ctx: Ctx, city: str) -> Validation:
    """A name neither the NLU nor the rate table knows, close to one the table does, is asked about once ("Did
    you mean Kazan?", with it as a button); the same name typed again is quoted as written (a small town that
    merely looks like a known city), at the rate for other regions."""
    carriers = ctx.services.core.carriers
    near = None if carriers.knows_city(city) else carriers.closest_city(city)
    if near is None or ctx.slots.get("_typed") == place_key(city):
        return Accept(f"c:{city}")
    ctx.slots["_typed"], ctx.slots["_near"] = place_key(city), near
    return Reject("delivery.did_you_mean", {"typed": city, "city": near})


def destination_step(*, in_checkout: bool = False) -> Step[Services]:
    async def prompt(ctx: Ctx) -> Sequence[Outbound]:
        return await ask_destination(ctx, in_checkout=in_checkout)

    async def validate(answer: Answer, ctx: Ctx) -> Validation:
        return await check_destination(answer, ctx, in_checkout=in_checkout)

    return Step("dest", prompt, validate, entity=None if in_checkout else "city", free_text=True,
                answer_entities=("city",), takes=takes_destination)


def takes_destination(text: str) -> bool:
    """What the destination question answers whatever the NLU makes of it: the usual address, pickup."""
    said = typed(text)
    return said in typed_words("delivery.saved_words") or said in typed_words("delivery.pickup_words")


# The options --------------------------------------------------------------------------------------


async def _destination(ctx: Ctx, uow: UnitOfWork) -> Destination:
    chosen = str(ctx.slots.get("dest") or "")
    if chosen.startswith("a") and chosen[1:].isdigit():
        return await delivery.destination_from_address(uow, ctx.actor, int(chosen[1:]))
    if chosen.startswith("c:"):
        return Destination(city=chosen[2:])
    raise InvalidInput("no destination chosen")


def _eta(ctx: Ctx, option: DeliveryOption) -> str:
    if option.eta_max_days == 0:
        return ctx.t("delivery.eta_today")
    if option.eta_min_days == option.eta_max_days:
        return ctx.t("delivery.eta_days", count=option.eta_max_days)
    return ctx.t("delivery.eta_range", low=option.eta_min_days, count=option.eta_max_days)


def describe_option(ctx: Ctx, option: DeliveryOption) -> str:
    tags = [ctx.t(f"delivery.tag.{tag}") for tag in ("cheapest", "fastest") if getattr(option, tag)]
    price, eta = money(ctx, option.price, option.currency), _eta(ctx, option)
    if option.carrier == PICKUP_CARRIER:  # where to collect it, not the warehouse's code
        text = ctx.t("delivery.pickup_option", where=option.destination.removeprefix("pickup: "), eta=eta)
    else:
        text = ctx.t("delivery.option", carrier=option.carrier, service=option.service, price=price, eta=eta)
    return f"{text} — {', '.join(tags)}" if tags else text


def _option_button_title(ctx: Ctx, n: int, option: DeliveryOption) -> str:
    if option.carrier == PICKUP_CARRIER:
        return f"{n}. {ctx.t('delivery.pickup_button', code=option.service)}"[:60]
    return f"{n}. {option.carrier}: {money(ctx, option.price, option.currency)}"[:60]


async def ask_option(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)  # the destination may have come with the request, before any question
    services = ctx.services
    async with services.uow() as uow:
        destination = await _destination(ctx, uow)
        try:
            quotes = await delivery.quote_for_cart(uow, ctx.actor, destination, services.settings, services.clock,
                                                   services.core.carriers)
        except carts.EmptyCart:
            raise CartEmpty("the cart is empty") from None
        await uow.commit()  # the options are kept, so that one can be chosen by its id
    again = ctx.choice(ctx.t("delivery.other_destination"), "d")
    kept = [o for o in quotes.options if o.quote_id is not None]
    if not kept:
        return [Buttons(ctx.t("delivery.no_options", where=delivery.describe(destination)), [again])]
    lines = [ctx.t("delivery.options", where=delivery.describe(destination),
                   weight=format_number(quotes.parcel.weight_kg, ctx.locale))]
    if not services.core.carriers.knows_city(destination.city):
        lines.insert(0, ctx.t("delivery.unknown_city", where=destination.city))
    lines += [f"{n}. {describe_option(ctx, o)}" for n, o in enumerate(kept, start=1)]
    buttons = [ctx.choice(_option_button_title(ctx, n, o), f"q{o.quote_id}") for n, o in enumerate(kept, start=1)]
    return [Buttons("\n".join(lines), [*buttons, again, cancel_button(ctx.locale)])]


async def check_option(answer: Answer, ctx: Ctx) -> Validation:
    """A chosen option becomes the cart's delivery at once, so what checkout shows next includes it."""
    choice = answer.choice or ""
    if choice == "d":
        return Goto("dest")
    if not (choice.startswith("q") and choice[1:].isdigit()):
        return Reject("delivery.choose")
    try:
        async with ctx.services.uow() as uow:
            await carts.choose_delivery(uow.session, ctx.actor, int(choice[1:]), now=ctx.services.clock.now())
            await uow.commit()
    except QuoteExpired:
        return Reject("delivery.expired")
    except NotFound:
        return Reject("delivery.choose")
    return Accept(int(choice[1:]))


def option_step() -> Step[Services]:
    return Step("opt", ask_option, check_option,
                ask_if=lambda ctx: ctx.slots.get("dest") not in (KEEP, NO_DELIVERY) and not ctx.args)


async def _chosen(ctx: Ctx) -> Sequence[Outbound]:
    async with ctx.services.uow() as uow:
        view = await carts.view(uow.session, ctx.actor, ctx.services.settings, now=ctx.services.clock.now())
    chosen = view.delivery
    if chosen is None:
        return [Buttons(ctx.t("delivery.none_chosen"), [cart_button(ctx)])]
    text = ctx.t("delivery.chosen", carrier=chosen.carrier, service=chosen.service,
                 price=money(ctx, chosen.price, chosen.currency), where=chosen.destination,
                 total=money(ctx, view.total, view.currency))
    return [Buttons(text, [checkout_button(ctx), cart_button(ctx)])]


QUOTE = Flow[Services](
    name="quote",
    title_key="delivery.title",
    intents=("delivery_quote",),
    mentions=("city",),
    actions=(QUOTE_ACTION,),
    steps=[destination_step(), option_step()],
    complete=_chosen,
)

FLOWS: list[Flow[Services]] = [QUOTE]
