"""The feedback table: one row per recorded outcome, the newest per pair is its status."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base, UtcDateTime


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_pair", "firm_id", "park_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    # Any destination, of any kind; named park_id because the API says park_id.
    park_id: Mapped[int] = mapped_column(ForeignKey("destinations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(60), default="", server_default="", index=True)
    follow_up: Mapped[dt.date | None] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())
