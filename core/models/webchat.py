"""The web chat transcript: every message a web chat visitor sent or was sent, numbered per identity.

The numbers (`seq`) are what the widget acknowledges and resumes from; the rows hold the full neutral
outbound as the widget renders it (the conversation log keeps only a summary). Documents sent to a visitor
are kept as files behind an unguessable token, because a browser downloads them by URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, IdMixin, utcnow


class WebchatMessage(IdMixin, Base):
    """One message of a web chat visitor's transcript; `seq` counts 1, 2, 3... per identity with no gaps."""

    __tablename__ = "webchat_messages"
    __table_args__ = (
        UniqueConstraint("identity_id", "seq"),
        UniqueConstraint("identity_id", "client_message_id"),
    )

    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    client_message_id: Mapped[str | None] = mapped_column(String(100))  # inbound only: the widget's id
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the message as the widget renders it
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebchatFile(IdMixin, Base):
    """A document sent to a web chat visitor, downloadable by its token."""

    __tablename__ = "webchat_files"

    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
