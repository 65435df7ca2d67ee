"""The destinations table: one row per destination of any kind; kind-specific fields live in `details`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base, UtcDateTime


class Destination(Base):
    """Ids are unique across kinds, so feedback, briefs and the graph (`destination:{id}`) need one key."""

    __tablename__ = "destinations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"), index=True)
    township: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    positioning_zh: Mapped[str] = mapped_column(Text, default="")
    positioning_en: Mapped[str] = mapped_column(Text, default="")
    target_industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    free_land_mu: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    labour_pool: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    restrictions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    supplies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), server_default=func.now(), onupdate=func.now()
    )
