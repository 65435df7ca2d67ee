"""Read and write the reference catalog."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from service.catalog import models
from service.catalog import schemas as s
from service.catalog.words import (
    RESOURCE_ALIASES,
    Lookup,
    bare_town,
    resource_words,
    town_key,
    town_words,
)
from service.changes import Changed
from service.database import Base
from service.dataset.files import Catalog
from service.events import publish


def lookup(*, session: Session) -> Lookup:
    """Build the code and name lookup from the database."""
    towns: dict[str, str] = {}
    names: list[tuple[str, str]] = []
    for town in session.scalars(select(models.Town).order_by(models.Town.code)):
        for word in town_words(town.code, town.name_zh, town.name_en, town.aliases or [], town.includes or []):
            towns.setdefault(word, town.code)
        names.append((town.name_zh, town.name_en))
    industries = session.execute(select(models.Industry.code, models.Industry.level)).all()
    resources: dict[str, str] = {}
    units: dict[str, str] = {}
    for res in session.scalars(select(models.Resource).order_by(models.Resource.code)):
        units[res.code] = res.unit
        for word in resource_words(res.code, res.name_zh, res.name_en, RESOURCE_ALIASES.get(res.code, ())):
            resources.setdefault(word, res.code)
    return Lookup(
        town_by_word=towns,
        industry_codes=frozenset(code for code, _ in industries),
        class_codes=frozenset(code for code, level in industries if level == s.IndustryLevel.klass.value),
        resource_units=units,
        town_names=tuple(sorted(names, key=lambda n: n[1])),
        resource_by_word=resources,
    )


def resolve_town(*, session: Session, word: str) -> str | None:
    """The code of the town a name or alias means (for query filters), None when none does."""
    key = town_key(word)
    for town in session.scalars(select(models.Town).order_by(models.Town.code)):
        words = town_words(town.code, town.name_zh, town.name_en, town.aliases or [], town.includes or [])
        if key in words or bare_town(key) in words:
            return town.code
    return None


class _Rows:
    """The rows of one table by their natural key, read once as plain tuples; writes go out as bulk statements.

    ORM objects for the 6,000 catalogue rows would cost more than the load itself, and an upsert
    that queried each record would cost one round trip per record.
    """

    def __init__(self, session: Session, model: type[Base], key: tuple[str, ...]) -> None:
        self.session, self.key = session, key
        self.table: Table = model.__table__  # type: ignore[assignment]  # every model here is a plain table
        self.rows = {tuple(r[k] for k in key): r for r in session.execute(select(self.table)).mappings()}
        self.inserts: list[dict[str, object]] = []

    def upsert(self, key: tuple[object, ...], values: dict[str, object]) -> bool:
        """Queue an insert, or update the columns that differ; return True when something changed."""
        row = self.rows.get(key)
        if row is None:
            self.inserts.append(dict(zip(self.key, key, strict=True)) | values)
            return True
        changes = {name: value for name, value in values.items() if row[name] != value}
        if changes:
            where = [self.table.c[name] == value for name, value in zip(self.key, key, strict=True)]
            self.session.execute(update(self.table).where(*where).values(**changes))
        return bool(changes)

    def flush(self) -> None:
        if self.inserts:
            self.session.execute(insert(self.table), self.inserts)
            self.inserts = []


def save_catalog(*, session: Session, catalog: Catalog) -> int:
    """Insert or update every catalog record by its code; return how many rows changed."""
    changed = 0
    industries = _Rows(session, models.Industry, ("code",))
    for ind in catalog.industries:
        changed += industries.upsert(
            (ind.code,),
            {
                "level": ind.level.value,
                "parent_code": ind.parent,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "name_en_source": ind.name_en_source.value,
                "note_zh": ind.note_zh,
                "keywords_zh": ind.keywords_zh,
                "keywords_en": ind.keywords_en,
                "supplies_to": ind.supplies_to,
            },
        )
    industries.flush()
    resources = _Rows(session, models.Resource, ("code",))
    for res in catalog.resources:
        changed += resources.upsert((res.code,), res.model_dump(mode="json", exclude={"code"}))
    resources.flush()
    inputs = _Rows(session, models.IndustryInput, ("industry_code", "resource_code"))
    for inp in [*catalog.industry_inputs, *catalog.default_inputs]:
        changed += inputs.upsert((inp.industry, inp.resource), inp.model_dump(mode="json", exclude={"industry", "resource"}))
    inputs.flush()
    counties = _Rows(session, models.County, ("code",))
    for county in catalog.counties:
        changed += counties.upsert((county.code,), county.model_dump(mode="json", exclude={"code"}))
    counties.flush()
    towns = _Rows(session, models.Town, ("code",))
    for town in catalog.towns:
        changed += towns.upsert((town.code,), town.model_dump(mode="json", exclude={"code"}))
    towns.flush()
    pairings = _Rows(session, models.Pairing, ("town_code", "county_code"))
    for pairing in catalog.pairings:
        values = pairing.model_dump(mode="json", exclude={"town", "county", "since"})
        changed += pairings.upsert((pairing.town, pairing.county), values | {"since": pairing.since})
    pairings.flush()
    costs = _Rows(session, models.CostFigure, ("place_kind", "place", "kind"))
    for cost in catalog.costs:
        changed += costs.upsert(
            (cost.place_kind.value, cost.place, cost.kind.value), {"figure": cost.figure.model_dump(mode="json")}
        )
    costs.flush()
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
