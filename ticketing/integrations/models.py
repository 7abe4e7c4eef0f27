"""The tables of outbound webhooks: the endpoints that receive ticket events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.orm import Base, utcnow


class WebhookEndpoint(Base):
    """A URL that receives signed ticket events (Standard Webhooks), with its own secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Fits the outbox's address column, which carries it to the relay's log.
    url: Mapped[str] = mapped_column(String(254))
    # "whsec_" and base64: shown once when added, then only used to sign.
    secret: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed endpoints stay, so the delivery log still says where a delivery went.
    removed_at: Mapped[datetime | None]
