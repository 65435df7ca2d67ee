"""Tables of the reference catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base


class Industry(Base):
    __tablename__ = "industries"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(8), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300))
    name_en_source: Mapped[str] = mapped_column(String(16), default="translation")
    note_zh: Mapped[str] = mapped_column(Text, default="")
    keywords_zh: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    supplies_to: Mapped[list[str]] = mapped_column(JSON, default=list)


class Resource(Base):
    __tablename__ = "resources"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(32))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")


class IndustryInput(Base):
    __tablename__ = "industry_inputs"
    __table_args__ = (UniqueConstraint("industry_code", "resource_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code", ondelete="CASCADE"))
    resource_code: Mapped[str] = mapped_column(ForeignKey("resources.code", ondelete="CASCADE"))
    intensity: Mapped[float] = mapped_column(Float)
    per_million_yuan: Mapped[float | None] = mapped_column(Float)
    estimate: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")


class County(Base):
    __tablename__ = "counties"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Town(Base):
    __tablename__ = "towns"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(100))
    clusters_zh: Mapped[str] = mapped_column(Text)
    clusters_en: Mapped[str] = mapped_column(Text)
    cluster_industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    includes: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Pairing(Base):
    __tablename__ = "pairings"
    __table_args__ = (UniqueConstraint("town_code", "county_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_code: Mapped[str] = mapped_column(ForeignKey("towns.code", ondelete="CASCADE"))
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code", ondelete="CASCADE"))
    group_zh: Mapped[str] = mapped_column(String(100), default="")
    group_en: Mapped[str] = mapped_column(String(200), default="")
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    members_note: Mapped[str] = mapped_column(Text, default="")
    township_zh: Mapped[str] = mapped_column(String(100), default="")
    township_en: Mapped[str] = mapped_column(String(200), default="")
    since: Mapped[dt.date | None] = mapped_column(Date)
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class CostFigure(Base):
    __tablename__ = "cost_figures"
    __table_args__ = (UniqueConstraint("place_kind", "place", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_kind: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    figure: Mapped[dict[str, Any]] = mapped_column(JSON)
