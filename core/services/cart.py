"""The cart: one per contact, so it follows the purchaser across messengers; lines, points, delivery, prices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.db import conflict_insert, dialect_of, table_of
from core.domain import loyalty as loyalty_rules
from core.domain.access import Actor
from core.domain.money import to_money
from core.errors import AccessDenied, DomainError, InvalidInput, NotFound, QuantityRuleViolation
from core.models import (
    Cart,
    CartLine,
    Company,
    Contact,
    DeliveryQuote,
    IncomingStock,
    Order,
    Product,
    StockLevel,
    utcnow,
)
from core.search.index import CatalogIndex, IndexedProduct
from core.services import delivery, loyalty, pricing

ZERO = Decimal("0.00")
MAX_COMMENT = 1000


class EmptyCart(InvalidInput):
    """What was asked needs goods in the cart, and it has none."""


@dataclass(frozen=True, slots=True)
class CartLineView:
    product_id: int
    sku: str
    name: str
    unit: str
    quantity: int
    pack_size: int
    min_order_qty: int
    unit_price: Decimal | None  # None: no price for this company, so the line cannot be ordered
    line_total: Decimal | None
    weight_kg: Decimal
    available: int
    next_eta: dt.date | None
    warning: str | None  # inactive | no_price | out_of_stock | short_stock


@dataclass(frozen=True, slots=True)
class DeliveryChoice:
    quote_id: int
    carrier: str
    service: str
    price: Decimal
    currency: str
    eta_min_days: int
    eta_max_days: int
    destination: str
    valid_until: dt.datetime
    expired: bool
    outweighed: bool  # the cart grew heavier than the weight quoted: quote again

    @property
    def stale(self) -> bool:
        """No longer the price of this cart's delivery (expired, or the cart outgrew it): it counts in no total."""
        return self.expired or self.outweighed


@dataclass(frozen=True, slots=True)
class CartView:
    cart_id: int | None
    company_id: int
    currency: str
    lines: tuple[CartLineView, ...]
    subtotal: Decimal
    points_requested: int
    points_applied: int  # after the cap and the company's balance
    loyalty_discount: Decimal
    delivery: DeliveryChoice | None
    delivery_cost: Decimal
    total: Decimal
    weight_kg: Decimal
    comment: str | None

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def warnings(self) -> tuple[CartLineView, ...]:
        return tuple(line for line in self.lines if line.warning)


@dataclass(frozen=True, slots=True)
class CartLineChange:
    product_id: int
    sku: str
    name: str
    added: int
    quantity: int  # in the cart now


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Why one submitted line was not added; `index` is its position in what was submitted."""

    index: int
    sku: str
    quantity: int
    code: str  # unknown_sku | absurd_quantity | pack_size | below_minimum | no_price | cart_full
    message: str
    suggested: int | None = None


@dataclass(frozen=True, slots=True)
class AddLinesResult:
    added: tuple[CartLineChange, ...]
    problems: tuple[LineProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class _Entry:
    index: int
    sku: str
    quantity: int
    product: Product | None


@dataclass(slots=True)
class _Group:
    product: Product
    entries: list[_Entry] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(e.quantity for e in self.entries)


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeldLine:
    """A cart line with its product and the product's stock, as `load` read them."""

    line: CartLine
    product: Product
    available: int  # on hand less reserved, over every warehouse
    next_eta: dt.date | None  # the earliest incoming goods from today on


@dataclass(slots=True)
class CartContents:
    """Everything a cart action needs, read in one round trip: who asks, their company, the cart (None when
    there is none yet), its lines with products and stock, and the chosen quote if it is the company's."""

    contact: Contact
    company: Company
    cart: Cart | None
    lines: list[HeldLine]
    quote: DeliveryQuote | None
    order_id: int | None = None  # read with `order_key`: the company's order made with that key, if any

    @property
    def own_cart(self) -> Cart | None:
        """The cart if it is priced for the contact's current company (a contact may have moved)."""
        return self.cart if self.cart is not None and self.cart.company_id == self.company.id else None

    def products_named(self, query: str) -> list[Product]:
        """The cart's products that `query` names, best first, matched as the catalogue search matches (an SKU or
        barcode exactly, else words by stem, synonym or with a typo), but among the cart's own lines alone: a name
        that fits nothing in the cart does not reach for the rest of the catalogue."""
        products = [held.product for held in self.lines]
        in_cart = CatalogIndex.build(IndexedProduct(p.id, p.sku, p.name, p.name_ru, tuple(p.synonyms or ()), None,
                                                    p.barcode) for p in products)
        hits = in_cart.search(query, limit=max(len(products), 1))
        by_id = {p.id: p for p in products}
        return [by_id[i] for i in ([hits.exact_id] if hits.exact_id is not None else hits.ids)]


