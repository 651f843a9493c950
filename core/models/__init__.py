"""The domain model: one module per context, all re-exported here for convenience."""

from core.models.base import Base, utcnow
from core.models.catalog import Category, IncomingStock, Price, PriceList, Product, StockLevel, Warehouse
from core.models.companies import (
    ChannelIdentity,
    Company,
    CompanyAddress,
    Contact,
    ContactRole,
    InviteToken,
    Lead,
    PaymentTerms,
    StaffRole,
    StaffUser,
)
from core.models.conversations import (
    Campaign,
    CampaignRecipient,
    Conversation,
    ConversationStatus,
    Handover,
    Message,
)
from core.models.finance import (
    Document,
    DocumentKind,
    LedgerEntry,
    LedgerKind,
    LoyaltyEntry,
    LoyaltyKind,
)
from core.models.integration import (
    ApiKey,
    AuditLog,
    DemandSignal,
    IdempotencyKey,
    InboundUpdate,
    OutboxEvent,
    StockSubscription,
    SystemState,
)
from core.models.orders import (
    Cart,
    CartLine,
    DeliveryQuote,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMode,
    Shipment,
    ShipmentEvent,
    StockReservation,
)

__all__ = [
    "ApiKey", "AuditLog", "Base", "Campaign", "CampaignRecipient", "Cart", "CartLine", "Category",
    "ChannelIdentity", "Company", "CompanyAddress", "Contact", "ContactRole", "Conversation",
    "ConversationStatus", "DeliveryQuote", "DemandSignal", "Document", "DocumentKind", "Handover",
    "IdempotencyKey", "InboundUpdate", "IncomingStock", "InviteToken", "Lead", "LedgerEntry", "LedgerKind",
    "LoyaltyEntry", "LoyaltyKind", "Message", "Order", "OrderEvent", "OrderLine", "OrderStatus",
    "OutboxEvent", "PaymentMode", "PaymentTerms", "Price", "PriceList", "Product", "Shipment",
    "ShipmentEvent", "StaffRole", "StaffUser", "StockLevel", "StockReservation", "StockSubscription",
    "SystemState", "Warehouse", "utcnow",
]
