"""Catalogue: search by SKU, barcode, name or category; product cards; searches that found nothing.

Anyone may search the active catalogue; only a company's contact sees prices, and only its company's.
Lookups go through the per-process index (core.search); names, stock and prices are then read for the
one page shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import get_args

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.domain.access import Actor
from core.domain.names import localized
from core.errors import InvalidInput, NotFound
from core.models import DemandSignal, Product, StockLevel
from core.search.index import CatalogIndex, SearchKind
from core.search.live import CATALOG_VERSION_COLUMN, bump_catalog_version, live_index
from core.services.pricing import ProductPrice, prices_for
from core.services.stock import Incoming, WarehouseStock, availability
from core.uow import UnitOfWork

__all__ = [
    "MAX_PAGE_SIZE",
    "CategoryRef",
    "ProductCard",
    "ProductSummary",
    "SearchPage",
    "bump_catalog_version",
    "get_by_sku",
    "list_categories",
    "product_card",
    "record_no_result",
    "search_products",
]

MAX_PAGE_SIZE = 50
MAX_OFFSET = 10_000  # nobody pages through ten thousand products in a chat
MAX_QUERY_LENGTH = 200
ALTERNATIVES = 5
DEMAND_QUERY_LENGTH = 300  # DemandSignal.query
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; a larger number would fail in the driver, not here

SessionSource = AsyncSession | UnitOfWork


@dataclass(frozen=True, slots=True)
class CategoryRef:
    id: int
    name: str
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class ProductSummary:
    """One product in a result list, named in the actor's language; prices only for company contacts."""

    id: int
    sku: str
    name: str
    unit: str
    pack_size: int
    min_order_qty: int
    category: CategoryRef | None
    available: int
    unit_price: Decimal | None = None  # at the minimum order quantity
    currency: str | None = None

    @property
    def in_stock(self) -> bool:
        return self.available > 0


@dataclass(frozen=True, slots=True)
class SearchPage:
    items: tuple[ProductSummary, ...]
    total: int
    offset: int
    limit: int
    exact: ProductSummary | None = None  # the product the query named by its SKU or barcode

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True, slots=True)
class ProductCard:
    """Everything a buyer asks about one product; `price` is None for guests and unpriced products."""

    id: int
    sku: str
    name: str
    description: str | None
    unit: str
    pack_size: int
    min_order_qty: int
    max_order_qty: int
    weight_kg: Decimal
    volume_m3: Decimal
    barcode: str | None
    image_url: str | None
    category: CategoryRef | None
    available: int
    warehouses: tuple[WarehouseStock, ...]
    incoming: tuple[Incoming, ...]
    price: ProductPrice | None
    alternatives: tuple[ProductSummary, ...]  # in-stock products of the same category, when this one is out

    @property
    def in_stock(self) -> bool:
        return self.available > 0

    @property
    def unit_price(self) -> Decimal | None:
        return self.price.unit_price(self.min_order_qty) if self.price else None

    @property
    def currency(self) -> str | None:
        return self.price.currency if self.price else None


