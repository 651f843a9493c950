"""Incoming rows of every sync resource. Each is core's row model under the API's name, so the
request is checked once (types here, rules row by row in core) and handed over as it is."""

from __future__ import annotations

from core.services.sync.accounts import CompanyRow, ContactRow, LedgerRow, ManagerRow
from core.services.sync.catalog import CategoryRow, ProductRow, WarehouseRow
from core.services.sync.orders import StatusUpdateRow
from core.services.sync.pricing import PriceListRow, PriceRow
from core.services.sync.stock import IncomingRow, StockRow


class CategoryIn(CategoryRow):
    pass


class ProductIn(ProductRow):
    pass


class WarehouseIn(WarehouseRow):
    pass


class PriceListIn(PriceListRow):
    pass


class PriceIn(PriceRow):
    pass


class StockIn(StockRow):
    pass


class IncomingIn(IncomingRow):
    pass


class CompanyIn(CompanyRow):
    pass


class ContactIn(ContactRow):
    pass


class ManagerIn(ManagerRow):
    pass


class LedgerEntryIn(LedgerRow):
    pass


class OrderStatusIn(StatusUpdateRow):
    pass
