"""Read and write the reference catalog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.catalog import models
from service.catalog import schemas as s
from service.database import Base
from service.dataset.files import Catalog
from service.events import Changed, publish


@dataclass(frozen=True)
class Lookup:
    """What an import needs to resolve codes and names: towns, industry classes, resource units."""

    town_by_word: dict[str, str]
    industry_codes: frozenset[str]
    class_codes: frozenset[str]
    resource_units: dict[str, str]

    def town(self, word: str) -> str | None:
        """Resolve a town code, its Chinese name (with or without 镇/区) or English name."""
        key = word.strip().lower()
        return self.town_by_word.get(key)


def lookup(*, session: Session) -> Lookup:
    """Build the code and name lookup from the database."""
    towns: dict[str, str] = {}
    for town in session.scalars(select(models.Town)):
        words = {town.code, town.name_zh, town.name_en, town.name_zh.removesuffix("镇").removesuffix("区")}
        words |= set(town.includes)
        for word in words:
            towns[word.strip().lower()] = town.code
    industries = session.execute(select(models.Industry.code, models.Industry.level)).all()
    return Lookup(
        town_by_word=towns,
        industry_codes=frozenset(code for code, _ in industries),
        class_codes=frozenset(code for code, level in industries if level == s.IndustryLevel.klass.value),
        resource_units=dict(session.execute(select(models.Resource.code, models.Resource.unit)).all()),
    )


def _upsert(session: Session, model: type[Base], key: dict[str, object], values: dict[str, object]) -> bool:
    """Insert or update one row by its natural key; return True when something changed."""
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        session.add(model(**key, **values))
        return True
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def save_catalog(*, session: Session, catalog: Catalog) -> int:
    """Insert or update every catalog record by its code; return how many rows changed."""
    changed = 0
    for ind in catalog.industries:
        changed += _upsert(
            session,
            models.Industry,
            {"code": ind.code},
            {
                "level": ind.level.value,
                "parent_code": ind.parent,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "keywords_zh": ind.keywords_zh,
                "keywords_en": ind.keywords_en,
                "supplies_to": ind.supplies_to,
            },
        )
    for res in catalog.resources:
        changed += _upsert(session, models.Resource, {"code": res.code}, res.model_dump(mode="json", exclude={"code"}))
    session.flush()
    for inp in catalog.industry_inputs:
        changed += _upsert(
            session,
            models.IndustryInput,
            {"industry_code": inp.industry, "resource_code": inp.resource},
            inp.model_dump(mode="json", exclude={"industry", "resource"}),
        )
    for county in catalog.counties:
        changed += _upsert(session, models.County, {"code": county.code}, county.model_dump(mode="json", exclude={"code"}))
    for town in catalog.towns:
        changed += _upsert(session, models.Town, {"code": town.code}, town.model_dump(mode="json", exclude={"code"}))
    session.flush()
    for pairing in catalog.pairings:
        changed += _upsert(
            session,
            models.Pairing,
            {"town_code": pairing.town, "county_code": pairing.county},
            {
                "since": pairing.since,
                "description_zh": pairing.description_zh,
                "description_en": pairing.description_en,
                "source": pairing.source.model_dump(mode="json"),
            },
        )
    for cost in catalog.costs:
        changed += _upsert(
            session,
            models.CostFigure,
            {"place_kind": cost.place_kind.value, "place": cost.place, "kind": cost.kind.value},
            {"figure": cost.figure.model_dump(mode="json")},
        )
    session.flush()
    if changed:
        publish(session, Changed("catalog", ()))
    return changed


def list_industries(*, session: Session, level: s.IndustryLevel | None = None) -> Sequence[models.Industry]:
    """List industries, optionally of one level, ordered by code."""
    query = select(models.Industry).order_by(models.Industry.code)
    if level is not None:
        query = query.where(models.Industry.level == level.value)
    return session.scalars(query).all()


def list_resources(*, session: Session) -> Sequence[models.Resource]:
    """List resources ordered by code."""
    return session.scalars(select(models.Resource).order_by(models.Resource.code)).all()


def list_towns(*, session: Session) -> Sequence[models.Town]:
    """List towns ordered by code."""
    return session.scalars(select(models.Town).order_by(models.Town.code)).all()


def list_counties(*, session: Session) -> Sequence[models.County]:
    """List counties ordered by code."""
    return session.scalars(select(models.County).order_by(models.County.code)).all()
