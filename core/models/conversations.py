"""Conversations, their message log, handovers to managers, and marketing campaigns."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, IdMixin, TimestampMixin, utcnow


class ConversationStatus(StrEnum):
    BOT = "bot"
    WAITING = "waiting"
    AGENT = "agent"
    CLOSED = "closed"


class Conversation(IdMixin, TimestampMixin, Base):
    """One identity's thread with the supplier; handover is its status plus an assignee."""

    __tablename__ = "conversations"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), unique=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[ConversationStatus] = mapped_column(String(20), default=ConversationStatus.BOT)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    manager_thread_id: Mapped[int | None] = mapped_column(Integer)  # e.g. a Telegram forum topic
    last_message_at: Mapped[dt.datetime | None]  # kept by a trigger on messages (migration 0006)


class Message(IdMixin, Base):
    """A logged message, inbound or outbound; channel message ids make inbound dedupe possible."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "direction", "channel_message_id"),)

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    sender: Mapped[str] = mapped_column(String(20))  # client | bot | manager | system
    channel_message_id: Mapped[str | None] = mapped_column(String(100), index=True)  # delivery statuses find it
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str | None] = mapped_column(String(20))  # sent | delivered | read | failed | held
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class Handover(IdMixin, Base):
    """A request for a human: its timings make response times measurable."""

    __tablename__ = "handovers"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    status: Mapped[ConversationStatus] = mapped_column(String(20), default=ConversationStatus.WAITING)
    reason: Mapped[str | None] = mapped_column(String(500))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"

    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|scheduled|sending|done|cancelled
    segment: Mapped[dict[str, Any]] = mapped_column(default=dict)  # region, tier, tags, last order window
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)  # neutral outbound, per locale
    channels: Mapped[list[str]] = mapped_column(default=list)
    scheduled_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))


class CampaignRecipient(IdMixin, Base):
    __tablename__ = "campaign_recipients"
    __table_args__ = (UniqueConstraint("campaign_id", "identity_id"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed|skipped
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
    converted_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))


class HeldNotification(IdMixin, Base):
    """A proactive message a channel could not send yet (WhatsApp outside its 24-hour window, no template).

    Kept as the notification itself, not its rendering, so it is rendered in the identity's language when it is
    released: when the customer next writes. `released_at` is set once it went out.
    """

    __tablename__ = "held_notifications"

    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    released_at: Mapped[dt.datetime | None]
