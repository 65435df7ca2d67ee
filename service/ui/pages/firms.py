"""A firm's page (ranked destinations) and the add / edit forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from service.auth.service import audit
from service.catalog import service as catalog
from service.deps import DbSession, FirmId
from service.destinations.models import Destination
from service.errors import Conflict, ServiceError
from service.feedback import service as feedback
from service.feedback.schemas import Status
from service.firms import contacts
from service.firms import service as firm_service
from service.firms.schemas import ENV_CATEGORY_ZH, EnvCategory, FirmUpdate
from service.i18n import pick
from service.matching.deps import MatchServiceDep
from service.matching.modes import Mode
from service.matching.schemas import RankedBase
from service.ui import charts, forms, ranking
from service.ui.deps import EditorUser, Lang, User, csrf_ok
from service.ui.rendering import UiRoute, error_page, page

router = APIRouter(route_class=UiRoute)
EXPIRED = "表单已过期，请刷新页面后重试 / the form expired, reload the page and retry"


def factor_chart(item: RankedBase, lang: str) -> Any:
    rows = [charts.BarRow(label=f.label_en if lang == "en" else f.label_zh, value=f.value, weight=f.weight,
                          contribution=f.contribution,
                          title=f.evidence.phrase_en if lang == "en" else f.evidence.phrase_zh) for f in item.factors]
    return charts.factor_bars(rows, lang=lang)


def destination_kinds(session: DbSession) -> dict[int, str]:
    """The kind of every destination by id, so a ranked item can be named for what it is."""
    return {int(i): str(k) for i, k in session.execute(select(Destination.id, Destination.kind))}


def industry_names(session: DbSession) -> dict[str, Any]:
    return {i.code: i for i in catalog.list_industries(session=session)}


# ---- add / edit (declared before /ui/firms/{firm_id} so "new" is not read as an id) ---------------------

def _form_page(request: Request, session: DbSession, user: EditorUser, lang: str, form: forms.FirmForm,
               firm_id: int | None, status: int = 200, message: str | None = None) -> HTMLResponse:
    return page(request, "firm_form.html", lang=lang, user=user, form=form, firm_id=firm_id, status=status,
                message=message, towns=catalog.list_towns(session=session),
                industries=catalog.list_industries(session=session),
                env_choices=[(e.value, ENV_CATEGORY_ZH[e]) for e in EnvCategory])


FirmBody = Annotated[forms.FirmFormIn, Form()]


@router.get("/ui/firms/new", response_class=HTMLResponse)
def new_firm_form(request: Request, session: DbSession, user: EditorUser, lang: Lang) -> HTMLResponse:
    return _form_page(request, session, user, lang, forms.FirmForm(values=forms.firm_form_values(None)), None)


@router.post("/ui/firms/new", response_class=HTMLResponse)
def new_firm(request: Request, session: DbSession, user: EditorUser, lang: Lang,
             body: FirmBody) -> Response:
    values = body.values()
    if not csrf_ok(request, body.csrf):
        return error_page(request, 403, EXPIRED)
    firm, form = forms.parse_firm_form(values)
    if firm is None:
        return _form_page(request, session, user, lang, form, None, status=422)
    try:
        created = firm_service.create(session=session, firm=firm)
    except ServiceError as exc:
        return _refused(request, session, user, lang, form, None, exc)
    audit(session=session, actor=user, action="create", entity="firm", entity_id=created.id,
          after=created.model_dump(mode="json"), note="ui")
    return RedirectResponse(f"/ui/firms/{created.id}", status_code=303)


def _refused(request: Request, session: DbSession, user: EditorUser, lang: str, form: forms.FirmForm,
             firm_id: int | None, exc: ServiceError) -> HTMLResponse:
    """Put a service's refusal beside the field it concerns (town, industries, name, credit code)."""
    for problem in exc.problems:
        form.add(problem.column if problem.column in forms.FIRM_FIELDS else "name_zh", problem.message)
    if not exc.problems:
        key = "credit_code" if isinstance(exc, Conflict) and "credit" in exc.message else "name_zh"
        form.add(key, exc.message)
    return _form_page(request, session, user, lang, form, firm_id, status=exc.status_code,
                      message=pick(exc.message, lang))


@router.get("/ui/firms/{firm_id}/edit", response_class=HTMLResponse)
def edit_firm_form(request: Request, session: DbSession, user: EditorUser, lang: Lang, firm_id: FirmId) -> HTMLResponse:
    firm = firm_service.get(session=session, firm_id=firm_id)
    return _form_page(request, session, user, lang, forms.FirmForm(values=forms.firm_form_values(firm)), firm_id)


@router.post("/ui/firms/{firm_id}/edit", response_class=HTMLResponse)
def edit_firm(request: Request, session: DbSession, user: EditorUser, lang: Lang, firm_id: FirmId,
              body: FirmBody) -> Response:
    values = body.values()
    if not csrf_ok(request, body.csrf):
        return error_page(request, 403, EXPIRED)
    before = firm_service.get(session=session, firm_id=firm_id)
    firm, form = forms.parse_firm_form(values)
    if firm is None:
        return _form_page(request, session, user, lang, form, firm_id, status=422)
    changes = FirmUpdate.model_validate(firm.model_dump(exclude={"credit_code", "synthetic"}))
    try:
        after = firm_service.update(session=session, firm_id=firm_id, changes=changes)
    except ServiceError as exc:
        return _refused(request, session, user, lang, form, firm_id, exc)
    audit(session=session, actor=user, action="update", entity="firm", entity_id=firm_id,
          before=before.model_dump(mode="json"), after=after.model_dump(mode="json"), note="ui")
    return RedirectResponse(f"/ui/firms/{firm_id}", status_code=303)


# ---- the firm page -------------------------------------------------------------------------------------

@router.get("/ui/firms/{firm_id}", response_class=HTMLResponse)
def firm_page(
    request: Request, session: DbSession, user: User, lang: Lang, firm_id: FirmId, service: MatchServiceDep,
    mode: Mode = Mode.relocation, top_k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> HTMLResponse:
    firm = contacts.for_caller(firm_service.get(session=session, firm_id=firm_id), user)
    weights = forms.weights_from_query(request, mode)
    result = ranking.recommend(service=service, firm_id=firm_id, mode=mode, weights=weights,
                               top_k=top_k)
    towns = {t.code: t for t in catalog.list_towns(session=session)}
    statuses = {i.park_id: i for i in feedback.pipeline(session=session, firm_id=firm_id)}
    return page(request, "firm.html", lang=lang, user=user, firm=firm, town=towns.get(firm.town), result=result,
                mode=mode, modes=forms.modes(lang), sliders=forms.sliders(mode, weights, lang),
                top_k=top_k, chart=factor_chart, statuses=statuses, statuses_all=list(Status),
                kinds=destination_kinds(session),
                industries=industry_names(session), env_zh=ENV_CATEGORY_ZH)
