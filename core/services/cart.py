"""The cart: one per contact, so it follows the purchaser across messengers; lines, points, delivery, prices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.domain import loyalty as loyalty_rules
from core.domain.access import Actor
from core.domain.money import to_money
from core.errors import AccessDenied, DomainError, InvalidInput, NotFound, QuantityRuleViolation
from core.models import Cart, CartLine, Company, Contact, DeliveryQuote, Product, utcnow
from core.services import delivery, loyalty, pricing, stock

ZERO = Decimal("0.00")
MAX_COMMENT = 1000


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


async def view(
    session: AsyncSession, actor: Actor, settings: Settings, *, now: dt.datetime | None = None
) -> CartView:
    """The actor's cart priced for their company. Reading creates nothing: no cart yet is an empty view."""
    contact, company = await contact_and_company(session, actor)
    cart = await find(session, contact.id)
    if cart is None or cart.company_id != company.id:
        return _empty_view(company)
    return await priced(session, cart, company, settings, now or utcnow(), locale=actor.locale)


async def priced(
    session: AsyncSession, cart: Cart, company: Company, settings: Settings, now: dt.datetime, *,
    locale: str = "en",
) -> CartView:
    """Price a cart at the company's prices: the preview the client sees is what placing charges.

    Lines carry the product's name in `locale`; an order placed from the view keeps the catalogue's own name.
    """
    rows = await cart_products(session, cart.id)
    ids = [product.id for _, product in rows]
    prices = await pricing.prices_for(session, company, ids)
    stocks = await stock.availability(session, ids)
    lines: list[CartLineView] = []
    subtotal = ZERO
    weight = Decimal("0")
    for line, product in rows:
        price = prices.get(product.id)
        if price is not None and price.currency != company.currency:
            price = None
        unit_price = price.unit_price(line.quantity) if price else None
        line_total = price.line_total(line.quantity) if price else None
        available = stocks[product.id].available
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
                next_eta=stocks[product.id].next_eta,
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
    delivery = await _delivery_choice(session, cart, company, weight, now)
    delivery_cost = delivery.price if delivery else ZERO
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


async def _delivery_choice(
    session: AsyncSession, cart: Cart, company: Company, weight: Decimal, now: dt.datetime
) -> DeliveryChoice | None:
    if cart.delivery_quote_id is None:
        return None
    quote = await session.get(DeliveryQuote, cart.delivery_quote_id)
    if quote is None or quote.company_id != company.id:
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


async def cart_products(session: AsyncSession, cart_id: int) -> list[tuple[CartLine, Product]]:
    """The cart's lines with their products, in the order they were added."""
    rows = await session.execute(
        select(CartLine, Product)
        .join(Product, Product.id == CartLine.product_id)
        .where(CartLine.cart_id == cart_id)
        .order_by(CartLine.id)
    )
    return [(line, product) for line, product in rows]


# --- changing --------------------------------------------------------------------------------------


async def get_or_create(session: AsyncSession, actor: Actor) -> int:
    """The id of the actor's cart, created on first use. Safe when two messages of one contact race."""
    contact, company = await contact_and_company(session, actor)
    return (await _cart_for(session, contact, company)).id


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
    contact, company = await contact_and_company(session, actor)
    if product_id is not None:
        product = await session.get(Product, product_id)
        label = str(product_id)
    else:
        assert sku is not None  # narrowed by the check above
        label = sku.strip()
        product = (await _products_by_sku(session, [label])).get(label.upper())
    if product is None or not product.is_active:
        raise NotFound("no such product", sku=label)
    cart = await _cart_for(session, contact, company)
    result = await _add_entries(
        session, cart, company, settings, [_Entry(0, product.sku, quantity, product)], all_or_nothing=True,
        locale=actor.locale,
    )
    if result.problems:
        raise _as_error(result.problems[0])
    return result.added[0]


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
    contact, company = await contact_and_company(session, actor)
    found = await _products_by_sku(session, [sku.strip() for sku, _ in lines])
    entries = []
    for index, (sku, quantity) in enumerate(lines):
        product = found.get(sku.strip().upper())
        entries.append(_Entry(index, sku.strip(), quantity, product if product and product.is_active else None))
    cart = await _cart_for(session, contact, company)
    return await _add_entries(session, cart, company, settings, entries, all_or_nothing=all_or_nothing,
                              locale=actor.locale)


async def add_products(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    lines: Sequence[tuple[Product, int]],
    *,
    all_or_nothing: bool,
) -> AddLinesResult:
    """Add already loaded products (a repeated order); the same checks as `add_lines`."""
    contact, company = await contact_and_company(session, actor)
    cart = await _cart_for(session, contact, company)
    entries = [
        _Entry(index, product.sku, quantity, product if product.is_active else None)
        for index, (product, quantity) in enumerate(lines)
    ]
    return await _add_entries(session, cart, company, settings, entries, all_or_nothing=all_or_nothing,
                              locale=actor.locale)


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
    contact, _company = await contact_and_company(session, actor)
    cart = await find(session, contact.id)
    if cart is not None:
        await empty(session, cart)


