"""Matching a prospect (a firm not in the database) from a description."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from service.catalog import service as catalog
from service.deps import DbSession
from service.errors import ServiceError
from service.i18n import pick
from service.matching.deps import MatchServiceDep
from service.matching.modes import Mode
from service.matching.prospect_fields import FieldProblem, prospect_buys, prospect_vacancies
from service.matching.schemas import MatchResult, ProspectRequest
from service.ui import forms, ranking
from service.ui.deps import Lang, User
from service.ui.pages.firms import destination_kinds, factor_chart
from service.ui.rendering import UiRoute, page

router = APIRouter(route_class=UiRoute)


@router.get("/ui/prospect", response_class=HTMLResponse)
def prospect_page(
    request: Request, session: DbSession, user: User, lang: Lang, service: MatchServiceDep,
    description: Annotated[str, Query(max_length=4000)] = "",
    name: Annotated[str, Query(max_length=200)] = "",
    town: Annotated[str, Query(max_length=64)] = "",
    employees: Annotated[str, Query(max_length=12)] = "",
    land_mu: Annotated[str, Query(max_length=12)] = "",
    industries: Annotated[str, Query(max_length=200)] = "",
    buys: Annotated[str, Query(max_length=1000)] = "",
    vacancies: Annotated[str, Query(max_length=1000)] = "",
    mode: Mode = Mode.relocation,
) -> HTMLResponse:
    weights = forms.weights_from_query(request, mode)
    form = {"description": description, "name": name, "town": town, "employees": employees, "land_mu": land_mu,
            "industries": industries, "buys": buys, "vacancies": vacancies}
    result: MatchResult | None = None
    problem = None
    if description.strip():
        codes = forms.split_codes(industries)
        try:
            bought = prospect_buys(buys, catalog.lookup(session=session))
            hiring = prospect_vacancies(vacancies)
            body = ProspectRequest(description=description.strip(), name=name.strip() or None, town=town or None,
                                   employees=int(employees) if employees.strip() else None,
                                   land_mu=float(land_mu) if land_mu.strip() else None, industries=codes or None,
                                   buys=bought, vacancies=hiring, mode=mode, weights=weights, include_excluded=True)
            result = ranking.match(service=service, body=body)
        except FieldProblem as exc:  # a buys or vacancies box that does not read
            problem = pick(exc.message, lang)
        except ValueError as exc:  # int()/float() on a typed field, or a ValidationError
            problem = forms.problem_text(exc, lang)
        except ServiceError as exc:
            problem = pick(exc.message, lang)
    if result is not None and not industries.strip():
        form["industries"] = ", ".join(i.code for i in result.industries)
    # Unsure of the industry: each of the three choices is a link to this page with that class given, every
    # other field and weight kept, so picking one reruns the ranking with it.
    choices = []
    if result is not None and result.industry_unsure:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "industries"]
        choices = [(ch, "/ui/prospect?" + urlencode([*kept, ("industries", ch.code)])) for ch in result.industry_choices]
    return page(request, "prospect.html", lang=lang, user=user, form=form, result=result, problem=problem, mode=mode,
                choices=choices,
                modes=forms.modes(lang), sliders=forms.sliders(mode, weights, lang),
                towns=catalog.list_towns(session=session), chart=factor_chart, kinds=destination_kinds(session))
