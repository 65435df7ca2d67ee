"""load_world(session): the only place matching reads the database; each destination kind loads its own records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.catalog import models as cm
from service.catalog import schemas as cs
from service.firms import service as firm_service
from service.firms.schemas import FirmRead
from service.matching.snapshot.build import build_world
from service.matching.snapshot.kinds import DESTINATION_KINDS
from service.matching.snapshot.region import load_region
from service.matching.snapshot.world import DestinationProfile, FirmProfile, Opening, World


def firm_profile(firm: FirmRead) -> FirmProfile:
    """The ranking profile of a stored firm."""
    return FirmProfile(
        id=firm.id, name_zh=firm.name_zh, name_en=firm.name_en, town=firm.town,
        industries=tuple(firm.industries), products=tuple(firm.products),
        description_zh=firm.description_zh, description_en=firm.description_en, employees=firm.employees,
        revenue_10k_yuan=firm.revenue_10k_yuan, land_mu=firm.land_mu, electricity_kwh=firm.electricity_kwh,
        inputs=tuple((i.resource, i.quantity) for i in firm.inputs), env_category=firm.env_category.value,
        expansion=firm.expansion, synthetic=firm.synthetic,
        buys=tuple((b.resource, b.quantity) for b in firm.buys),
        vacancies=tuple(Opening(count=v.count, role_zh=v.role_zh, role_en=v.role_en, skills=tuple(v.skills),
                                months=tuple(v.months), estimate=v.estimate) for v in firm.vacancies),
    )


def load_firms(*, session: Session, firm_ids: Sequence[int]) -> dict[int, FirmProfile | None]:
    """The current profiles of some firms; None for a firm that no longer exists."""
    found = {firm.id: firm_profile(firm) for firm in firm_service.firms_by_ids(session=session, firm_ids=firm_ids)}
    return {fid: found.get(fid) for fid in firm_ids}


def load_destinations(*, session: Session) -> list[DestinationProfile]:
    """Every stored destination of every registered kind."""
    return [d for load in DESTINATION_KINDS.values() for d in load(session)]


def _rows(session: Session, model: type[Any]) -> Iterable[Any]:
    """A catalogue table's rows as plain tuples with its column names (no ORM objects: a CLI command reads
    a few thousand of them on every start)."""
    return session.execute(select(model.__table__))


def load_world(*, session: Session, data_dir: Path, firms: Sequence[FirmProfile] | None = None) -> World:
    """Load the snapshot from the database (firms can be supplied instead, e.g. a synthetic benchmark set)."""
    industries = [
        cs.Industry(code=r.code, name_zh=r.name_zh, name_en=r.name_en, keywords_zh=r.keywords_zh,
                    keywords_en=r.keywords_en, supplies_to=r.supplies_to)
        for r in _rows(session, cm.Industry)
    ]
    resources = [
        cs.Resource(code=r.code, name_zh=r.name_zh, name_en=r.name_en, category=cs.ResourceCategory(r.category),
                    unit=r.unit, description_zh=r.description_zh, description_en=r.description_en)
        for r in _rows(session, cm.Resource)
    ]
    inputs = [
        cs.IndustryInput(industry=r.industry_code, resource=r.resource_code, intensity=r.intensity,
                         per_million_yuan=r.per_million_yuan, estimate=r.estimate, source=r.source)
        for r in _rows(session, cm.IndustryInput)
    ]
    counties = [
        cs.County(code=r.code, name_zh=r.name_zh, name_en=r.name_en, city=r.city, description_zh=r.description_zh,
                  description_en=r.description_en)
        for r in _rows(session, cm.County)
    ]
    towns = [
        cs.Town.model_validate({"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "kind": r.kind,
                                "city": r.city, "clusters_zh": r.clusters_zh, "clusters_en": r.clusters_en,
                                "cluster_industries": r.cluster_industries, "includes": r.includes,
                                "aliases": r.aliases or [], "sources": r.sources})
        for r in _rows(session, cm.Town)
    ]
    pairings = [
        cs.Pairing.model_validate({"town": r.town_code, "county": r.county_code, "since": r.since,
                                   "group_zh": r.group_zh or "", "group_en": r.group_en or "",
                                   "township_zh": r.township_zh or "", "township_en": r.township_en or "",
                                   "description_zh": r.description_zh, "description_en": r.description_en,
                                   "source": r.source})
        for r in _rows(session, cm.Pairing)
    ]
    costs = [
        cs.CostFigure.model_validate({"place_kind": r.place_kind, "place": r.place, "kind": r.kind,
                                      "figure": r.figure})
        for r in _rows(session, cm.CostFigure)
    ]
    if firms is None:
        firms = [firm_profile(f) for f in firm_service.all_firms(session=session)]
    return build_world(industries=industries, resources=resources, inputs=inputs, counties=counties, towns=towns,
                       pairings=pairings, costs=costs, region=load_region(data_dir),
                       destinations=load_destinations(session=session), firms=firms,
                       kinds=tuple(DESTINATION_KINDS))