async def search_products(
    source: SessionSource,
    actor: Actor,
    query: str,
    *,
    kind: SearchKind = "any",
    category_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Active products matching `query` by barcode, SKU (exact, then prefix) or words, best first.

    `kind="sku"` matches SKUs only, `kind="name"` words only. An empty query with `category_id`
    lists the category (and its subcategories). `limit` is capped at `MAX_PAGE_SIZE`.
    """
    session = _session(source)
    text = _valid_query(query, allow_empty=category_id is not None)
    if kind not in get_args(SearchKind):
        raise InvalidInput("unknown search kind", kind=kind)
    if limit < 1 or offset < 0 or offset > MAX_OFFSET:
        raise InvalidInput("page out of range", limit=limit, offset=offset, max_offset=MAX_OFFSET)
    limit = min(limit, MAX_PAGE_SIZE)
    live = live_index(session)
    # Optimistically the index in hand, as in `get_by_sku`: the page's rows come with the committed catalogue
    # version, and only when that is not the index's own (or nothing was found) is the index checked.
    latest = live.latest(session)
    if latest is not None:
        page = await _search_in(session, actor, latest, text, kind, category_id, limit, offset, checked=False)
        if page is not None:
            return page
    index = await live.current(session)
    page = await _search_in(session, actor, index, text, kind, category_id, limit, offset, checked=True)
    assert page is not None  # a checked index always answers
    return page


async def identifier_in(source: SessionSource, text: str) -> str | None:
    """The first word of `text` that is an active product's SKU or barcode (`CatalogIndex.identifier_in`)."""
    return (await _index_in_hand(source)).identifier_in(text)


async def catalogue_words(source: SessionSource, text: str) -> str:
    """The words of `text` the catalogue uses (`CatalogIndex.known_words`), joined by spaces; "" when none."""
    return _words(await _index_in_hand(source), text)


async def asked_for(source: SessionSource, text: str) -> str:
    """What `text` asks the catalogue for: an SKU or a barcode in it (`identifier_in`), else the words the
    catalogue uses (`catalogue_words`); "" when neither."""
    index = await _index_in_hand(source)
    return index.identifier_in(text) or _words(index, text)


def _words(index: CatalogIndex, text: str) -> str:
    return " ".join(index.known_words(text[:MAX_QUERY_LENGTH]))


async def _index_in_hand(source: SessionSource) -> CatalogIndex:
    """For reading products out of sentences ("I need gloves", "найди GLOVE-NIT-M"): the index in hand is good
    enough there (a product added a moment ago is found by the search that follows); only a process's first
    message, or a transaction that changed the catalogue, checks it."""
    session = _session(source)
    live = live_index(session)
    return live.latest(session) or await live.current(session)


async def _search_in(
    session: AsyncSession,
    actor: Actor,
    index: CatalogIndex,
    text: str,
    kind: SearchKind,
    category_id: int | None,
    limit: int,
    offset: int,
    *,
    checked: bool,
) -> SearchPage | None:
    """The page `index` finds; None when the index is unchecked and the catalogue read is not its own, or when
    it finds nothing (an unchecked index may not know the product yet)."""
    if category_id is not None and index.category(category_id) is None:
        if not checked:
            return None
        raise NotFound("unknown category", category_id=category_id)
    hits = index.search(text, kind=kind, category_id=category_id, offset=offset, limit=limit)
    wanted = [*hits.ids, *([hits.exact_id] if hits.exact_id is not None else [])]
    if not checked and not wanted:
        return None
    summaries, version = await _summaries_at(session, actor, index, wanted,
                                             expected_version=None if checked else index.version)
    if not checked and version != index.version:
        return None
    items = tuple(summaries[i] for i in hits.ids if i in summaries)
    exact = summaries.get(hits.exact_id) if hits.exact_id is not None else None
    return SearchPage(items, hits.total, offset, limit, exact)


async def get_by_sku(source: SessionSource, actor: Actor, sku: str) -> ProductSummary:
    """The active product with this SKU (any case; spaces and dashes optional when unambiguous)."""
    session = _session(source)
    text = _valid_query(sku, allow_empty=False)
    live = live_index(session)
    latest = live.latest(session)
    if latest is not None:
        # Optimistically, the index in hand: the product's row comes with the committed catalogue version,
        # and when that is the index's own, the index answered for the committed catalogue. A round trip
        # fewer than checking the version first; otherwise (or for an unknown SKU) the checked way below.
        product_id = latest.sku_exact(text)
        if product_id is not None:
            found, version = await _summaries_at(session, actor, latest, [product_id],
                                                 expected_version=latest.version)
            if version == latest.version and product_id in found:
                return found[product_id]
    index = await live.current(session)
    product_id = index.sku_exact(text)
    found = await _summaries(session, actor, index, [product_id]) if product_id is not None else {}
    if product_id not in found:
        raise NotFound("unknown SKU", sku=text)
    return found[product_id]


async def product_card(source: SessionSource, actor: Actor, product: int | str, settings: Settings) -> ProductCard:
    """The card of an active product given by id or SKU: stock per warehouse, incoming, price, rules.

    Raises `NotFound` for unknown or inactive products.
    """
    session = _session(source)
    if isinstance(product, bool) or not isinstance(product, int | str):
        raise InvalidInput("a product id or SKU is needed", product=repr(product))
    live = live_index(session)
    # Optimistically the index in hand, as in `get_by_sku`: the product's row comes with the committed
    # catalogue version, and only when that is not the index's own is the index checked, and the row read again.
    latest = live.latest(session)
    found = await _card_product(session, latest, product, checked=False) if latest is not None else None
    if latest is not None and found is not None:
        index = latest
    else:
        index = await live.current(session)
        found = await _card_product(session, index, product, checked=True)
    if found is None:
        raise NotFound("unknown product", product=product)
    stock = (await availability(session, [found.id]))[found.id]
    # The company is read with its prices, and one no longer active gets none; a guest sees no price.
    company_id = actor.company_id
    price = (await prices_for(session, company_id, [found.id])).get(found.id) if company_id is not None else None
    alternatives: tuple[ProductSummary, ...] = ()
    if stock.available <= 0 and found.category_id is not None:
        alternatives = await _alternatives(session, actor, index, found)
    return ProductCard(
        id=found.id,
        sku=found.sku,
        name=found.display_name(actor.locale),
        description=found.description,
        unit=found.unit,
        pack_size=found.pack_size,
        min_order_qty=found.min_order_qty,
        max_order_qty=settings.max_line_quantity // found.pack_size * found.pack_size,
        weight_kg=found.weight_kg,
        volume_m3=found.volume_m3,
        barcode=found.barcode,
        image_url=found.image_url,
        category=_category_ref(index, found.category_id, actor.locale),
        available=stock.available,
        warehouses=tuple(stock.warehouses),
        incoming=tuple(stock.incoming),
        price=price,
        alternatives=alternatives,
    )


async def _card_product(
    session: AsyncSession, index: CatalogIndex, product: int | str, *, checked: bool
) -> Product | None:
    """The active product given by id or SKU, None when there is none. With an unchecked index, None also when
    the catalogue version read with the product is not the index's: the caller asks again with a checked one."""
    if isinstance(product, str):
        product_id = index.sku_exact(_valid_query(product, allow_empty=False))
        if product_id is None:
            if checked:
                raise NotFound("unknown SKU", sku=product.strip())
            return None
    elif 0 < product <= MAX_ID:
        product_id = product
    else:
        raise NotFound("unknown product", product=product)
    row = (await session.execute(_CARD_PRODUCT, {"product_id": product_id})).first()
    if row is None or (not checked and int(row[1] or 0) != index.version):
        return None
    return row[0]


# Built once: every product card reads the second, and a cart's quantity steps the first.
_ACTIVE_PRODUCT = select(Product).where(Product.id == bindparam("product_id"), Product.is_active.is_(True))
_CARD_PRODUCT = _ACTIVE_PRODUCT.add_columns(CATALOG_VERSION_COLUMN)


async def active_product(source: SessionSource, product_id: int) -> Product:
    """The product with this id while it is sold; `NotFound` otherwise (the catalogue is everyone's to read)."""
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise InvalidInput("a product id is needed", product=repr(product_id))
    in_range = 0 < product_id <= MAX_ID
    product = await _session(source).scalar(_ACTIVE_PRODUCT, {"product_id": product_id}) if in_range else None
    if product is None:
        raise NotFound("no such product", product_id=product_id)
    return product


async def list_categories(source: SessionSource, actor: Actor) -> list[CategoryRef]:
    """Every category, named in the actor's language, by name."""
    session = _session(source)
    index = await live_index(session).current(session)
    refs = [
        CategoryRef(c.id, localized(c.name, c.name_ru, actor.locale), c.parent_id) for c in index.categories()
    ]
    return sorted(refs, key=lambda c: (c.name.lower(), c.id))


async def record_no_result(source: SessionSource, actor: Actor, query: str) -> None:
    """Remember a search that found nothing, so the supplier learns what clients look for."""
    session = _session(source)
    text = " ".join(query.split()) if isinstance(query, str) else ""
    if not text:
        raise InvalidInput("an empty search is not a demand signal")
    session.add(
        DemandSignal(
            kind="no_result",
            company_id=actor.company_id,
            contact_id=actor.contact_id,
            query=text[:DEMAND_QUERY_LENGTH],
        )
    )
    await session.flush()


def _session(source: SessionSource) -> AsyncSession:
    return source.session if isinstance(source, UnitOfWork) else source


def _valid_query(query: str, *, allow_empty: bool) -> str:
    if not isinstance(query, str):
        raise InvalidInput("the search must be text")
    text = " ".join(query.split())
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput("the search is too long", length=len(text), maximum=MAX_QUERY_LENGTH)
    if not text and not allow_empty:
        raise InvalidInput("type a product name, SKU or barcode")
    return text


def _category_ref(index: CatalogIndex, category_id: int | None, locale: str) -> CategoryRef | None:
    category = index.category(category_id) if category_id is not None else None
    if category is None:
        return None
    return CategoryRef(category.id, localized(category.name, category.name_ru, locale), category.parent_id)


# Names and total free units of a page in one round trip, the statement built once (building it per
# search cost more than running it).
_SUMMARY_ROWS = select(
    Product.id,
    Product.sku,
    Product.name,
    Product.name_ru,
    Product.unit,
    Product.pack_size,
    Product.min_order_qty,
    Product.category_id,
    select(func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0))
    .where(StockLevel.product_id == Product.id)
    .correlate(Product)
    .scalar_subquery(),
    CATALOG_VERSION_COLUMN,
).where(Product.id.in_(bindparam("ids", expanding=True)), Product.is_active.is_(True))