_AVAILABLE = (
    select(func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0))
    .where(StockLevel.product_id == Product.id)
    .correlate(Product)
    .scalar_subquery()
)
_NEXT_ETA = (
    select(func.min(IncomingStock.eta))
    .where(IncomingStock.product_id == Product.id, IncomingStock.eta >= bindparam("today"))
    .correlate(Product)
    .scalar_subquery()
)
_ORDER_BY_KEY = (
    select(Order.id)
    .where(Order.company_id == Company.id, Order.idempotency_key == bindparam("order_key"))
    .correlate(Company)
    .scalar_subquery()
)


def _contents(*extra: Any) -> Select[Any]:
    return (
        select(Contact, Company, Cart, DeliveryQuote, CartLine, Product, _AVAILABLE, _NEXT_ETA, *extra)
        .join(Company, Company.id == Contact.company_id)
        .outerjoin(Cart, Cart.contact_id == Contact.id)
        .outerjoin(
            DeliveryQuote, and_(DeliveryQuote.id == Cart.delivery_quote_id, DeliveryQuote.company_id == Company.id)
        )
        .outerjoin(CartLine, CartLine.cart_id == Cart.id)
        .outerjoin(Product, Product.id == CartLine.product_id)
        .where(Contact.id == bindparam("contact_id"))
        .order_by(CartLine.id)
    )


# Built once: every cart view, change and checkout starts with one of them.
_CONTENTS = _contents()
_CONTENTS_AND_ORDER = _contents(_ORDER_BY_KEY)
# PostgreSQL: the company's row locked as `accounts.lock_company` locks it (SQLite renders no lock clause).
_CONTENTS_AND_ORDER_LOCKED = _CONTENTS_AND_ORDER.with_for_update(of=Company, key_share=True)
_FRESH: dict[str, Any] = {"populate_existing": True}
_NO_OPTIONS: dict[str, Any] = {}
_PRODUCT_WITH_STOCK = select(Product, _AVAILABLE, _NEXT_ETA).where(Product.id == bindparam("product_id"))


@dataclass(frozen=True, slots=True)
class GlancedLine:
    """A cart line as `glance` reads it: enough to refuse it, nothing to price it."""

    product_id: int
    sku: str
    name: str
    quantity: int
    is_active: bool
    available: int  # on hand less reserved, over every warehouse


@dataclass(frozen=True, slots=True)
class CartGlance:
    """What decides a checkout before any lock: the company's order made with the key, and the cart's lines."""

    order_id: int | None
    lines: tuple[GlancedLine, ...]  # none: no cart for the contact's current company, or an empty one


def _glance() -> Select[Any]:
    """The contact's company and state, the company's order with `order_key`, and the lines of the contact's cart
    for that company with their products' stock: plain rows, one per line, on the tables (no ORM objects)."""
    contacts, carts_, lines, products, orders_, levels = (
        table_of(model) for model in (Contact, Cart, CartLine, Product, Order, StockLevel))
    order_id = (
        select(orders_.c.id)
        .where(orders_.c.company_id == contacts.c.company_id, orders_.c.idempotency_key == bindparam("order_key"))
        .scalar_subquery()
    )
    available = (
        select(func.coalesce(func.sum(levels.c.on_hand - levels.c.reserved), 0))
        .where(levels.c.product_id == products.c.id)
        .scalar_subquery()
    )
    return (
        select(contacts.c.company_id, contacts.c.is_active, order_id, products.c.id, products.c.sku,
               products.c.name, lines.c.quantity, products.c.is_active, available)
        .select_from(contacts)
        .outerjoin(carts_, and_(carts_.c.contact_id == contacts.c.id, carts_.c.company_id == contacts.c.company_id))
        .outerjoin(lines, lines.c.cart_id == carts_.c.id)
        .outerjoin(products, products.c.id == lines.c.product_id)
        .where(contacts.c.id == bindparam("contact_id"))
        .order_by(lines.c.id)
    )


