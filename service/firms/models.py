"""The firms table with its industry links and inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base, UtcDateTime


class Firm(Base):
    __tablename__ = "firms"
    __table_args__ = (UniqueConstraint("name_zh", "town_code", name="uq_firms_name_town"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    town_code: Mapped[str] = mapped_column(ForeignKey("towns.code"), index=True)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    employees: Mapped[int] = mapped_column(index=True)
    revenue_10k_yuan: Mapped[float | None] = mapped_column(Float)
    land_mu: Mapped[float | None] = mapped_column(Float)
    electricity_kwh: Mapped[float | None] = mapped_column(Float)
    export_share: Mapped[float | None] = mapped_column(Float)
    # What a buyer buys (resource, quantity, unit) and what an employer hires for: read whole, never queried by part.
    buys: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    vacancies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    env_category: Mapped[str] = mapped_column(String(16))
    expansion: Mapped[bool] = mapped_column(default=False)
    synthetic: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), server_default=func.now(), onupdate=func.now()
    )

    industry_links: Mapped[list[FirmIndustry]] = relationship(
        cascade="all, delete-orphan", order_by="FirmIndustry.position", lazy="selectin"
    )
    inputs: Mapped[list[FirmInput]] = relationship(
        cascade="all, delete-orphan", order_by="FirmInput.position", lazy="selectin"
    )

    @property
    def industries(self) -> list[str]:
        return [link.industry_code for link in self.industry_links]


class FirmIndustry(Base):
    __tablename__ = "firm_industries"
    __table_args__ = (Index("ix_firm_industries_industry", "industry_code"),)

    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True)
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class FirmInput(Base):
    __tablename__ = "firm_inputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    resource_code: Mapped[str] = mapped_column(ForeignKey("resources.code"))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
