"""The heartbeat table: one row per scheduler process and job, moved forward as it runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.orm import Base


class Heartbeat(Base):
    """The last time one scheduler process (host, pid) ran one of its jobs."""

    __tablename__ = "heartbeats"
    __table_args__ = (
        UniqueConstraint("component", "host", "pid"),
        # The health check and the IVR ask for the newest beat of a component.
        Index("ix_heartbeats_component_beat_at", "component", "beat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "relay" (the outbox relay, which sends the pages) or "sweep:NAME".
    component: Mapped[str] = mapped_column(String(60))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