_GLANCE = _glance()


async def glance(session: AsyncSession, actor: Actor, order_key: str) -> CartGlance:
    """The cheapest look at a checkout: whether `order_key` made an order already, and the cart's lines with their
    stock. Guests and contacts of another company (or deactivated ones) are refused, as by `load`."""
    contact_id, company_id = actor.require_contact()
    rows = (await session.execute(_GLANCE, {"contact_id": contact_id, "order_key": order_key})).all()
    if not rows or rows[0][0] != company_id or not rows[0][1]:
        raise AccessDenied("not your company's data")
    lines = tuple(
        GlancedLine(product_id, sku, name, quantity, is_active, int(available))
        for _company_id, _active, _order_id, product_id, sku, name, quantity, is_active, available in rows
        if product_id is not None
    )
    return CartGlance(rows[0][2], lines)


async def load(
    session: AsyncSession,
    actor: Actor,
    *,
    fresh: bool = False,
    order_key: str | None = None,
    lock_company: bool = False,
) -> CartContents:
    """The actor's contact, company and cart with its lines, stock and quote; guests and contacts of another
    company (or deactivated ones) are refused. `fresh` re-reads rows the session already holds; `order_key`
    also reads the id of the company's order made with that idempotency key; `lock_company` (with
    `order_key`, on PostgreSQL) locks the company's row in the same statement."""
    contact_id, company_id = actor.require_contact()
    params: dict[str, Any] = {"contact_id": contact_id, "today": dt.date.today()}
    statement = _CONTENTS
    if order_key is not None:
        statement = _CONTENTS_AND_ORDER_LOCKED if lock_company else _CONTENTS_AND_ORDER
        params["order_key"] = order_key
    # Options given to the call, not set on the statement: a statement copied per call loses its cached key.
    options = _FRESH if fresh else _NO_OPTIONS
    rows = (await session.execute(statement, params, execution_options=options)).all()
    if not rows or rows[0][0].company_id != company_id or not rows[0][0].is_active:
        raise AccessDenied("not your company's data")
    contact, company, cart, quote = rows[0][:4]
    lines = [HeldLine(row[4], row[5], int(row[6]), row[7]) for row in rows if row[4] is not None]
    return CartContents(contact, company, cart, lines, quote, rows[0][8] if order_key is not None else None)


async def view(
    session: AsyncSession, actor: Actor, settings: Settings, *, now: dt.datetime | None = None
) -> CartView:
    """The actor's cart priced for their company. Reading creates nothing: no cart yet is an empty view."""
    return await priced(session, await load(session, actor), settings, now or utcnow(), locale=actor.locale)


