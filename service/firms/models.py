"""The firms table with its industry links and inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, func
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
    # Contact fields: shown to editors and admins only (service/firms/contacts.py).
    contact_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(60), default="", server_default="")
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
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


class ImportJob(Base):
    """An uploaded firm file being checked or waiting for its commit; in the database so any worker answers."""

    __tablename__ = "import_jobs"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    phase: Mapped[str] = mapped_column(String(16))
    rows: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now(), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())
