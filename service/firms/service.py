"""Read and write firms; upsert many at once for imports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from service.catalog.service import lookup, resolve_town
from service.catalog.words import Lookup
from service.changes import Changed
from service.errors import Conflict, Problem, ServiceError
from service.events import publish
from service.firms import schemas as s
from service.firms.errors import FirmNotFound
from service.firms.models import Firm, FirmIndustry, FirmInput
from service.pagination import LIKE_ESCAPE, contains_pattern

CONTACT_FIELDS = ("contact_name", "phone", "address", "notes")
SCALARS = ("credit_code", "name_zh", "name_en", "products", "description_zh", "description_en", "employees",
           "revenue_10k_yuan", "land_mu", "electricity_kwh", "export_share", "env_category", "expansion", "synthetic",
           "buys", "vacancies", *CONTACT_FIELDS)
SORTS = {"id": Firm.id, "name": Firm.name_zh, "employees": Firm.employees, "revenue": Firm.revenue_10k_yuan,
         "land": Firm.land_mu, "updated": Firm.updated_at}


class FirmInvalid(ServiceError):
    status_code = 422
    code = "invalid_firm"


@dataclass
class UpsertResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def _read(*, firm_id: int, town: str, industries: list[str], inputs: list[dict[str, Any]],
          scalars: dict[str, Any]) -> s.FirmRead:
    return s.FirmRead.model_validate({"id": firm_id, "town": town, "industries": industries, "inputs": inputs, **scalars})


def to_read(firm: Firm) -> s.FirmRead:
    """Render a firm row as its read schema."""
    return _read(firm_id=firm.id, town=firm.town_code, industries=firm.industries,
                 inputs=[{"resource": i.resource_code, "quantity": i.quantity, "unit": i.unit} for i in firm.inputs],
                 scalars={name: getattr(firm, name) for name in SCALARS})


def references_problems(
    *, ref: Lookup, town: str | None, industries: Sequence[str], inputs: Sequence[tuple[str, str]],
    row: int | None = None, buys: Sequence[tuple[str, str]] = (),
) -> list[Problem]:
    """Check a town, industry classes and (resource, unit) inputs against the catalog."""
    problems = []
    if town is not None and ref.town(town) is None:
        problems.append(Problem(row=row, column="town", message=ref.unknown_town(town)))
    for code in industries:
        if code not in ref.class_codes:
            hint = "（须为小类代码 / must be a 4-digit class）" if code in ref.industry_codes else ""
            problems.append(Problem(row=row, column="industries",
                                    message=f"未知行业代码 {code}{hint} / unknown industry class {code}"))
    for column, resource, given in [*(("inputs", r, u) for r, u in inputs), *(("buys", r, u) for r, u in buys)]:
        unit = ref.resource_units.get(resource)
        if unit is None:
            problems.append(Problem(row=row, column=column,
                                    message=f"未知资源 {resource} / unknown resource {resource}"))
        elif given not in ("", unit):
            problems.append(Problem(row=row, column=column,
                                    message=f"{resource} 的单位应为 {unit}，实为 {given} / unit of {resource} must be {unit}, got {given}"))
    return problems


def normalise(firm: s.FirmBase, ref: Lookup) -> s.FirmBase:
    """Replace a town name by its code and fill empty input units from the catalog."""
    town = ref.town(firm.town) or firm.town
    inputs = [i.model_copy(update={"unit": i.unit or ref.resource_units.get(i.resource, "")}) for i in firm.inputs]
    buys = [i.model_copy(update={"unit": i.unit or ref.resource_units.get(i.resource, "")}) for i in firm.buys]
    return firm.model_copy(update={"town": town, "inputs": inputs, "buys": buys})


def _values(firm: s.FirmBase) -> dict[str, Any]:
    data = firm.model_dump(mode="json")
    # A contact field is text, never null in storage (null is only how a viewer is shown it).
    return {name: "" if data[name] is None and name in CONTACT_FIELDS else data[name] for name in SCALARS}


def _apply(row: Firm, firm: s.FirmBase) -> bool:
    changed = False
    for name, value in _values(firm).items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if row.town_code != firm.town:
        row.town_code = firm.town
        changed = True
    if row.industries != list(firm.industries):
        row.industry_links = [FirmIndustry(industry_code=c, position=i) for i, c in enumerate(firm.industries)]
        changed = True
    current = [(i.resource_code, i.quantity, i.unit) for i in row.inputs]
    wanted = [(i.resource, i.quantity, i.unit) for i in firm.inputs]
    if current != wanted:
        row.inputs = [FirmInput(resource_code=r, quantity=q, unit=u, position=n) for n, (r, q, u) in enumerate(wanted)]
        changed = True
    if changed and row.id is not None:
        # The column's onupdate fires only when the firm's own row is written; a change to its industries or
        # inputs alone writes only their rows, and the firm would not sort as recently updated.
        row.updated_at = func.now()
    return changed


def upsert_many(*, session: Session, firms: Sequence[s.FirmBase]) -> UpsertResult:
    """Insert new firms and update changed ones, matching by credit code, else by name and town.

    Firms must already be normalised and checked against the catalog.
    """
    by_code = {f.credit_code: f for f in session.scalars(select(Firm).where(Firm.credit_code.is_not(None)))}
    by_name = {(f.name_zh, f.town_code): f for f in session.scalars(select(Firm))}
    result = UpsertResult()
    fresh: list[Firm] = []
    for firm in firms:
        row = (by_code.get(firm.credit_code) if firm.credit_code else None) or by_name.get((firm.name_zh, firm.town))
        if row is None:
            row = Firm(town_code=firm.town)
            _apply(row, firm)
            session.add(row)
            fresh.append(row)
        else:
            # Keep the maps true to the rows as they are now: a row that renames a firm frees its old name
            # for a later row, which is then a different firm, on this import and on the next.
            by_name.pop((row.name_zh, row.town_code), None)
            if row.credit_code:
                by_code.pop(row.credit_code, None)
            if _apply(row, firm):
                result.updated.append(row.id)
            else:
                result.unchanged.append(row.id)
        by_name[(row.name_zh, row.town_code)] = row
        if row.credit_code:
            by_code[row.credit_code] = row
    session.flush()
    result.created = [row.id for row in fresh]
    if result.created or result.updated:
        # One event for the whole batch: an import of 10,000 rows is one change, not 10,000.
        publish(session, Changed("firm", tuple(result.created + result.updated)))
    return result


def _filtered(query: Any, *, town: str | None, industry: str | None, q: str | None,
              min_employees: int | None, max_employees: int | None, q_industries: Sequence[str] = ()) -> Any:
    if town:
        query = query.where(Firm.town_code == town)  # a code here; list_firms resolves names and aliases
    if industry:
        sub = select(FirmIndustry.firm_id).where(FirmIndustry.industry_code.startswith(industry, autoescape=True))
        query = query.where(Firm.id.in_(sub))
    if q:
        like = contains_pattern(q)
        words = [Firm.name_zh.ilike(like, escape=LIKE_ESCAPE), Firm.name_en.ilike(like, escape=LIKE_ESCAPE),
                 Firm.description_zh.ilike(like, escape=LIKE_ESCAPE), Firm.description_en.ilike(like, escape=LIKE_ESCAPE)]
        if q_industries:  # the word is a synonym of these classes (catalogue keywords): their firms match too
            words.append(Firm.id.in_(select(FirmIndustry.firm_id).where(FirmIndustry.industry_code.in_(q_industries))))
        query = query.where(or_(*words))
    if min_employees is not None:
        query = query.where(Firm.employees >= min_employees)
    if max_employees is not None:
        query = query.where(Firm.employees <= max_employees)
    return query


def list_firms(
    *, session: Session, town: str | None = None, industry: str | None = None, q: str | None = None,
    min_employees: int | None = None, max_employees: int | None = None, sort: str = "id", descending: bool = False,
    offset: int = 0, limit: int = 50, q_industries: Sequence[str] = (),
) -> tuple[list[s.FirmRead], int]:
    """List firms filtered by town (code, name or alias), industry code prefix, a search word (or its synonym
    classes) and size; sorted and paged."""
    if town:
        town = resolve_town(session=session, word=town) or town
    query = _filtered(select(Firm), town=town, industry=industry, q=q,
                      min_employees=min_employees, max_employees=max_employees, q_industries=q_industries)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    column = SORTS[sort]
    order = column.desc() if descending else column.asc()
    rows = session.scalars(query.order_by(order, Firm.id).offset(offset).limit(limit)).all()
    return [to_read(r) for r in rows], total


def all_firms(*, session: Session) -> list[s.FirmRead]:
    """Every firm, ordered by id: three plain queries (firms, their classes, their inputs), no ORM objects, so
    reading every firm at start-up costs what the rows cost."""
    return _plain_firms(session, None)


def firms_by_ids(*, session: Session, firm_ids: Sequence[int]) -> list[s.FirmRead]:
    """The stored firms among ``firm_ids``, ordered by id, read as ``all_firms`` reads them (a bulk import's
    tens of thousands of firms in a few queries, not one query per firm); unknown ids are left out."""
    wanted = sorted(set(firm_ids))
    return [firm for start in range(0, len(wanted), _IDS_PER_QUERY)
            for firm in _plain_firms(session, wanted[start:start + _IDS_PER_QUERY])]


_IDS_PER_QUERY = 2_000  # bound parameters per statement stay far below SQLite's and PostgreSQL's limits


def _plain_firms(session: Session, ids: Sequence[int] | None) -> list[s.FirmRead]:
    def only(query: Any, column: Any) -> Any:
        return query if ids is None else query.where(column.in_(ids))

    classes: dict[int, list[str]] = defaultdict(list)
    for fid, code in session.execute(only(select(FirmIndustry.firm_id, FirmIndustry.industry_code), FirmIndustry.firm_id)
                                     .order_by(FirmIndustry.firm_id, FirmIndustry.position)):
        classes[fid].append(code)
    inputs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for fid, resource, quantity, unit in session.execute(
            only(select(FirmInput.firm_id, FirmInput.resource_code, FirmInput.quantity, FirmInput.unit), FirmInput.firm_id)
            .order_by(FirmInput.firm_id, FirmInput.position, FirmInput.id)):
        inputs[fid].append({"resource": resource, "quantity": quantity, "unit": unit})
    columns = [Firm.id, Firm.town_code, *(getattr(Firm, name) for name in SCALARS)]
    return [_read(firm_id=row["id"], town=row["town_code"], industries=classes.get(row["id"], []),
                  inputs=inputs.get(row["id"], []), scalars={name: row[name] for name in SCALARS})
            for row in session.execute(only(select(*columns), Firm.id).order_by(Firm.id)).mappings()]


def count(*, session: Session) -> int:
    return session.scalar(select(func.count(Firm.id))) or 0


def get(*, session: Session, firm_id: int) -> s.FirmRead:
    """Return one firm or raise FirmNotFound."""
    row = session.get(Firm, firm_id)
    if row is None:
        raise FirmNotFound(f"企业 {firm_id} 不存在 / firm {firm_id} not found")
    return to_read(row)


def _checked(session: Session, firm: s.FirmBase) -> s.FirmBase:
    ref = lookup(session=session)
    problems = references_problems(ref=ref, town=firm.town, industries=firm.industries,
                                   inputs=[(i.resource, i.unit) for i in firm.inputs],
                                   buys=[(i.resource, i.unit) for i in firm.buys])
    if problems:
        raise FirmInvalid("; ".join(p.message for p in problems), problems=problems)
    return normalise(firm, ref)


def create(*, session: Session, firm: s.FirmCreate) -> s.FirmRead:
    """Add one firm; refuse a duplicate credit code or name within the same town."""
    firm = s.FirmCreate.model_validate(_checked(session, firm).model_dump())
    if firm.credit_code and session.scalar(select(Firm.id).where(Firm.credit_code == firm.credit_code)):
        raise Conflict(f"统一社会信用代码 {firm.credit_code} 已存在 / credit code {firm.credit_code} already exists")
    if session.scalar(select(Firm.id).where(Firm.name_zh == firm.name_zh, Firm.town_code == firm.town)):
        raise Conflict(f"{firm.town} 已有企业 {firm.name_zh} / a firm named {firm.name_zh} already exists in {firm.town}")
    row = Firm(town_code=firm.town)
    _apply(row, firm)
    session.add(row)
    session.flush()
    publish(session, Changed("firm", (row.id,)))
    return to_read(row)


def update(*, session: Session, firm_id: int, changes: s.FirmUpdate) -> s.FirmRead:
    """Apply the given fields to a firm."""
    current = get(session=session, firm_id=firm_id)
    try:
        merged = s.FirmCreate.model_validate(
            {**current.model_dump(exclude={"id"}), **changes.model_dump(exclude_unset=True)})
    except ValidationError as exc:  # e.g. an explicit null for a field a firm must have
        problems = Problem.from_validation(exc)
        raise FirmInvalid("; ".join(f"{p.column}: {p.message}" for p in problems), problems=problems) from exc
    merged = s.FirmCreate.model_validate(_checked(session, merged).model_dump())
    row = session.get(Firm, firm_id)
    assert row is not None
    if _apply(row, merged):
        session.flush()
        publish(session, Changed("firm", (firm_id,)))
    return to_read(row)


def delete(*, session: Session, firm_id: int) -> None:
    """Remove a firm."""
    row = session.get(Firm, firm_id)
    if row is None:
        raise FirmNotFound(f"企业 {firm_id} 不存在 / firm {firm_id} not found")
    session.delete(row)
    session.flush()
    publish(session, Changed("firm", (firm_id,), deleted=True))