async def empty(session: AsyncSession, cart: Cart) -> None:
    await session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
    cart.points_to_redeem = 0
    cart.delivery_quote_id = None
    cart.comment = None
    await session.flush()


async def set_points(
    session: AsyncSession, actor: Actor, points: int, *, now: dt.datetime | None = None
) -> int:
    """Ask to spend `points` on the next order; the order's cap applies when it is priced."""
    if points < 0:
        raise InvalidInput("points cannot be negative", points=points)
    contact, company = await contact_and_company(session, actor)
    available = await loyalty.available_points(session, company.id, now or utcnow())
    if points > available:
        raise InvalidInput("not enough loyalty points", points=points, available=available)
    cart = await _cart_for(session, contact, company)
    cart.points_to_redeem = points
    await session.flush()
    return points


async def choose_delivery(
    session: AsyncSession, actor: Actor, quote_id: int | None, *, now: dt.datetime | None = None
) -> DeliveryChoice | None:
    """Choose a delivery quote offered to the company (None: no delivery chosen)."""
    contact, company = await contact_and_company(session, actor)
    cart = await _cart_for(session, contact, company)
    if quote_id is None:
        cart.delivery_quote_id = None
        await session.flush()
        return None
    await delivery.usable_quote(session, company, quote_id, now or utcnow())
    rows = await cart_products(session, cart.id)
    if not rows:
        raise InvalidInput("the cart is empty: there is nothing to deliver")
    cart.delivery_quote_id = quote_id
    await session.flush()
    weight = sum((product.weight_kg * line.quantity for line, product in rows), Decimal("0"))
    return await _delivery_choice(session, cart, company, weight, now or utcnow())


async def set_comment(session: AsyncSession, actor: Actor, comment: str | None) -> None:
    comment = comment.strip() if comment else None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput("the comment is too long", length=len(comment), maximum=MAX_COMMENT)
    contact, company = await contact_and_company(session, actor)
    cart = await _cart_for(session, contact, company)
    cart.comment = comment or None
    await session.flush()


# --- helpers ---------------------------------------------------------------------------------------


async def contact_and_company(session: AsyncSession, actor: Actor) -> tuple[Contact, Company]:
    """The actor's contact and company; guests, and contacts of another company, are refused."""
    contact_id, company_id = actor.require_contact()
    # Both rows in one round trip (every cart view starts here); the checks are `accounts.company_of`'s.
    row = (await session.execute(
        select(Contact, Company).join(Company, Company.id == Contact.company_id).where(Contact.id == contact_id)
    )).first()
    if row is None or row[0].company_id != company_id or not row[0].is_active:
        raise AccessDenied("not your company's data")
    return row[0], row[1]


async def _cart_for(session: AsyncSession, contact: Contact, company: Company) -> Cart:
    cart = await find(session, contact.id)
    if cart is None:
        # INSERT .. ON CONFLICT DO NOTHING: a concurrent first message of the same contact makes
        # this a no-op instead of an error that would abort the caller's transaction.
        dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
        await session.execute(
            dialect.insert(Cart)
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
    return cart


async def _line_of(session: AsyncSession, actor: Actor, product_id: int) -> tuple[CartLine, Product]:
    contact, company = await contact_and_company(session, actor)
    cart = await find(session, contact.id)
    row = None
    if cart is not None and cart.company_id == company.id:
        row = (
            await session.execute(
                select(CartLine, Product)
                .join(Product, Product.id == CartLine.product_id)
                .where(CartLine.cart_id == cart.id, CartLine.product_id == product_id)
            )
        ).first()
    if row is None:
        raise NotFound("this product is not in the cart", product_id=product_id)
    return row[0], row[1]


async def _products_by_sku(session: AsyncSession, skus: Sequence[str]) -> dict[str, Product]:
    """Products by upper-cased SKU: clients type SKUs in any case."""
    wanted = sorted({sku.upper() for sku in skus if sku})
    if not wanted:
        return {}
    rows = await session.scalars(select(Product).where(func.upper(Product.sku).in_(wanted)))
    return {product.sku.upper(): product for product in rows}


async def _add_entries(
    session: AsyncSession,
    cart: Cart,
    company: Company,
    settings: Settings,
    entries: Sequence[_Entry],
    *,
    all_or_nothing: bool,
    locale: str,
) -> AddLinesResult:
    existing = {
        line.product_id: line
        for line in await session.scalars(select(CartLine).where(CartLine.cart_id == cart.id))
    }
    known = [e.product.id for e in entries if e.product is not None]
    prices = await pricing.prices_for(session, company, known)
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
        return AddLinesResult((), tuple(problems))
    added: list[CartLineChange] = []
    for group in accepted:
        line = existing.get(group.product.id)
        if line is None:
            session.add(CartLine(cart_id=cart.id, product_id=group.product.id, quantity=group.quantity))
            now_quantity = group.quantity
        else:
            line.quantity += group.quantity
            now_quantity = line.quantity
        added.append(
            CartLineChange(group.product.id, group.product.sku, group.product.display_name(locale), group.quantity,
                           now_quantity)
        )
    await session.flush()
    return AddLinesResult(tuple(added), tuple(problems))


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