async def priced(
    session: AsyncSession,
    contents: CartContents,
    settings: Settings,
    now: dt.datetime,
    *,
    locale: str = "en",
    prices: dict[int, pricing.ProductPrice] | None = None,
) -> CartView:
    """Price a cart at the company's prices: the preview the client sees is what placing charges.

    Lines carry the product's name in `locale`; an order placed from the view keeps the catalogue's own name.
    """
    company, cart = contents.company, contents.own_cart
    if cart is None:
        return _empty_view(company)
    if prices is None:
        prices = await pricing.prices_for(session, company, [held.product.id for held in contents.lines])
    lines: list[CartLineView] = []
    subtotal = ZERO
    weight = Decimal("0")
    for held in contents.lines:
        line, product, available = held.line, held.product, held.available
        price = prices.get(product.id)
        if price is not None and price.currency != company.currency:
            price = None
        unit_price = price.unit_price(line.quantity) if price else None
        line_total = price.line_total(line.quantity) if price else None
        lines.append(
            CartLineView(
                product_id=product.id,
                sku=product.sku,
                name=product.display_name(locale),
                unit=product.unit,
                quantity=line.quantity,
                pack_size=product.pack_size,
                min_order_qty=product.min_order_qty,
                unit_price=unit_price,
                line_total=line_total,
                weight_kg=product.weight_kg * line.quantity,
                available=available,
                next_eta=held.next_eta,
                warning=_warning(product, line_total, available, line.quantity),
            )
        )
        subtotal += line_total or ZERO
        weight += product.weight_kg * line.quantity
    subtotal = to_money(subtotal)
    points = 0
    if cart.points_to_redeem > 0:
        points = loyalty_rules.redeemable(
            cart.points_to_redeem,
            await loyalty.available_points(session, company.id, now),
            subtotal,
            settings.loyalty_redeem_cap_percent,
        )
    discount = loyalty_rules.points_value(points)
    delivery = _delivery_choice(contents.quote, weight, now)
    delivery_cost = delivery.price if delivery is not None and not delivery.stale else ZERO
    return CartView(
        cart_id=cart.id,
        company_id=company.id,
        currency=company.currency,
        lines=tuple(lines),
        subtotal=subtotal,
        points_requested=cart.points_to_redeem,
        points_applied=points,
        loyalty_discount=discount,
        delivery=delivery,
        delivery_cost=delivery_cost,
        total=to_money(subtotal - discount + delivery_cost),
        weight_kg=weight,
        comment=cart.comment,
    )


def _warning(product: Product, line_total: Decimal | None, available: int, quantity: int) -> str | None:
    if not product.is_active:
        return "inactive"
    if line_total is None:
        return "no_price"
    if available <= 0:
        return "out_of_stock"
    if available < quantity:
        return "short_stock"
    return None


def _delivery_choice(quote: DeliveryQuote | None, weight: Decimal, now: dt.datetime) -> DeliveryChoice | None:
    """The chosen quote as the cart shows it; the caller has checked it is the company's."""
    if quote is None:
        return None
    return DeliveryChoice(
        **delivery.quote_terms(quote),
        expired=quote.valid_until <= now,
        outweighed=quote.weight_kg > 0 and weight > quote.weight_kg,
    )


def _empty_view(company: Company) -> CartView:
    return CartView(
        cart_id=None,
        company_id=company.id,
        currency=company.currency,
        lines=(),
        subtotal=ZERO,
        points_requested=0,
        points_applied=0,
        loyalty_discount=ZERO,
        delivery=None,
        delivery_cost=ZERO,
        total=ZERO,
        weight_kg=Decimal("0"),
        comment=None,
    )


async def find(session: AsyncSession, contact_id: int) -> Cart | None:
    return await session.scalar(select(Cart).where(Cart.contact_id == contact_id))


# --- changing --------------------------------------------------------------------------------------


async def get_or_create(session: AsyncSession, actor: Actor) -> int:
    """The id of the actor's cart, created on first use. Safe when two messages of one contact race."""
    return (await _cart_for(session, await load(session, actor))).id


async def add_item(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    quantity: int,
    product_id: int | None = None,
    sku: str | None = None,
) -> CartLineChange:
    """Add `quantity` of a product (by id or SKU); an existing line grows. Refusals are DomainErrors."""
    if (product_id is None) == (sku is None):
        raise InvalidInput("give a product id or a SKU")
    contents = await load(session, actor)
    if product_id is not None:
        product = await session.get(Product, product_id)
        label = str(product_id)
    else:
        assert sku is not None  # narrowed by the check above
        label = sku.strip()
        product = (await _products_by_sku(session, [label])).get(label.upper())
    if product is None or not product.is_active:
        raise NotFound("no such product", sku=label)
    result, _ = await _add_entries(
        session, contents, settings, [_Entry(0, product.sku, quantity, product)], all_or_nothing=True,
        locale=actor.locale,
    )
    if result.problems:
        raise _as_error(result.problems[0])
    return result.added[0]


