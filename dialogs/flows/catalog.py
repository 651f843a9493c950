"""The catalogue journey: search by name, synonym or SKU, result pages, the product card, and what to do
when a product is out of stock (alternatives, "tell me when it is back", a backorder request).

Result pages and cards are answers, not waiting steps: their buttons carry what the next tap needs (the
product id, the page offset, the query packed into the payload), so a result list never holds up the
conversation.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from core.errors import InvalidInput
from core.messaging import Button, Buttons, Outbound, ProductCardOut, TextOut, encode_payload
from core.services import catalog, demand
from core.services.catalog import ProductCard, ProductSummary
from dialogs.flow import Accept, Answer, Flow, Reject, Step, Validation
from dialogs.flows.cart import (
    ADD_ACTION,
    SEARCH_ACTION,
    Ctx,
    actor_in,
    amount,
    cart_button,
    money,
    require_member,
    suggested_quantities,
    unit_label,
    whole_number,
)
from dialogs.i18n import format_date
from dialogs.services import Services

CARD_ACTION = "card"
SUBSCRIBE_ACTION = "sub"
BACKORDER_ACTION = "bo"
MANAGER_ACTION = "manager"  # the talk-to-a-manager journey's start action
PAGE_SIZE = 5


# Payload arguments --------------------------------------------------------------------------------


def pack_query(query: str) -> str:
    """The query as payload-safe text: base64url of UTF-8, about three times denser than %-escaped Cyrillic."""
    return base64.urlsafe_b64encode(query.encode("utf-8")).decode("ascii").rstrip("=")


def unpack_query(packed: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _payload(action: str, *args: str | int) -> str | None:
    """A payload, or None when it would not fit (a very long query): the button is then left out."""
    try:
        return encode_payload(action, *args)
    except InvalidInput:
        return None


# Search -------------------------------------------------------------------------------------------


async def _check_query(answer: Answer, ctx: Ctx) -> Validation:
    text = " ".join((answer.text or "").split())
    if not text:
        return Reject("catalog.search.ask")
    if len(text) > catalog.MAX_QUERY_LENGTH:
        return Reject("catalog.search.too_long", {"maximum": catalog.MAX_QUERY_LENGTH})
    return Accept(text)


async def _named_product(answer: Answer, ctx: Ctx) -> Validation:
    """The words that named a product in the message ("stretch film" in "do you have stretch film?"), searched as
    typed: a name many products share lists them all, rather than the one product the NLU matched it to best.

    An SKU or a barcode of the catalogue in the message comes first, whatever the NLU made of it; a word alone
    names no product in full ("find gloves"): then the words the catalogue uses are searched (not when the
    NLU found an SKU, which the next step takes).
    """
    text = answer.text or ""
    named = next((text[e.start:e.end] for e in answer.entities
                  if e.entity == "product" and 0 <= e.start < e.end <= len(text)), None)
    async with ctx.services.uow() as uow:
        query = await catalog.identifier_in(uow, text) or named
        if query is None and not any(e.entity == "sku" for e in answer.entities):
            query = await catalog.catalogue_words(uow, text)
    return await _check_query(Answer(text=query), ctx)


async def _hears_products(text: str, ctx: Ctx) -> bool:
    """A message nothing else understood is a search when it holds an SKU, a barcode or words the catalogue uses
    ("gloves")."""
    async with ctx.services.uow() as uow:
        return bool(await catalog.asked_for(uow, text))


def _query_and_offset(ctx: Ctx) -> tuple[str, int]:
    if len(ctx.args) >= 2:
        offset = whole_number(ctx.args[0])
        query = unpack_query(ctx.args[1])
        if offset is None or query is None:
            raise InvalidInput("malformed search payload")
        return query, offset
    return str(ctx.slots.get("q") or ctx.slots.get("p") or ""), 0


async def _search(ctx: Ctx) -> Sequence[Outbound]:
    query, offset = _query_and_offset(ctx)
    actor = actor_in(ctx)
    async with ctx.services.uow() as uow:
        page = await catalog.search_products(uow, actor, query, limit=PAGE_SIZE, offset=offset)
        # A query that names one product, by its SKU or barcode or by the only name that fits, opens its card.
        only = page.exact or (page.items[0] if page.total == 1 and page.items else None)
        if only is not None and offset == 0:
            card = await catalog.product_card(uow, actor, only.id, ctx.services.settings)
            return render_card(ctx, card, query)
        if page.total == 0:
            await catalog.record_no_result(uow, actor, query)
            await uow.commit()
            return _nothing_found(ctx, query)
    lines = [ctx.t("catalog.search.found", count=page.total, query=query)]
    buttons: list[Button] = []
    packed = pack_query(query)
    for n, item in enumerate(page.items, start=offset + 1):
        lines.append(_summary_line(ctx, n, item))
        payload = _payload(CARD_ACTION, item.id, offset, packed) or encode_payload(CARD_ACTION, item.id)
        buttons.append(Button(f"{n}. {item.name}"[:60], payload))
    more = _payload(SEARCH_ACTION, offset + len(page.items), packed) if page.has_more else None
    if more is not None:
        buttons.append(Button(ctx.t("catalog.search.more"), more))
    if ctx.actor.is_guest:
        lines.append(ctx.t("catalog.guest_hint"))
    return [Buttons("\n".join(lines), buttons)]


def _summary_line(ctx: Ctx, n: int, item: ProductSummary) -> str:
    stock = (ctx.t("catalog.stock.available", quantity=amount(ctx, item.available, item.unit))
             if item.in_stock else ctx.t("catalog.stock.none"))
    if item.unit_price is None or item.currency is None:
        return ctx.t("catalog.search.line", n=n, name=item.name, sku=item.sku, stock=stock)
    return ctx.t("catalog.search.line_priced", n=n, name=item.name, sku=item.sku, stock=stock,
                 price=money(ctx, item.unit_price, item.currency), unit=amount(ctx, 1, item.unit))


def _nothing_found(ctx: Ctx, query: str) -> list[Outbound]:
    buttons = [Button(ctx.t("catalog.search.ask_manager"), encode_payload(MANAGER_ACTION)),
               Button(ctx.t("catalog.search.again"), encode_payload(SEARCH_ACTION))]
    return [Buttons(ctx.t("catalog.search.nothing", query=query), buttons)]


# The product card ---------------------------------------------------------------------------------


async def _card(ctx: Ctx) -> Sequence[Outbound]:
    product_id = whole_number(ctx.args[0] if ctx.args else None)
    if product_id is None:
        raise InvalidInput("malformed card payload")
    query = unpack_query(ctx.args[2]) if len(ctx.args) >= 3 else None
    async with ctx.services.uow() as uow:
        card = await catalog.product_card(uow, actor_in(ctx), product_id, ctx.services.settings)
    offset = whole_number(ctx.args[1]) if len(ctx.args) >= 2 else 0
    return render_card(ctx, card, query, offset or 0)


def render_card(ctx: Ctx, card: ProductCard, query: str | None, offset: int = 0) -> list[Outbound]:
    body = [_price_text(ctx, card)]
    body.append(ctx.t("catalog.card.rules", pack=amount(ctx, card.pack_size, card.unit),
                      minimum=amount(ctx, card.min_order_qty, card.unit)))
    if card.in_stock:
        body.append(ctx.t("catalog.stock.available", quantity=amount(ctx, card.available, card.unit)))
        body += [ctx.t("catalog.card.warehouse", name=w.warehouse_name, city=w.city,
                       quantity=amount(ctx, w.available, card.unit)) for w in card.warehouses if w.available > 0]
    else:
        body.append(ctx.t("catalog.stock.none"))
    body += [ctx.t("catalog.card.incoming", quantity=amount(ctx, i.quantity, card.unit),
                   date=format_date(i.eta, ctx.locale), warehouse=i.warehouse_code) for i in card.incoming]
    buttons: list[Button] = []
    if card.in_stock and not ctx.actor.is_guest and card.price is not None:
        buttons += [Button(ctx.t("catalog.card.add", quantity=amount(ctx, q, card.unit)),
                           encode_payload(ADD_ACTION, card.id, q))
                    for q in suggested_quantities(card, card.max_order_qty)]
        buttons.append(Button(ctx.t("catalog.card.other_quantity"), encode_payload(ADD_ACTION, card.id)))
    if not card.in_stock:
        if card.alternatives:
            body.append(ctx.t("catalog.card.alternatives"))
            body += [f"• {alt.name} ({alt.sku})" for alt in card.alternatives]
            buttons += [Button(f"→ {alt.name}"[:60], encode_payload(CARD_ACTION, alt.id))
                        for alt in card.alternatives]
        buttons.append(Button(ctx.t("catalog.card.subscribe"), encode_payload(SUBSCRIBE_ACTION, card.id)))
        if not ctx.actor.is_guest:
            buttons.append(Button(ctx.t("catalog.card.backorder"), encode_payload(BACKORDER_ACTION, card.id)))
    if query:
        back = _payload(SEARCH_ACTION, offset, pack_query(query))
        if back is not None:
            buttons.append(Button(ctx.t("catalog.card.back"), back))
    if ctx.actor.is_guest:
        body.append(ctx.t("catalog.guest_hint"))
    title = f"{card.name} ({card.sku})"
    return [ProductCardOut(title=title, body="\n".join(body), image_url=card.image_url, buttons=buttons)]


def _price_text(ctx: Ctx, card: ProductCard) -> str:
    if card.price is None:
        return ctx.t("catalog.card.no_price") if not ctx.actor.is_guest else ctx.t("catalog.card.guest_price")
    breaks = card.price.breaks
    text = ctx.t("catalog.card.price", price=money(ctx, breaks[0].amount, card.price.currency),
                 unit=amount(ctx, 1, card.unit))
    for price_break in breaks[1:]:
        text += "\n" + ctx.t("catalog.card.price_break", quantity=amount(ctx, price_break.min_qty, card.unit),
                             price=money(ctx, price_break.amount, card.price.currency))
    return text


# Out of stock -------------------------------------------------------------------------------------


def _product_arg(ctx: Ctx) -> int:
    product_id = whole_number(ctx.args[0] if ctx.args else None)
    if product_id is None:
        raise InvalidInput("malformed payload")
    return product_id


async def _subscribe(ctx: Ctx) -> Sequence[Outbound]:
    product_id = _product_arg(ctx)
    async with ctx.services.uow() as uow:
        card = await catalog.product_card(uow, actor_in(ctx), product_id, ctx.services.settings)
        subscription = await demand.subscribe_to_stock(uow.session, ctx.actor, ctx.services.identity_id, product_id)
        await uow.commit()
    key = "catalog.subscribe.done" if subscription.created else "catalog.subscribe.already"
    return [TextOut(ctx.t(key, name=card.name, sku=card.sku))]


async def _ask_backorder(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    async with ctx.services.uow() as uow:
        card = await catalog.product_card(uow, actor_in(ctx), _product_arg(ctx), ctx.services.settings)
    return [TextOut(ctx.t("catalog.backorder.ask", name=card.name, unit=unit_label(ctx, card.unit)))]


async def _check_backorder_qty(answer: Answer, ctx: Ctx) -> Validation:
    quantity = whole_number(answer.choice or answer.text)
    maximum = ctx.services.settings.max_line_quantity
    if quantity is None or not 0 < quantity <= maximum:
        return Reject("catalog.backorder.bad_quantity", {"maximum": maximum})
    return Accept(quantity)


async def _backorder(ctx: Ctx) -> Sequence[Outbound]:
    require_member(ctx)
    product_id = _product_arg(ctx)
    async with ctx.services.uow() as uow:
        card = await catalog.product_card(uow, actor_in(ctx), product_id, ctx.services.settings)
        request = await demand.request_backorder(uow.session, ctx.actor, ctx.services.settings, product_id,
                                                 int(ctx.slots["qty"]))
        await uow.commit()
    text = ctx.t("catalog.backorder.done", name=card.name, quantity=amount(ctx, request.quantity, card.unit))
    return [Buttons(text, [cart_button(ctx)])]


# Flows --------------------------------------------------------------------------------------------

SEARCH = Flow[Services](
    name="search",
    title_key="catalog.title",
    intents=("search_product", "check_stock", "check_price"),
    mentions=("product", "sku"),
    hears=_hears_products,
    actions=(SEARCH_ACTION,),
    steps=[
        Step("p", "catalog.search.ask", _named_product, from_message=True, ask_if=lambda ctx: False),
        Step("q", "catalog.search.ask", _check_query, entity="sku",
             ask_if=lambda ctx: len(ctx.args) < 2 and "p" not in ctx.slots,
             free_text=True, answer_entities=("product", "sku")),
    ],
    complete=_search,
)
CARD = Flow[Services](name="card", title_key="catalog.title", actions=(CARD_ACTION,), complete=_card)
SUBSCRIBE = Flow[Services](name="sub", title_key="catalog.title", actions=(SUBSCRIBE_ACTION,), complete=_subscribe)
BACKORDER = Flow[Services](
    name="bo",
    title_key="catalog.title",
    actions=(BACKORDER_ACTION,),
    steps=[Step("qty", _ask_backorder, _check_backorder_qty)],
    complete=_backorder,
)

FLOWS: list[Flow[Services]] = [SEARCH, CARD, SUBSCRIBE, BACKORDER]