async def _summaries(
    session: AsyncSession, actor: Actor, index: CatalogIndex, product_ids: Sequence[int]
) -> dict[int, ProductSummary]:
    """Summaries of the still-active products among `product_ids`, by id."""
    return (await _summaries_at(session, actor, index, product_ids))[0]


async def _summaries_at(
    session: AsyncSession,
    actor: Actor,
    index: CatalogIndex,
    product_ids: Sequence[int],
    *,
    expected_version: int | None = None,
) -> tuple[dict[int, ProductSummary], int | None]:
    """Summaries by id, and the catalogue version read with them (None when no product was found). Read at
    another version than `expected_version` (when given), the rows are not worth pricing: none are returned."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}, None
    rows = (await session.execute(_SUMMARY_ROWS, {"ids": ids})).all()
    if expected_version is not None and rows and int(rows[0][-1] or 0) != expected_version:
        return {}, int(rows[0][-1] or 0)
    # The company is read with its prices (an inactive one gets none): a round trip fewer.
    prices = await prices_for(session, actor.company_id, ids) if rows and actor.company_id is not None else {}
    result: dict[int, ProductSummary] = {}
    version: int | None = None
    for product_id, sku, name, name_ru, unit, pack_size, min_order_qty, category_id, free, seen in rows:
        version = int(seen or 0)
        price = prices.get(product_id)
        result[product_id] = ProductSummary(
            id=product_id,
            sku=sku,
            name=localized(name, name_ru, actor.locale),
            unit=unit,
            pack_size=pack_size,
            min_order_qty=min_order_qty,
            category=_category_ref(index, category_id, actor.locale),
            available=int(free),
            unit_price=price.unit_price(min_order_qty) if price else None,
            currency=price.currency if price else None,
        )
    return result, version


async def _alternatives(
    session: AsyncSession, actor: Actor, index: CatalogIndex, product: Product
) -> tuple[ProductSummary, ...]:
    """In-stock products of the same category, those whose names are nearest first ("Paper A4 90 g/m2" for
    "Paper A4 80 g/m2"), then those with the most stock."""
    free = func.sum(StockLevel.on_hand - StockLevel.reserved)
    in_stock = (
        select(Product.id)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .where(Product.category_id == product.category_id, Product.is_active.is_(True), Product.id != product.id)
        .group_by(Product.id)
        .having(free > 0)
    )
    near = [i for i in index.similar(product.name, category_id=product.category_id, limit=ALTERNATIVES * 4)
            if i != product.id]
    # One round trip: the near ones in stock, and the best stocked of the rest to fill up with.
    is_near = Product.id.in_(near)
    rows = (await session.execute(
        in_stock.add_columns(is_near.label("near")).order_by(is_near.desc(), free.desc(), Product.id)
        .limit(ALTERNATIVES + len(near))
    )).all()
    rank = {product_id: n for n, product_id in enumerate(near)}
    ids = sorted((row.id for row in rows if row.near), key=rank.__getitem__) + [row.id for row in rows if not row.near]
    ids = ids[:ALTERNATIVES]
    found = await _summaries(session, actor, index, ids)
    return tuple(found[i] for i in ids if i in found)