async def add_item_and_view(
    session: AsyncSession, actor: Actor, settings: Settings, *, quantity: int, product_id: int, now: dt.datetime
) -> tuple[CartLineChange, CartView]:
    """`add_item` by product id, and the cart it leaves priced as `view` prices it, from the rows read once."""
    contents = await load(session, actor)
    row = (await session.execute(_PRODUCT_WITH_STOCK, {"product_id": product_id, "today": dt.date.today()})).first()
    if row is None or not row[0].is_active:
        raise NotFound("no such product", sku=str(product_id))
    product, available, next_eta = row[0], int(row[1]), row[2]
    # The prices of the cart's lines and of the product added: the check and the view both use them.
    prices = await pricing.prices_for(session, contents.company, [*(h.product.id for h in contents.lines), product_id])
    result, touched = await _add_entries(
        session, contents, settings, [_Entry(0, product.sku, quantity, product)], all_or_nothing=True,
        locale=actor.locale, prices=prices,
    )
    if result.problems:
        raise _as_error(result.problems[0])
    if all(held.product.id != product_id for held in contents.lines):  # a new line: the view shows it last
        contents.lines.append(HeldLine(touched[product_id], product, available, next_eta))
    return result.added[0], await priced(session, contents, settings, now, locale=actor.locale, prices=prices)


async def add_lines(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    lines: Sequence[tuple[str, int]],
    *,
    all_or_nothing: bool = True,
) -> AddLinesResult:
    """Add many (SKU, quantity) lines at once, e.g. a pasted list or an order file.

    Every line is checked first. With `all_or_nothing` a single problem adds nothing; otherwise the
    valid lines are added. Either way every problem is reported with its line's position.
    """
    if not lines:
        raise InvalidInput("no lines given")
    if len(lines) > settings.max_cart_lines:
        raise InvalidInput("too many lines at once", count=len(lines), maximum=settings.max_cart_lines)
    contents = await load(session, actor)
    found = await _products_by_sku(session, [sku.strip() for sku, _ in lines])
    entries = []
    for index, (sku, quantity) in enumerate(lines):
        product = found.get(sku.strip().upper())
        entries.append(_Entry(index, sku.strip(), quantity, product if product and product.is_active else None))
    return (await _add_entries(session, contents, settings, entries, all_or_nothing=all_or_nothing,
                               locale=actor.locale))[0]


async def add_products(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    lines: Sequence[tuple[Product, int]],
    *,
    all_or_nothing: bool,
) -> AddLinesResult:
    """Add already loaded products (a repeated order); the same checks as `add_lines`."""
    contents = await load(session, actor)
    entries = [
        _Entry(index, product.sku, quantity, product if product.is_active else None)
        for index, (product, quantity) in enumerate(lines)
    ]
    return (await _add_entries(session, contents, settings, entries, all_or_nothing=all_or_nothing,
                               locale=actor.locale))[0]


async def set_quantity(
    session: AsyncSession, actor: Actor, settings: Settings, product_id: int, quantity: int
) -> CartLineChange | None:
    """Set a line's quantity; zero removes the line (and returns None)."""
    if quantity == 0:
        await remove_line(session, actor, product_id)
        return None
    line, product = await _line_of(session, actor, product_id)
    if not product.is_active:
        raise NotFound("no such product", product_id=product_id)
    pricing.check_quantity(product, quantity, settings)
    added = quantity - line.quantity
    line.quantity = quantity
    await session.flush()
    return CartLineChange(product.id, product.sku, product.display_name(actor.locale), added, quantity)


async def remove_line(session: AsyncSession, actor: Actor, product_id: int) -> None:
    line, _product = await _line_of(session, actor, product_id)
    await session.delete(line)
    await session.flush()


async def clear(session: AsyncSession, actor: Actor) -> None:
    """Empty the cart: lines, points to spend, chosen delivery and comment."""
    cart = (await load(session, actor)).cart
    if cart is not None:
        await empty(session, cart)


async def empty(session: AsyncSession, cart: Cart) -> None:
    """Delete the cart's lines and forget its points, delivery and comment."""
    await empty_lines(session, cart.id)
    await forget_choices(session, cart)


async def empty_lines(session: AsyncSession, cart_id: int) -> None:
    """Delete the cart's lines in one Core DELETE, which leaves line objects loaded before it alone: read the cart
    again (`load`) rather than use them."""
    await session.execute(_EMPTY, {"cart_id": cart_id})


