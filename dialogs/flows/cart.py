"""The cart journey: show the cart, add by text or button, change and remove lines and clear the cart (by button
or by text: "убери скотч", "change paper to 20 packs", "clear my cart"), paste a list of SKU lines, upload a CSV or
XLSX order file. Also the helpers the other commerce flows share.

A pasted list never reaches NLU: the paste flow recognises it (`Flow.recognize`) as the `paste_list` intent,
carrying the text in its `lines` entity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.access import Actor
from core.domain.names import localized
from core.errors import DomainError, InvalidInput, NotFound, QuantityRuleViolation
from core.messaging import Button, Buttons, FileUpload, Outbound, TextOut, encode_payload
from core.models import Product
from core.services import cart as carts
from core.services import catalog, order_files, pricing
from core.services.cart import AddLinesResult, CartView
from dialogs.engine import UNSURE_SLOT, cancel_button
from dialogs.flow import Accept, Answer, Flow, FlowContext, Reject, Step, Validation
from dialogs.i18n import catalogue, format_date, format_money, format_quantity
from dialogs.services import Services
from dialogs.understanding import Entity, Parse

Ctx = FlowContext[Services]
QuantityCheck = Callable[[Ctx, int, int], Awaitable[Validation]]  # (ctx, product id, quantity) -> verdict

CART_ACTION = "cart"
ADD_ACTION = "add"
CHANGE_ACTION = "cq"
REMOVE_ACTION = "rm"
CLEAR_ACTION = "clr"
UPLOAD_ACTION = "upload"
SEARCH_ACTION = "search"
CHECKOUT_ACTION = "checkout"
PASTED_LIST_INTENT = "paste_list"
PASTED_LIST_ENTITY = "lines"
PICK_LIMIT = 5
PICK_LINES = 10  # cart lines offered as buttons when a message names several (or none); more are named by text
LINE_BUTTONS = 5  # lines that get their own change/remove buttons; the rest are changed by text
PACK_UNITS = frozenset({"box", "pack"})
TOO_MANY = "cart.add.too_many"  # the reason a quantity past the per-line maximum is refused


class CartEmpty(DomainError):
    """A journey that needs goods in the cart met an empty one (answered as `errors.cart_empty`)."""

    code = "cart_empty"


class NeedsAccount(DomainError):
    """A guest asked for something only a customer may do (answered as `errors.needs_account`)."""

    code = "needs_account"


# Shared helpers -----------------------------------------------------------------------------------


def actor_in(ctx: Ctx) -> Actor:
    """The actor speaking the conversation's language, so product names come in it."""
    return dataclasses.replace(ctx.actor, locale=ctx.locale)


def member(ctx: Ctx) -> bool:
    return not ctx.actor.is_guest


def money(ctx: Ctx, amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, ctx.locale)


def unit_label(ctx: Ctx, unit: str, count: int | None = None) -> str:
    """The unit's name for `count` of it ("1 roll", "6 rolls"); without a count, as in "how many (rolls)?"."""
    key = f"units.{unit}"
    return ctx.t(key, count=0 if count is None else count) if key in catalogue(ctx.locale).entries else unit


def amount(ctx: Ctx, quantity: int, unit: str) -> str:
    return format_quantity(quantity, ctx.locale, unit_label(ctx, unit, quantity))


def whole_number(text: str | None) -> int | None:
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def require_member(ctx: Ctx) -> None:
    if ctx.actor.is_guest:
        raise NeedsAccount("ordering needs a customer account")


async def require_cart(ctx: Ctx, session: AsyncSession | None = None) -> CartView:
    """The actor's cart, or `NeedsAccount` / `CartEmpty`: the engine answers those and starts nothing.

    Read in `session` when the caller has one open for more reads of the same turn, else in a unit of its own.
    """
    require_member(ctx)
    if session is None:
        async with ctx.services.uow() as uow:
            return await require_cart(ctx, uow.session)
    view = await carts.view(session, ctx.actor, ctx.services.settings, now=ctx.services.clock.now())
    if view.is_empty:
        raise CartEmpty("the cart is empty")
    return view


def cart_button(ctx: Ctx) -> Button:
    return Button(ctx.t("cart.buttons.view"), encode_payload(CART_ACTION))


def checkout_button(ctx: Ctx) -> Button:
    return Button(ctx.t("cart.buttons.checkout"), encode_payload(CHECKOUT_ACTION))


