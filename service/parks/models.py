"""The parks table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base, UtcDateTime


class Park(Base):
    __tablename__ = "parks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    positioning_zh: Mapped[str] = mapped_column(Text, default="")
    positioning_en: Mapped[str] = mapped_column(Text, default="")
    target_industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    free_land_mu: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    free_factory_m2: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    labour_pool: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    anchors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    policies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    restrictions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    supplies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), server_default=func.now(), onupdate=func.now()
    )