async def forget_choices(session: AsyncSession, cart: Cart) -> None:
    """The points to spend, the chosen delivery and the comment back to none; written only when one was set."""
    if cart.points_to_redeem or cart.delivery_quote_id is not None or cart.comment is not None:
        cart.points_to_redeem = 0
        cart.delivery_quote_id = None
        cart.comment = None
        await session.flush()


_CART_LINES = table_of(CartLine)
_EMPTY = delete(_CART_LINES).where(_CART_LINES.c.cart_id == bindparam("cart_id"))


async def set_points(
    session: AsyncSession, actor: Actor, points: int, *, now: dt.datetime | None = None
) -> int:
    """Ask to spend `points` on the next order; the order's cap applies when it is priced."""
    if points < 0:
        raise InvalidInput("points cannot be negative", points=points)
    contents = await load(session, actor)
    if points > 0:  # spending none needs no balance
        available = await loyalty.available_points(session, contents.company.id, now or utcnow())
        if points > available:
            raise InvalidInput("not enough loyalty points", points=points, available=available)
    cart = await _cart_for(session, contents)
    cart.points_to_redeem = points
    await session.flush()
    return points


async def choose_delivery(
    session: AsyncSession, actor: Actor, quote_id: int | None, *, now: dt.datetime | None = None
) -> DeliveryChoice | None:
    """Choose a delivery quote offered to the company (None: no delivery chosen)."""
    now = now or utcnow()
    contents = await load(session, actor)
    cart = await _cart_for(session, contents)
    if quote_id is None:
        cart.delivery_quote_id = None
        await session.flush()
        return None
    quote = await delivery.usable_quote(session, contents.company, quote_id, now)
    if not contents.lines:
        raise EmptyCart("the cart is empty: there is nothing to deliver")
    cart.delivery_quote_id = quote_id
    await session.flush()
    weight = sum((held.product.weight_kg * held.line.quantity for held in contents.lines), Decimal("0"))
    return _delivery_choice(quote, weight, now)


async def set_comment(session: AsyncSession, actor: Actor, comment: str | None) -> None:
    comment = comment.strip() if comment else None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput("the comment is too long", length=len(comment), maximum=MAX_COMMENT)
    cart = await _cart_for(session, await load(session, actor))
    cart.comment = comment or None
    await session.flush()


# --- helpers ---------------------------------------------------------------------------------------


async def _cart_for(session: AsyncSession, contents: CartContents) -> Cart:
    """The contact's cart for its current company, created on first use; `contents` follow."""
    contact, company, cart = contents.contact, contents.company, contents.cart
    if cart is None:
        # INSERT .. ON CONFLICT DO NOTHING: a concurrent first message of the same contact makes
        # this a no-op instead of an error that would abort the caller's transaction.
        await session.execute(
            conflict_insert(dialect_of(session))(Cart)
            .values(contact_id=contact.id, company_id=company.id)
            .on_conflict_do_nothing(index_elements=[Cart.contact_id])
        )
        cart = await find(session, contact.id)
        assert cart is not None  # inserted now or by the racer
    if cart.company_id != company.id:
        # The contact moved to another company: its old cart was priced for the old one.
        await empty(session, cart)
        cart.company_id = company.id
        await session.flush()
        contents.lines, contents.quote = [], None
    contents.cart = cart
    return cart


async def _line_of(session: AsyncSession, actor: Actor, product_id: int) -> tuple[CartLine, Product]:
    contents = await load(session, actor)
    held = next((held for held in contents.lines if held.product.id == product_id), None)
    if contents.own_cart is None or held is None:
        raise NotFound("this product is not in the cart", product_id=product_id)
    return held.line, held.product


async def _products_by_sku(session: AsyncSession, skus: Sequence[str]) -> dict[str, Product]:
    """Products by upper-cased SKU: clients type SKUs in any case."""
    wanted = sorted({sku.upper() for sku in skus if sku})
    if not wanted:
        return {}
    rows = await session.scalars(select(Product).where(func.upper(Product.sku).in_(wanted)))
    return {product.sku.upper(): product for product in rows}