def suggested_quantities(product: Product | catalog.ProductCard, maximum: int) -> list[int]:
    """The smallest allowed quantity and two larger multiples of it, within `maximum`."""
    base = -(-product.min_order_qty // product.pack_size) * product.pack_size
    return [q for q in dict.fromkeys((base, base * 5, base * 10)) if q <= maximum]


# Showing the cart ---------------------------------------------------------------------------------


def render_cart(ctx: Ctx, view: CartView, preface: Sequence[Outbound] = ()) -> list[Outbound]:
    out = list(preface)
    if view.is_empty:
        search = Button(ctx.t("cart.buttons.search"), encode_payload(SEARCH_ACTION))
        return [*out, Buttons(ctx.t("cart.empty"), [search, upload_button(ctx)])]
    rows = [ctx.t("cart.title", items=ctx.t("common.items", count=len(view.lines)))]
    for n, line in enumerate(view.lines, start=1):
        if line.unit_price is None or line.line_total is None:
            rows.append(ctx.t("cart.line_unpriced", n=n, name=line.name, sku=line.sku,
                              quantity=amount(ctx, line.quantity, line.unit)))
        else:
            rows.append(ctx.t("cart.line", n=n, name=line.name, sku=line.sku,
                              quantity=amount(ctx, line.quantity, line.unit),
                              price=money(ctx, line.unit_price, view.currency),
                              total=money(ctx, line.line_total, view.currency)))
        if (warning := _warning(ctx, line)) is not None:
            rows.append(warning)
    rows.append(ctx.t("cart.subtotal", amount=money(ctx, view.subtotal, view.currency)))
    if view.loyalty_discount > 0:
        rows.append(ctx.t("cart.discount", points=view.points_applied,
                          amount=money(ctx, view.loyalty_discount, view.currency)))
    if view.delivery is not None and view.delivery.stale:
        rows.append(ctx.t("cart.delivery_stale", carrier=view.delivery.carrier))
    elif view.delivery is not None:
        rows.append(ctx.t("cart.delivery", carrier=view.delivery.carrier, service=view.delivery.service,
                          amount=money(ctx, view.delivery_cost, view.currency)))
    rows.append(ctx.t("cart.total", amount=money(ctx, view.total, view.currency)))
    buttons: list[Button] = []
    for line in view.lines[:LINE_BUTTONS]:
        buttons.append(Button(ctx.t("cart.buttons.change", sku=line.sku),
                              encode_payload(CHANGE_ACTION, line.product_id)))
        buttons.append(Button(ctx.t("cart.buttons.remove", sku=line.sku),
                              encode_payload(REMOVE_ACTION, line.product_id)))
    buttons += [Button(ctx.t("cart.buttons.clear"), encode_payload(CLEAR_ACTION)), checkout_button(ctx)]
    return [*out, Buttons("\n".join(rows), buttons)]


def upload_button(ctx: Ctx) -> Button:
    return Button(ctx.t("cart.buttons.upload"), encode_payload(UPLOAD_ACTION))


async def show_cart(ctx: Ctx, preface: Sequence[Outbound] = ()) -> list[Outbound]:
    require_member(ctx)
    async with ctx.services.uow() as uow:
        view = await carts.view(uow.session, actor_in(ctx), ctx.services.settings, now=ctx.services.clock.now())
    return render_cart(ctx, view, preface)


async def _show(ctx: Ctx) -> Sequence[Outbound]:
    return await show_cart(ctx)


# Adding one product -------------------------------------------------------------------------------


def _product_id(ctx: Ctx) -> int | None:
    if ctx.args:
        return int(ctx.args[0]) if ctx.args[0].isdigit() else None
    if _picking(ctx):
        picked = ctx.slots.get("pick")
        return picked if isinstance(picked, int) else None
    for slot in ("item", "w", "p"):
        value = ctx.slots.get(slot)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _picking(ctx: Ctx) -> bool:
    """Whether the product is picked from search results (`_check_item` found several)."""
    return ctx.slots.get("item") == 0 or ctx.slots.get("w") == 0


async def _product(ctx: Ctx, product_id: int) -> Product:
    async with ctx.services.uow() as uow:
        return await catalog.active_product(uow, product_id)


async def _check_named_product(answer: Answer, ctx: Ctx) -> Validation:
    """A product given by the NLU's `product` entity: its value is the SKU it resolved to."""
    async with ctx.services.uow() as uow:
        try:
            found = await catalog.get_by_sku(uow, actor_in(ctx), answer.text or "")
        except (NotFound, InvalidInput):
            return Reject("cart.add.no_match", {"query": (answer.text or "")[:60]})
    return Accept(found.id)


async def _ask_item(ctx: Ctx) -> Sequence[Outbound]:
    return [Buttons(ctx.t("cart.add.which"), [cancel_button(ctx.locale)])]


async def _check_item(answer: Answer, ctx: Ctx) -> Validation:
    """A SKU, or words to search: one match is taken, several are offered in the next step."""
    text = " ".join((answer.text or "").split())
    if not text:
        return Reject("cart.add.which")
    actor = actor_in(ctx)
    async with ctx.services.uow() as uow:
        try:
            return Accept((await catalog.get_by_sku(uow, actor, text)).id)
        except NotFound:
            pass
        try:
            page = await catalog.search_products(uow, actor, text, limit=PICK_LIMIT)
        except InvalidInput:
            return Reject("cart.add.no_match", {"query": text[:60]})
    if page.exact is not None:
        return Accept(page.exact.id)
    if not page.items:
        return Reject("cart.add.no_match", {"query": text[:60]})
    if len(page.items) == 1:
        return Accept(page.items[0].id)
    ctx.slots["opts"] = [[p.id, f"{p.name} ({p.sku})"[:60]] for p in page.items]
    return Accept(0)


async def _named_in_message(answer: Answer, ctx: Ctx) -> Validation:
    """The product the message that started the journey names with no entity for it ("добавь 10 коробок бумаги"):
    an SKU or a barcode in it, else the words the catalogue uses outside its quantity and unit, looked up as a
    typed answer is. Nothing there (or a product entity, step "p", named it): the question is asked."""
    if "p" in ctx.slots or not answer.text:
        return Reject("cart.add.which")
    text = _without_amounts(answer)
    async with ctx.services.uow() as uow:
        query = await catalog.asked_for(uow, text)
    return await _check_item(Answer(text=query), ctx) if query else Reject("cart.add.which")


async def _bare_line(answer: Answer, ctx: Ctx) -> Validation:
    """A message that is nothing but an order line for an SKU the NLU found ("10 x A4-80", "A4-80 x 10") says what
    to add however unsure the intent was, so it is not asked about ("sure")."""
    line = order_files.read_line(answer.text or "")
    sku = next((str(e.value) for e in answer.entities if e.entity == "sku"), None)
    if line is None or sku is None or line[0].casefold() != sku.casefold():
        return Reject("cart.add.which")
    return Accept(True)


def _without_amounts(answer: Answer) -> str:
    """The answer's text with its quantity and unit cut out: "10 коробок бумаги" names a product by "бумаги"."""
    text = answer.text or ""
    for entity in sorted(answer.entities, key=lambda e: e.start, reverse=True):
        if entity.entity in ("quantity", "unit") and 0 <= entity.start < entity.end <= len(text):
            text = f"{text[:entity.start]} {text[entity.end:]}"
    return text


def _entity_words(answer: Answer, name: str) -> str | None:
    """The words of the answer's text that the NLU's entity `name` covers (its value when the span is off)."""
    text = answer.text or ""
    entity = next((e for e in answer.entities if e.entity == name), None)
    if entity is None:
        return None
    return text[entity.start:entity.end] if 0 <= entity.start < entity.end <= len(text) else str(entity.value)


async def _ask_pick(ctx: Ctx) -> Sequence[Outbound]:
    options = ctx.slots.get("opts") or []
    buttons = [ctx.choice(str(label), int(pid)) for pid, label in options]
    return [Buttons(ctx.t("cart.add.pick"), [*buttons, cancel_button(ctx.locale)])]


async def _check_pick(answer: Answer, ctx: Ctx) -> Validation:
    allowed = {int(pid) for pid, _ in ctx.slots.get("opts") or []}
    chosen = whole_number(answer.choice)
    if chosen is None or chosen not in allowed:
        return Reject("cart.add.pick")
    await _take_wanted(ctx, chosen, _quantity_for)
    return Accept(chosen)


async def _take_wanted(ctx: Ctx, product_id: int, check: QuantityCheck) -> None:
    """The quantity the message gave before the product (or the cart line) was picked ("10 boxes of paper"):
    taken for `product_id` now if `check` allows it; else it stays wanted, for the quantity question to say why."""
    wanted = ctx.slots.get("want")
    if isinstance(wanted, int) and "qty" not in ctx.slots:
        taken = await check(ctx, product_id, wanted)
        if isinstance(taken, Accept):
            ctx.slots["qty"] = taken.value
            ctx.slots.pop("want", None)


async def _check_unit(answer: Answer, ctx: Ctx) -> Validation:
    return Accept((answer.text or "").strip().lower())


async def _ask_qty(ctx: Ctx) -> Sequence[Outbound]:
    product_id = _product_id(ctx)
    if product_id is None:
        raise NotFound("no product chosen")
    product = await _product(ctx, product_id)
    maximum = ctx.services.settings.max_line_quantity
    quantities = suggested_quantities(product, maximum)
    text = ctx.t("cart.add.qty", name=localized(product.name, product.name_ru, ctx.locale),
                 pack=amount(ctx, product.pack_size, product.unit),
                 minimum=amount(ctx, product.min_order_qty, product.unit))
    wanted, fixed = ctx.slots.pop("want", None), ctx.slots.pop("fix", None)
    if isinstance(wanted, int):  # given before the product was picked: said here, with the nearest allowed
        fixed = pricing.round_to_pack(product, wanted)
        text = ctx.t("cart.add.qty_fixed", quantity=wanted, suggested=fixed) + "\n" + text
    if isinstance(fixed, int) and fixed <= maximum and fixed not in quantities:
        quantities.insert(0, fixed)
    choices = [ctx.choice(amount(ctx, q, product.unit), q) for q in quantities]
    return [Buttons(text, [*choices, cancel_button(ctx.locale)])]


async def _check_qty(answer: Answer, ctx: Ctx) -> Validation:
    quantity = _quantity_of(answer)
    if quantity is None or quantity <= 0:
        return Reject("cart.add.not_a_number")
    product_id = _product_id(ctx)
    if product_id is None:
        # The product is picked after the quantity was given ("10 boxes of paper"): keep the number for then.
        ctx.slots["want"] = quantity
        return Reject("cart.add.qty_noted", {"quantity": quantity})
    return await _quantity_for(ctx, product_id, quantity)


async def _quantity_for(ctx: Ctx, product_id: int, quantity: int) -> Validation:
    """`quantity` (in the unit the message named, if any) as a quantity of the product the rules allow."""
    product = await _product(ctx, product_id)
    quantity = _in_product_units(ctx, product, quantity)
    refused = _rules_refuse(ctx, product, quantity)
    if refused is None:
        return Accept(quantity)
    if refused.reason == TOO_MANY:
        return refused
    ctx.slots["fix"] = fixed = pricing.round_to_pack(product, quantity)  # offered first when asked again
    return Reject("cart.add.qty_fixed", {"quantity": quantity, "suggested": fixed})


def _in_product_units(ctx: Ctx, product: Product, quantity: int) -> int:
    """`quantity` in the unit the message named (step "u"), counted in the product's unit."""
    unit = ctx.slots.get("u")
    if unit in PACK_UNITS and unit != product.unit and product.pack_size > 1:
        quantity *= product.pack_size  # "10 boxes" of paper counted in reams: 10 packs of reams
    return quantity


def _rules_refuse(ctx: Ctx, product: Product, quantity: int) -> Reject | None:
    """Why a line of `quantity` of `product` breaks the rules (pack size, minimum, the per-line maximum), with the
    nearest allowed quantity; None when it keeps them."""
    try:
        pricing.check_quantity(product, quantity, ctx.services.settings)
    except QuantityRuleViolation as refused:
        if "maximum" in refused.details:
            return Reject(TOO_MANY, {"maximum": ctx.services.settings.max_line_quantity})
        return Reject("cart.change.rule", {"quantity": quantity, "suggested": pricing.round_to_pack(product, quantity)})
    return None


def _quantity_of(answer: Answer) -> int | None:
    if answer.choice is not None:
        return whole_number(answer.choice)
    number = whole_number(answer.text)
    if number is not None:
        return number
    raw = (answer.text or "").strip().replace(",", ".")
    try:
        value = Decimal(raw)
    except ArithmeticError:
        return None
    return int(value) if value.is_finite() and value == value.to_integral_value() and value < 10**9 else None


async def _ask_sure_add(ctx: Ctx) -> Sequence[Outbound]:
    product_id = _product_id(ctx)
    if product_id is None:
        raise NotFound("no product chosen")
    product = await _product(ctx, product_id)
    text = ctx.t("cart.add.sure", quantity=amount(ctx, int(ctx.slots["qty"]), product.unit),
                 name=localized(product.name, product.name_ru, ctx.locale), sku=product.sku)
    return [Buttons(text, [ctx.choice(ctx.t("cart.add.sure_yes"), "y"), cancel_button(ctx.locale)])]


async def _add(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    if ctx.slots.get("sure") == "n":
        return [Buttons(ctx.t("cart.add.not_added"), [cart_button(ctx)])]
    product_id = _product_id(ctx)
    if product_id is None:
        raise NotFound("no product chosen")
    quantity = int(ctx.args[1]) if len(ctx.args) > 1 and ctx.args[1].isdigit() else int(ctx.slots["qty"])
    try:
        async with ctx.services.uow() as uow:
            change, view = await carts.add_item_and_view(uow.session, actor_in(ctx), ctx.services.settings,
                                                         quantity=quantity, product_id=product_id,
                                                         now=ctx.services.clock.now())
            await uow.commit()
    except QuantityRuleViolation as refused:
        if refused.details.get("rule") != "absurd_quantity":
            raise
        # With what the cart holds already, the line would pass the maximum: say so, not "check the pack size".
        return [Buttons(ctx.t("cart.add.too_many", maximum=ctx.services.settings.max_line_quantity),
                        [cart_button(ctx)])]
    line = next(line for line in view.lines if line.product_id == change.product_id)
    text = ctx.t("cart.add.added", added=amount(ctx, change.added, line.unit), name=line.name, sku=line.sku,
                 quantity=amount(ctx, change.quantity, line.unit), total=money(ctx, view.total, view.currency))
    if (warning := _warning(ctx, line)) is not None:  # more than the stock: said now, not first at checkout
        text += "\n" + warning.strip()
    more = Button(ctx.t("cart.buttons.search"), encode_payload(SEARCH_ACTION))
    return [Buttons(text, [cart_button(ctx), checkout_button(ctx), more])]


def _warning(ctx: Ctx, line: carts.CartLineView) -> str | None:
    """What is wrong with a cart line (out of stock, short, no longer sold, no price), for the cart and the
    message that added it; None when nothing is."""
    if line.warning == "out_of_stock" and line.next_eta is not None:
        return ctx.t("cart.warning.out_of_stock_eta", date=format_date(line.next_eta, ctx.locale))
    if line.warning == "short_stock":
        return ctx.t("cart.warning.short_stock", available=amount(ctx, line.available, line.unit))
    return None if line.warning is None else ctx.t(f"cart.warning.{line.warning}")


def _never(ctx: Ctx) -> bool:
    return False


# Changing lines -----------------------------------------------------------------------------------
#
# A line is changed or removed from its button (the product id travels in the payload) or by text: the message
# names the product ("убери скотч", "change A4-80 to 20"), and the name is looked up among the cart's lines.

PICK = 0  # the "line" slot while the line is picked from several (`opts`, step "pick")
NOT_IN_CART = -1  # the "line" slot when the message named a product the cart does not hold (its words in "absent")


async def _lines_named(ctx: Ctx, answer: Answer) -> tuple[str, list[Product]]:
    """The words that name a product in `answer` ("" when none do) and the cart's products they fit: every one
    when no product is named. `CartEmpty` when there is nothing to choose from.

    The words are read as the search journey reads a message (dialogs/flows/catalog.py): an SKU or a barcode
    of the catalogue anywhere in it, else the NLU's `sku` or `product` entity as written ("бумаги" fits every paper
    in the cart, not only the one the NLU resolved it to), else the words the catalogue uses outside the quantity.
    They are matched against the cart's products alone (`CartContents.products_named`).
    """
    require_member(ctx)
    async with ctx.services.uow() as uow:
        contents = await carts.load(uow.session, ctx.actor)
        if contents.own_cart is None or not contents.lines:
            raise CartEmpty("the cart is empty")
        text = answer.text or ""
        query = (await catalog.identifier_in(uow, text) or _entity_words(answer, "sku")
                 or _entity_words(answer, "product") or await catalog.catalogue_words(uow, _without_amounts(answer)))
    query = " ".join(query.split())
    if not query:
        return "", [held.product for held in contents.lines]
    return query, contents.products_named(query)


def _line_options(ctx: Ctx, products: Sequence[Product]) -> list[list[int | str]]:
    return [[p.id, f"{p.display_name(ctx.locale)} ({p.sku})"[:60]] for p in products[:PICK_LINES]]


async def _check_named_line(answer: Answer, ctx: Ctx) -> Validation:
    """The line the message that started the journey names: the one that fits, several to pick from (every line
    when it names none), or `NOT_IN_CART`."""
    query, found = await _lines_named(ctx, answer)
    if not found:
        ctx.slots["absent"] = query
        return Accept(NOT_IN_CART)
    if len(found) == 1:
        return Accept(found[0].id)
    ctx.slots["opts"] = _line_options(ctx, found)
    ctx.slots["named"] = query
    return Accept(PICK)


async def _ask_line(ctx: Ctx) -> Sequence[Outbound]:
    options = ctx.slots.get("opts") or []
    query = ctx.slots.get("named")
    text = ctx.t("cart.edit.pick_named", query=query) if query else ctx.t("cart.edit.pick")
    buttons = [ctx.choice(str(label), int(pid)) for pid, label in options]
    return [Buttons(text, [*buttons, cancel_button(ctx.locale)])]


async def _check_line(answer: Answer, ctx: Ctx) -> Validation:
    """A line's button, or text naming one line of the cart. A quantity the first message gave ("измени бумагу
    на 20") is taken for the line now if the rules allow it; otherwise the quantity question says why."""
    if answer.choice is not None:
        chosen = whole_number(answer.choice)
        if chosen is None or chosen not in {int(pid) for pid, _ in ctx.slots.get("opts") or []}:
            return Reject("cart.edit.pick_again")
    else:
        query, found = await _lines_named(ctx, answer)
        if not query or len(found) > 1:
            return Reject("cart.edit.pick_again")
        if not found:
            return Reject("cart.edit.not_in_cart", {"query": query[:60]})
        chosen = found[0].id
    await _take_wanted(ctx, chosen, _new_quantity)
    return Accept(chosen)


def _line_id(ctx: Ctx) -> int | None:
    """The product of the line to change or remove: from the button that started the journey, else as the message
    named it or as it was picked; None while unknown."""
    if ctx.args:
        return whole_number(ctx.args[0])
    line = ctx.slots.get("line")
    if line == PICK:
        line = ctx.slots.get("pick")
    return line if isinstance(line, int) and line > 0 else None


def _line_known(ctx: Ctx) -> bool:
    return _line_id(ctx) is not None


def _picking_line(ctx: Ctx) -> bool:
    return not ctx.args and ctx.slots.get("line") == PICK


def _not_in_cart(ctx: Ctx) -> bool:
    return not ctx.args and ctx.slots.get("line") == NOT_IN_CART


async def _line(ctx: Ctx) -> carts.CartLineView:
    async with ctx.services.uow() as uow:
        view = await carts.view(uow.session, actor_in(ctx), ctx.services.settings, now=ctx.services.clock.now())
    product_id = _line_id(ctx)
    line = next((line for line in view.lines if line.product_id == product_id), None)
    if line is None:
        raise NotFound("this product is not in the cart", product_id=product_id)
    return line


async def _ask_new_qty(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    line = await _line(ctx)
    text = ctx.t("cart.change.ask", name=line.name, quantity=amount(ctx, line.quantity, line.unit),
                 pack=amount(ctx, line.pack_size, line.unit), minimum=amount(ctx, line.min_order_qty, line.unit))
    wanted = ctx.slots.pop("want", None)
    if isinstance(wanted, int):
        # The message's quantity, refused for the line picked after it: say why before asking again.
        refused = await _new_quantity(ctx, line.product_id, wanted)
        if isinstance(refused, Reject):
            text = ctx.t(refused.reason, **refused.params) + "\n" + text
    return [Buttons(text, [ctx.choice(ctx.t("cart.buttons.remove_line"), 0), cancel_button(ctx.locale)])]


async def _check_new_qty(answer: Answer, ctx: Ctx) -> Validation:
    quantity = _quantity_of(answer)
    if quantity is None or quantity < 0:
        return Reject("cart.add.not_a_number")
    product_id = _line_id(ctx)
    if product_id is None:
        # Given before the line is picked ("change paper to 20" with two papers in the cart): kept for it.
        ctx.slots["want"] = quantity
        return Reject("cart.edit.pick_again")
    return await _new_quantity(ctx, product_id, quantity)


async def _new_quantity(ctx: Ctx, product_id: int, quantity: int) -> Validation:
    """`quantity` (in the unit the message named, if any) as the line's new quantity, if the rules allow it."""
    if quantity == 0:
        return Accept(0)
    product = await _product(ctx, product_id)
    quantity = _in_product_units(ctx, product, quantity)
    refused = _rules_refuse(ctx, product, quantity)
    return Accept(quantity) if refused is None else refused


def _absent(ctx: Ctx) -> list[Outbound]:
    return [TextOut(ctx.t("cart.edit.not_in_cart", query=str(ctx.slots.get("absent") or "")[:60]))]


async def _change(ctx: Ctx) -> Sequence[Outbound]:
    if _not_in_cart(ctx):
        return await show_cart(ctx, _absent(ctx))
    product_id = _line_id(ctx)
    if product_id is None:
        raise NotFound("no line chosen")
    async with ctx.services.uow() as uow:
        await carts.set_quantity(uow.session, ctx.actor, ctx.services.settings, product_id, int(ctx.slots["qty"]))
        await uow.commit()
    return await show_cart(ctx)


async def _remove(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    if _not_in_cart(ctx):
        return await show_cart(ctx, _absent(ctx))
    product_id = _line_id(ctx)
    if product_id is None:
        raise NotFound("no line chosen")
    taken = ctx.slots.get("qty")
    if isinstance(taken, int) and taken > 0:
        return await _take_off(ctx, product_id, taken)
    async with ctx.services.uow() as uow:
        await carts.remove_line(uow.session, ctx.actor, product_id)
        await uow.commit()
    return await show_cart(ctx, [TextOut(ctx.t("cart.removed"))])


async def _check_taken(answer: Answer, ctx: Ctx) -> Validation:
    quantity = _quantity_of(answer)
    return Accept(quantity) if quantity is not None and quantity > 0 else Reject("cart.add.not_a_number")


async def _take_off(ctx: Ctx, product_id: int, taken: int) -> Sequence[Outbound]:
    """"Remove 2 boxes of paper": the line less that much (in the unit the message named), the whole line when
    that is all of it; a rest the rules refuse (not whole packs, under the minimum) is explained, nothing changed."""
    line = await _line(ctx)
    product = await _product(ctx, product_id)
    left = line.quantity - _in_product_units(ctx, product, taken)
    if left > 0 and (refused := _rules_refuse(ctx, product, left)) is not None:
        return await show_cart(ctx, [TextOut(ctx.t(refused.reason, **refused.params))])
    async with ctx.services.uow() as uow:
        await carts.set_quantity(uow.session, ctx.actor, ctx.services.settings, product_id, max(left, 0))
        await uow.commit()
    done = (ctx.t("cart.removed") if left <= 0 else
            ctx.t("cart.change.left", name=line.name, quantity=amount(ctx, left, line.unit)))
    return await show_cart(ctx, [TextOut(done)])


async def _ask_clear(ctx: Ctx) -> Sequence[Outbound]:
    await require_cart(ctx)  # "clear my cart" with nothing in it is answered, not asked about
    answers = [ctx.choice(ctx.t("common.yes"), "y"), ctx.choice(ctx.t("common.no"), "n")]
    return [Buttons(ctx.t("cart.clear.ask"), answers)]


async def _check_yes_no(answer: Answer, ctx: Ctx) -> Validation:
    if answer.choice in ("y", "n"):
        return Accept(answer.choice)
    typed = (answer.text or "").strip().casefold()
    if typed == ctx.t("common.yes").casefold():
        return Accept("y")
    if typed == ctx.t("common.no").casefold():
        return Accept("n")
    return Reject("cart.clear.ask")


async def _clear(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.slots.get("sure") != "y":
        return await show_cart(ctx)
    async with ctx.services.uow() as uow:
        await carts.clear(uow.session, ctx.actor)
        await uow.commit()
    return await show_cart(ctx, [TextOut(ctx.t("cart.clear.done"))])


# Lists: pasted lines and order files --------------------------------------------------------------


def _recognize_pasted(text: str) -> Parse | None:
    """A text that is a list of "SKU quantity" lines, with the whole text in the `lines` entity."""
    if order_files.parse_pasted_list(text) is None:
        return None
    return Parse(PASTED_LIST_INTENT, 1.0, (Entity(PASTED_LIST_ENTITY, text, 0, len(text)),))


async def _check_pasted(answer: Answer, ctx: Ctx) -> Validation:
    if order_files.parse_pasted_list(answer.text or "") is None:
        return Reject("cart.lines.paste_format")
    return Accept(answer.text)


async def _add_pasted(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    pasted = order_files.parse_pasted_list(str(ctx.slots["lines"]))
    assert pasted is not None  # validated by the step
    return await add_lines(ctx, pasted.lines, unreadable=pasted.unreadable, label="cart.lines.line")


async def _ask_file(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    return [Buttons(ctx.t("cart.file.ask", rows=order_files.MAX_ROWS), [cancel_button(ctx.locale)])]


async def _check_file(answer: Answer, ctx: Ctx) -> Validation:
    if not isinstance(answer.content, FileUpload):
        return Reject("cart.file.ask", {"rows": order_files.MAX_ROWS})
    try:
        lines = order_files.parse_order_file(answer.content.filename, answer.content.data)
    except InvalidInput as refused:
        # A broken file is answered in full and ends the journey: nothing of it is added.
        return Accept({"error": str(refused.details.get("reason", "unreadable")),
                       "row": refused.details.get("row", 0)})
    return Accept({"lines": [[line.row, line.sku, line.quantity] for line in lines]})


async def _add_file(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    parsed = ctx.slots["file"]
    if "error" in parsed:
        text = ctx.t(f"cart.file.error.{parsed['error']}", row=parsed.get("row", 0),
                     rows=order_files.MAX_ROWS, size=order_files.MAX_FILE_BYTES // 1000)
        return [Buttons(text, [upload_button(ctx), cart_button(ctx)])]
    lines = [order_files.OrderLineInput(int(row), str(sku), int(qty)) for row, sku, qty in parsed["lines"]]
    return await add_lines(ctx, lines, unreadable=(), label="cart.lines.row")


async def add_lines(ctx: Ctx, lines: Sequence[order_files.OrderLineInput], *, unreadable: Sequence[int],
                    label: str) -> list[Outbound]:
    """Add what can be added and report every line that could not, by its line or row number."""
    async with ctx.services.uow() as uow:
        result = await carts.add_lines(uow.session, ctx.actor, ctx.services.settings,
                                       [(line.sku, line.quantity) for line in lines], all_or_nothing=False)
        await uow.commit()
    report = [ctx.t("cart.lines.added", added=len(result.added), count=len(lines) + len(unreadable))]
    report += _problems(ctx, result, lines, unreadable, label)
    return await show_cart(ctx, [TextOut("\n".join(report))])


def _problems(ctx: Ctx, result: AddLinesResult, lines: Sequence[order_files.OrderLineInput],
              unreadable: Sequence[int], label: str) -> list[str]:
    found: list[tuple[int, str]] = [(row, ctx.t("cart.lines.unreadable", where=ctx.t(label, row=row)))
                                    for row in unreadable]
    for problem in result.problems:
        row = lines[problem.index].row
        key = f"cart.lines.problem.{problem.code}"
        if problem.suggested is not None:
            key += "_suggest"
        found.append((row, ctx.t(key, where=ctx.t(label, row=row), sku=problem.sku, quantity=problem.quantity,
                                 suggested=problem.suggested or 0)))
    return [text for _, text in sorted(found)]


# Flows --------------------------------------------------------------------------------------------

CART = Flow[Services](name="cart", title_key="cart.journey", intents=("show_cart",), actions=(CART_ACTION,),
                      complete=_show)

# The unit a message gave with its quantity ("10 boxes"): filled from the NLU's entity, never asked.
UNIT_STEP = Step[Services]("u", "cart.add.which", _check_unit, entity="unit", ask_if=_never)


ADD = Flow[Services](
    name="add",
    title_key="cart.add.title",
    intents=("add_to_cart",),
    mentions=(("quantity", "product"), ("quantity", "sku"), ("quantity", "unit")),
    mentions_need_intent=True,
    actions=(ADD_ACTION,),
    steps=[
        Step("bare", "cart.add.which", _bare_line, from_message=True, ask_if=_never),
        Step("p", "cart.add.which", _check_named_product, entity="product", ask_if=_never),
        Step("w", "cart.add.which", _named_in_message, from_message=True, ask_if=_never),
        Step("item", _ask_item, _check_item, entity="sku",
             ask_if=lambda ctx: member(ctx) and not ctx.args and "p" not in ctx.slots and "w" not in ctx.slots,
             free_text=True, answer_entities=("product", "sku")),
        Step("pick", _ask_pick, _check_pick, ask_if=lambda ctx: member(ctx) and _picking(ctx)),
        UNIT_STEP,
        Step("qty", _ask_qty, _check_qty, entity="quantity", ask_if=lambda ctx: member(ctx) and len(ctx.args) < 2),
        # Started from a guess ("десять коробок бумаги", intent unsure): the line is shown and added on a yes.
        Step("sure", _ask_sure_add, _check_yes_no,
             ask_if=lambda ctx: member(ctx) and bool(ctx.slots.get(UNSURE_SLOT)) and "bare" not in ctx.slots),
    ],
    complete=_add,
)


def _line_steps() -> list[Step[Services]]:
    """The line a text names (a button names it in the payload instead). The `product` entity lets a message that
    names another product while the journey waits start it over (`Engine.names_anew`)."""
    return [
        Step("line", "cart.edit.pick", _check_named_line, entity="product", from_message=True, ask_if=_never),
        Step("pick", _ask_line, _check_line, ask_if=_picking_line),
    ]


CHANGE = Flow[Services](
    name="cq",
    title_key="cart.journey",
    intents=("change_quantity",),
    actions=(CHANGE_ACTION,),
    steps=[
        *_line_steps(),
        UNIT_STEP,
        Step("qty", _ask_new_qty, _check_new_qty, entity="quantity", ask_if=_line_known),
    ],
    complete=_change,
)
REMOVE = Flow[Services](
    name="rm",
    title_key="cart.journey",
    intents=("remove_from_cart",),
    actions=(REMOVE_ACTION,),
    steps=[
        *_line_steps(),
        # "Remove 2 boxes of paper" takes 2 boxes off the line rather than the whole line.
        UNIT_STEP,
        Step("qty", "cart.add.which", _check_taken, entity="quantity", ask_if=_never),
    ],
    complete=_remove,
)
CLEAR = Flow[Services](name="clr", title_key="cart.journey", intents=("clear_cart",), actions=(CLEAR_ACTION,),
                       steps=[Step("sure", _ask_clear, _check_yes_no)], complete=_clear)
PASTE = Flow[Services](
    name="paste",
    title_key="cart.journey",
    intents=(PASTED_LIST_INTENT,),
    recognize=_recognize_pasted,
    steps=[Step("lines", "cart.lines.paste_format", _check_pasted, entity=PASTED_LIST_ENTITY)],
    complete=_add_pasted,
)
UPLOAD = Flow[Services](name="upload", title_key="cart.journey", actions=(UPLOAD_ACTION,), uploads=(FileUpload,),
                        steps=[Step("file", _ask_file, _check_file)], complete=_add_file)

FLOWS: list[Flow[Services]] = [CART, ADD, CHANGE, REMOVE, CLEAR, PASTE, UPLOAD]
