"""Assembles the conversation: every flow module's `FLOWS` in one registry, the engines, and NLU as `Understand`.

Customers and guests get the same flows and state store but different main menus, so there is one engine
per audience (an engine is a few references; building two costs nothing).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.config import Settings
from core.domain.access import Actor
from core.models import Product
from core.ports import Clock
from core.uow import UnitOfWorkFactory
from dialogs.engine import Engine
from dialogs.flow import Flow, FlowRegistry
from dialogs.menus import GUEST_MENU, MEMBER_MENU
from dialogs.services import Services
from dialogs.state import StateStore
from dialogs.understanding import Parse, Understand
from nlu.backends import EmbeddedBackend, NluBackend, RasaHttpBackend
from nlu.entities import CatalogueEntry, ProductNameIndex, ProductNameIndexBuilder

FLOW_MODULES: tuple[str, ...] = (
    "dialogs.flows.catalog",
    "dialogs.flows.cart",
    "dialogs.flows.checkout",
    "dialogs.flows.delivery",
    "dialogs.flows.account",
    "dialogs.flows.orders",
    "dialogs.flows.approvals",
    "dialogs.flows.loyalty",
    "dialogs.flows.handover",
    "dialogs.flows.guest",
)
CONFIDENCE_THRESHOLD = 0.6
PRODUCT_INDEX_CHUNK = 2_000


def flows_of(modules: Iterable[str]) -> list[Flow[Services]]:
    """The `FLOWS` of each module, in order. A missing module is an error: a deploy must not lose a journey."""
    found: list[Flow[Services]] = []
    for name in modules:
        module = importlib.import_module(name)
        flows = getattr(module, "FLOWS", None)
        if flows is None:
            raise LookupError(f"flow module {name} has no FLOWS")
        found.extend(flows)
    return found


def build_registry(modules: Iterable[str] = FLOW_MODULES) -> FlowRegistry[Services]:
    return FlowRegistry(flows_of(modules))


@dataclass(frozen=True, slots=True)
class Engines:
    """The engine for customers and the one for guests: the same flows and store, different menus."""

    member: Engine[Services]
    guest: Engine[Services]

    def for_actor(self, actor: Actor) -> Engine[Services]:
        return self.guest if actor.is_guest else self.member


def build_engines(
    understand: Understand,
    store: StateStore,
    *,
    registry: FlowRegistry[Services] | None = None,
    clock: Clock | None = None,
    confidence_threshold: float = CONFIDENCE_THRESHOLD,
) -> Engines:
    flows = registry if registry is not None else build_registry()
    member = Engine[Services](flows, understand, store, menu=MEMBER_MENU,
                              confidence_threshold=confidence_threshold, clock=clock)
    guest = Engine[Services](flows, understand, store, menu=GUEST_MENU,
                             confidence_threshold=confidence_threshold, clock=clock)
    return Engines(member=member, guest=guest)


# Understanding ------------------------------------------------------------------------------------


class NluUnderstand:
    """The engine's `Understand` over any NLU backend (embedded or Rasa): Rasa JSON in, `Parse` out."""

    def __init__(self, backend: NluBackend) -> None:
        self.backend = backend

    async def __call__(self, text: str, locale: str) -> Parse:
        result = await self.backend.parse(text, locale)
        return Parse.from_rasa(result.to_dict())


def build_nlu_backend(settings: Settings, *, cache_dir: Path | None = None) -> NluBackend:
    """The embedded backend (trained once, in a child process so that this one never holds training's memory,
    then loaded from the cache), behind a Rasa server when one is set."""
    embedded = EmbeddedBackend.from_data_dir(cache_dir=cache_dir or settings.nlu_cache_dir, train_apart=True)
    if settings.rasa_url:
        return RasaHttpBackend(settings.rasa_url, fallback=embedded)
    return embedded


async def product_index(uow: UnitOfWorkFactory, *, limit: int | None = None) -> ProductNameIndex:
    """Active products' names (English and Russian) and synonyms, for resolving product names in messages.

    Only four columns are read, in chunks of PRODUCT_INDEX_CHUNK rows that are lemmatised and dropped
    before the next is read: the rows of 100,000 products at once would leave tens of megabytes of freed
    but still resident heap behind. `limit` caps it for tools that do not need the whole catalogue.
    """
    builder = ProductNameIndexBuilder()
    after, left = 0, limit
    async with uow() as unit:
        while left is None or left > 0:
            chunk = PRODUCT_INDEX_CHUNK if left is None else min(left, PRODUCT_INDEX_CHUNK)
            rows = (await unit.session.execute(
                select(Product.id, Product.sku, Product.name, Product.name_ru, Product.synonyms)
                .where(Product.is_active.is_(True), Product.id > after)
                .order_by(Product.id)
                .limit(chunk)
            )).all()
            if not rows:
                break
            builder.add(CatalogueEntry(sku, name, _names(name_ru, synonyms))
                        for _id, sku, name, name_ru, synonyms in rows)
            after = rows[-1].id
            left = None if left is None else left - len(rows)
    return builder.finish()


def _names(name_ru: str | None, synonyms: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(n for n in (name_ru, *(synonyms or ())) if n)