async def _add_entries(
    session: AsyncSession,
    contents: CartContents,
    settings: Settings,
    entries: Sequence[_Entry],
    *,
    all_or_nothing: bool,
    locale: str,
    prices: dict[int, pricing.ProductPrice] | None = None,
) -> tuple[AddLinesResult, dict[int, CartLine]]:
    """Check and add `entries`; also the lines created or grown, by product. `prices` may be read already."""
    cart = await _cart_for(session, contents)
    company = contents.company
    existing = {held.line.product_id: held.line for held in contents.lines}
    if prices is None:
        prices = await pricing.prices_for(session, company, [e.product.id for e in entries if e.product is not None])
    problems: list[LineProblem] = []
    groups: dict[int, _Group] = {}
    for entry in entries:
        if entry.product is None:
            problems.append(LineProblem(entry.index, entry.sku, entry.quantity, "unknown_sku", "no such product"))
        elif not 0 < entry.quantity <= settings.max_line_quantity:
            problems.append(
                LineProblem(entry.index, entry.sku, entry.quantity, "absurd_quantity", "quantity out of range")
            )
        elif entry.product.id not in prices or prices[entry.product.id].currency != company.currency:
            problems.append(LineProblem(entry.index, entry.sku, entry.quantity, "no_price", "no price for you"))
        else:
            groups.setdefault(entry.product.id, _Group(entry.product)).entries.append(entry)
    valid: list[_Group] = []
    for product_id, group in groups.items():
        had = existing[product_id].quantity if product_id in existing else 0
        problem = _quantity_problem(group, had, settings)
        if problem is not None:
            problems.append(problem)
        else:
            valid.append(group)
    room = settings.max_cart_lines - len(existing)
    accepted: list[_Group] = []
    for group in valid:
        if group.product.id not in existing:
            if room <= 0:
                last = group.entries[-1]
                problems.append(LineProblem(last.index, last.sku, last.quantity, "cart_full", "the cart is full"))
                continue
            room -= 1
        accepted.append(group)
    problems.sort(key=lambda p: p.index)
    if problems and all_or_nothing:
        return AddLinesResult((), tuple(problems)), {}
    added: list[CartLineChange] = []
    touched: dict[int, CartLine] = {}
    for group in accepted:
        line = existing.get(group.product.id)
        if line is None:
            line = CartLine(cart_id=cart.id, product_id=group.product.id, quantity=group.quantity)
            session.add(line)
            now_quantity = group.quantity
        else:
            line.quantity += group.quantity
            now_quantity = line.quantity
        touched[group.product.id] = line
        added.append(
            CartLineChange(group.product.id, group.product.sku, group.product.display_name(locale), group.quantity,
                           now_quantity)
        )
    await session.flush()
    return AddLinesResult(tuple(added), tuple(problems)), touched


def _quantity_problem(group: _Group, had: int, settings: Settings) -> LineProblem | None:
    """Check the quantity the line would end with; blame the group's last entry and suggest a fix."""
    last = group.entries[-1]
    total = had + group.quantity
    try:
        pricing.check_quantity(group.product, total, settings)
    except QuantityRuleViolation as refused:
        if "maximum" in refused.details:
            return LineProblem(last.index, last.sku, last.quantity, "absurd_quantity", refused.message)
        # What to type on this line so that the whole line becomes valid.
        suggested = pricing.round_to_pack(group.product, total) - had - (group.quantity - last.quantity)
        code = "pack_size" if "pack_size" in refused.details else "below_minimum"
        fits = suggested > 0 and had + group.quantity - last.quantity + suggested <= settings.max_line_quantity
        return LineProblem(last.index, last.sku, last.quantity, code, refused.message, suggested if fits else None)
    return None


def _as_error(problem: LineProblem) -> DomainError:
    details = {"sku": problem.sku, "quantity": problem.quantity}
    if problem.code == "unknown_sku":
        return NotFound(problem.message, **details)
    if problem.code in ("absurd_quantity", "pack_size", "below_minimum"):
        return QuantityRuleViolation(problem.message, rule=problem.code, suggested=problem.suggested, **details)
    return InvalidInput(problem.message, rule=problem.code, **details)
