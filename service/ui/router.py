"""Web UI routes: sign-in, search, firm and park pages, prospects, pipeline, exports and brief downloads."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from service.auth.guard import attempt_pair, refuse
from service.auth.service import ROLE_ZH, Principal, Role, audit, authenticate, hash_key
from service.briefs import service as briefs
from service.briefs.schemas import BriefFormat, BriefLang
from service.catalog import service as catalog
from service.deps import MAX_ID, DbSession, FirmId, ParkId
from service.errors import ServiceError
from service.feedback import service as feedback
from service.feedback.schemas import FeedbackCreate, PipelineItem, Status
from service.firms import service as firm_service
from service.firms.exporter import neutralise
from service.firms.schemas import ENV_CATEGORY_ZH
from service.i18n import pick
from service.matching.deps import MatchServiceDep
from service.matching.modes import MODES, Mode
from service.matching.schemas import ProspectRequest, RankedBase
from service.matching.scoring import FACTOR_NAMES, FACTORS
from service.parks import service as park_service
from service.ui import charts, ranking
from service.ui import session as ui_session
from service.ui.i18n import LANG_COOKIE, STATUS_EN, status_label, ui_lang

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
PAGE_SIZE = 50
# Pages load nothing from elsewhere and run no inline script, so the policy can be this strict.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)


class SignInRequired(Exception):
    """The page needs a signed-in user; the route class turns this into a redirect to the sign-in page."""


def _lang_of(request: Request) -> str:
    return ui_lang(request)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    lang = _lang_of(request)
    html = env.get_template("error.html").render(**_base(request, lang, None), status=status,
                                                  message=pick(message, lang))
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


class UiRoute(APIRoute):
    """Render errors as pages, not JSON, and send signed-out users to the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/ui/signin?next={quote(target, safe='')}", status_code=303)
            except ServiceError as exc:
                return error_page(request, exc.status_code, exc.message)
            except (RequestValidationError, ValidationError) as exc:  # a form field, or a model built from one
                fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}))
                return error_page(request, 422, f"参数无效：{fields} / invalid parameters: {fields}")

        return wrapped


router = APIRouter(route_class=UiRoute, include_in_schema=False)


def _secret(request: Request) -> bytes:
    """The signing secret, read from var/ once per application."""
    state = request.app.state
    secret: bytes | None = getattr(state, "ui_session_secret", None)
    if secret is None:
        secret = ui_session.load_secret(Path(state.settings.var_dir))
        state.ui_session_secret = secret
    return secret


def current_user(request: Request, session: DbSession) -> Principal:
    principal = ui_session.verify(session=session, secret=_secret(request),
                                  value=request.cookies.get(ui_session.COOKIE))
    if principal is None:
        raise SignInRequired
    return principal


User = Annotated[Principal, Depends(current_user)]
Lang = Annotated[str, Depends(_lang_of)]


def _switch_url(request: Request, lang: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
    return request.url.path + "?" + urlencode(params)


def _base(request: Request, lang: str, user: Principal | None) -> dict[str, Any]:
    cookie = request.cookies.get(ui_session.COOKIE)

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return {
        "lang": lang, "t": t, "user": user, "request": request,
        "role_label": (t(ROLE_ZH[user.role], user.role.value) if user else ""),
        "can_edit": bool(user and user.allows(Role.editor)),
        "csrf": ui_session.csrf_token(secret=_secret(request), value=cookie) if cookie and user else "",
        "switch_url": _switch_url(request, "en" if lang == "zh" else "zh"),
        "path": request.url.path,
        "status_label": lambda s: status_label(Status(s), lang),
        "score_bar": charts.score_bar,
    }


def page(request: Request, template: str, *, lang: str, user: Principal | None, status: int = 200,
         **context: Any) -> HTMLResponse:
    """Render a template with the shared context; remember an explicit ?lang= in a cookie."""
    html = env.get_template(template).render(**_base(request, lang, user), **context)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax",
                            secure=_secure(request))
    return response


def _safe_next(target: str | None) -> str:
    """Only follow local UI paths after sign-in, never another site."""
    if target and target.startswith("/ui") and not target.startswith("//"):
        return target
    return "/ui/"


# ---- sign-in -------------------------------------------------------------------------------------------

@router.get("/", response_class=RedirectResponse)
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


def _secure(request: Request) -> bool:
    """Cookies are Secure over HTTPS, and always when PARKMATCH_SECURE_COOKIES says TLS ends at a proxy."""
    return bool(request.app.state.settings.secure_cookies) or request.url.scheme == "https"


def _signin_page(request: Request, lang: str, next: str | None, *, status: int = 200, message: str = "") -> HTMLResponse:
    """The sign-in form with its token, bound to the pre-session cookie (set here when missing)."""
    value = request.cookies.get(ui_session.SIGNIN_COOKIE) or ui_session.new_signin_value()
    response = page(request, "signin.html", lang=lang, user=None, next=_safe_next(next), failed=bool(message),
                    message=message, status=status,
                    signin_csrf=ui_session.signin_token(secret=_secret(request), value=value))
    response.set_cookie(ui_session.SIGNIN_COOKIE, value, max_age=ui_session.SIGNIN_TTL_S, httponly=True,
                        samesite="lax", secure=_secure(request), path="/ui/signin")
    return response


@router.get("/ui/signin", response_class=HTMLResponse)
def signin_form(request: Request, lang: Lang, next: str | None = None) -> HTMLResponse:
    return _signin_page(request, lang, next)


@router.post("/ui/signin", response_class=HTMLResponse)
def signin(request: Request, session: DbSession, lang: Lang, key: Annotated[str, Form(max_length=200)] = "",
           next: Annotated[str, Form(max_length=2000)] = "/ui/",
           csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    if not ui_session.signin_ok(secret=_secret(request), value=request.cookies.get(ui_session.SIGNIN_COOKIE),
                                token=csrf):
        return error_page(request, 403, "登录表单已过期或来自其他网站，请重新打开登录页 / "
                                        "the sign-in form expired or came from another site; open the sign-in page again")
    key = key.strip()
    principal = authenticate(session=session, secret=key) if key else None
    if principal is None:
        # A valid key is never refused; only failures count, per key prefix and address (see FailedAttempts).
        error = refuse(request.app.state.failed_attempts, attempt_pair(key, request.client.host if request.client else "unknown"))
        return _signin_page(request, lang, next, status=error.status_code, message=pick(error.message, lang))
    value = ui_session.sign(secret=_secret(request), key_id=principal.key_id, key_hash=hash_key(key))
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(ui_session.COOKIE, value, max_age=ui_session.SESSION_TTL_S, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")
    response.delete_cookie(ui_session.SIGNIN_COOKIE, path="/ui/signin", secure=_secure(request), httponly=True,
                           samesite="lax")
    return response


@router.post("/ui/signout")
def signout(request: Request, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    # Signing out needs the form token too, so another site cannot sign staff out by posting here.
    cookie = request.cookies.get(ui_session.COOKIE)
    response = RedirectResponse("/ui/signin", status_code=303)
    if ui_session.csrf_ok(secret=_secret(request), value=cookie, token=csrf) or cookie is None:
        response.delete_cookie(ui_session.COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax")
    return response


@router.get("/ui/static/{name}")
def static(name: str) -> Response:
    path = STATIC / name
    # Only plain files that live directly in static/ are served: no "..", no subfolders.
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix],
                        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})


# ---- home and search -----------------------------------------------------------------------------------

@router.get("/ui/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, user: User, lang: Lang) -> HTMLResponse:
    rows, _ = park_service.list_parks(session=session, limit=200)
    parks = [park_service.to_read(p, c) for p, c in rows]
    items = feedback.pipeline(session=session)
    counts = {s.value: sum(1 for i in items if i.status == s) for s in Status}
    return page(request, "home.html", lang=lang, user=user, parks=parks, firms_total=firm_service.count(session=session),
                towns=catalog.list_towns(session=session), counts=counts, recent=items[:8])


@router.get("/ui/search", response_class=HTMLResponse)
def search(
    request: Request, session: DbSession, user: User, lang: Lang,
    q: Annotated[str, Query(max_length=100)] = "",
    town: Annotated[str, Query(max_length=64)] = "",
    industry: Annotated[str, Query(max_length=5, pattern=r"^([A-T]\d{0,4})?$")] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    firms, total = firm_service.list_firms(session=session, q=q.strip() or None, town=town or None,
                                           industry=industry or None, offset=offset, limit=PAGE_SIZE)
    park_rows, _ = park_service.list_parks(session=session, q=q.strip() or None, limit=200)
    parks = [park_service.to_read(p, c) for p, c in park_rows]
    if industry:
        parks = [p for p in parks if any(c.startswith(industry) or industry.startswith(c) for c in p.target_industries)]
    if town:
        parks = []  # towns are Zhongshan places; parks are in Liupanshui
    towns = catalog.list_towns(session=session)
    return page(request, "search.html", lang=lang, user=user, q=q, town=town, industry=industry, firms=firms,
                total=total, parks=parks, towns=towns, town_names={t.code: t for t in towns}, offset=offset,
                page_size=PAGE_SIZE)


# ---- ranking pages -------------------------------------------------------------------------------------

def _weights_from_query(request: Request, mode: Mode) -> dict[str, float] | None:
    """Slider values (0–100) as weight overrides, ignored when they were set for another mode's preset."""
    params = request.query_params
    if params.get("wmode") != mode.value:
        return None
    weights: dict[str, float] = {}
    for name in FACTOR_NAMES:
        raw = params.get(f"w_{name}")
        if raw is None:
            continue
        try:
            weights[name] = min(max(float(raw), 0.0), 100.0) / 100
        except ValueError:
            continue
    return weights if weights and sum(weights.values()) > 0 else None


def _sliders(mode: Mode, weights: Mapping[str, float] | None, lang: str) -> list[dict[str, Any]]:
    chosen = weights or MODES[mode].weights
    return [{"name": n, "label": FACTORS[n].label_en if lang == "en" else FACTORS[n].label_zh,
             "value": round(chosen.get(n, 0.0) * 100)} for n in FACTOR_NAMES]


def _modes(lang: str) -> list[tuple[str, str]]:
    return [(m.value, MODES[m].label_en if lang == "en" else MODES[m].label_zh) for m in Mode]


def factor_chart(item: RankedBase, lang: str) -> Any:
    rows = [charts.BarRow(label=f.label_en if lang == "en" else f.label_zh, value=f.value, weight=f.weight,
                          contribution=f.contribution,
                          title=f.evidence.phrase_en if lang == "en" else f.evidence.phrase_zh) for f in item.factors]
    return charts.factor_bars(rows, lang=lang)


def _status_by(items: list[PipelineItem], key: Callable[[PipelineItem], int]) -> dict[int, PipelineItem]:
    return {key(i): i for i in items}


@router.get("/ui/firms/{firm_id}", response_class=HTMLResponse)
def firm_page(
    request: Request, session: DbSession, user: User, lang: Lang, firm_id: FirmId, service: MatchServiceDep,
    mode: Mode = Mode.relocation, top_k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> HTMLResponse:
    firm = firm_service.get(session=session, firm_id=firm_id)
    weights = _weights_from_query(request, mode)
    result = ranking.recommend(service=service, firm_id=firm_id, mode=mode, weights=weights,
                               top_k=top_k)
    towns = {t.code: t for t in catalog.list_towns(session=session)}
    statuses = _status_by(feedback.pipeline(session=session, firm_id=firm_id), lambda i: i.park_id)
    return page(request, "firm.html", lang=lang, user=user, firm=firm, town=towns.get(firm.town), result=result,
                mode=mode, modes=_modes(lang), sliders=_sliders(mode, weights, lang),
                top_k=top_k, chart=factor_chart, statuses=statuses, statuses_all=list(Status),
                industries=_industry_names(session), env_zh=ENV_CATEGORY_ZH)


def _industry_names(session: DbSession) -> dict[str, Any]:
    return {i.code: i for i in catalog.list_industries(session=session)}


def _lead_filters(
    town: Annotated[str, Query(max_length=64)] = "",
    industry: Annotated[str, Query(max_length=5, pattern=r"^([A-T]\d{0,4})?$")] = "",
    min_employees: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
    max_employees: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
    min_score: Annotated[float, Query(ge=0, le=100)] = 0,
) -> ranking.LeadFilters:
    return ranking.LeadFilters(town=town or None, industry=industry or None, min_employees=min_employees,
                               max_employees=max_employees, min_score=min_score / 100)


Filters = Annotated[ranking.LeadFilters, Depends(_lead_filters)]


@router.get("/ui/parks/{park_id}", response_class=HTMLResponse)
def park_page(
    request: Request, session: DbSession, user: User, lang: Lang, park_id: ParkId, filters: Filters,
    service: MatchServiceDep, mode: Mode = Mode.relocation, top_k: Annotated[int, Query(ge=1, le=200)] = 50,
) -> HTMLResponse:
    park = park_service.get(session=session, park_id=park_id)
    weights = _weights_from_query(request, mode)
    result = ranking.candidates(service=service, park_id=park_id, mode=mode, weights=weights,
                                top_k=top_k, filters=filters)
    statuses = _status_by(feedback.pipeline(session=session, park_id=park_id), lambda i: i.firm_id)
    towns = catalog.list_towns(session=session)
    export_query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return page(request, "park.html", lang=lang, user=user, park=park, result=result, mode=mode, modes=_modes(lang),
                sliders=_sliders(mode, weights, lang), top_k=top_k, filters=filters,
                towns=towns, town_names={t.code: t for t in towns}, statuses=statuses, statuses_all=list(Status),
                chart=factor_chart, export_query=export_query, industries=_industry_names(session),
                resources={r.code: r for r in catalog.list_resources(session=session)})


@router.get("/ui/parks/{park_id}/leads.{fmt}")
def park_leads_export(
    request: Request, session: DbSession, user: User, lang: Lang, park_id: ParkId, fmt: str, filters: Filters,
    service: MatchServiceDep, mode: Mode = Mode.relocation, top_k: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    if fmt not in ("csv", "xlsx"):
        return error_page(request, 404, "未找到 / not found")
    park = park_service.get(session=session, park_id=park_id)
    result = ranking.candidates(service=service, park_id=park_id, mode=mode,
                                weights=_weights_from_query(request, mode), top_k=top_k, filters=filters)
    statuses = _status_by(feedback.pipeline(session=session, park_id=park_id), lambda i: i.firm_id)
    header = ["排名 Rank", "企业 Firm", "英文名 English name", "镇街 Town", "行业 Industries", "员工 Employees",
              "得分 Score", "理由 Reason", "进展 Status"]
    rows: list[list[Any]] = []
    for item in result.items if result else []:
        status = statuses.get(item.firm.id or 0)
        rows.append([item.rank, neutralise(item.firm.name_zh), neutralise(item.firm.name_en),
                     neutralise(item.firm.town_name_zh or item.firm.town or ""), neutralise(";".join(item.firm.industries)),
                     item.firm.employees if item.firm.employees is not None else "", round(item.score * 100, 1),
                     neutralise(item.reason_en if lang == "en" else item.reason_zh),
                     neutralise(STATUS_EN[status.status] if status and lang == "en" else status.status_zh if status else "")])
    filename = f"leads-{park.code}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename=\"{filename}\""}
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        return Response(buffer.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("线索 Leads")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), headers=headers,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/ui/prospect", response_class=HTMLResponse)
def prospect_page(
    request: Request, session: DbSession, user: User, lang: Lang, service: MatchServiceDep,
    description: Annotated[str, Query(max_length=4000)] = "",
    name: Annotated[str, Query(max_length=200)] = "",
    town: Annotated[str, Query(max_length=64)] = "",
    employees: Annotated[str, Query(max_length=12)] = "",
    land_mu: Annotated[str, Query(max_length=12)] = "",
    industries: Annotated[str, Query(max_length=200)] = "",
    mode: Mode = Mode.relocation,
) -> HTMLResponse:
    weights = _weights_from_query(request, mode)
    form = {"description": description, "name": name, "town": town, "employees": employees, "land_mu": land_mu,
            "industries": industries}
    result, problem = None, None
    if description.strip():
        codes = [c.strip().upper() for c in industries.replace("，", ",").replace(";", ",").split(",") if c.strip()]
        try:
            body = ProspectRequest(description=description.strip(), name=name.strip() or None, town=town or None,
                                   employees=int(employees) if employees.strip() else None,
                                   land_mu=float(land_mu) if land_mu.strip() else None, industries=codes or None,
                                   mode=mode, weights=weights, include_excluded=True)
            result = ranking.match(service=service, body=body)
        except ValueError as exc:  # int()/float() on a typed field, or a ValidationError
            problem = _problem_text(exc, lang)
        except ServiceError as exc:
            problem = pick(exc.message, lang)
    if result is not None and not industries.strip():
        form["industries"] = ", ".join(i.code for i in result.industries)
    return page(request, "prospect.html", lang=lang, user=user, form=form, result=result, problem=problem, mode=mode,
                modes=_modes(lang), sliders=_sliders(mode, weights, lang),
                towns=catalog.list_towns(session=session), chart=factor_chart)


def _problem_text(exc: ValueError, lang: str) -> str:
    if isinstance(exc, ValidationError):
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        return pick(f"请检查：{fields} / please check: {fields}", lang)
    return pick("人数与用地须为数字 / employees and land must be numbers", lang)


@router.get("/ui/pipeline", response_class=HTMLResponse)
def pipeline_page(request: Request, session: DbSession, user: User, lang: Lang) -> HTMLResponse:
    items = feedback.pipeline(session=session)
    columns = [(s, [i for i in items if i.status == s]) for s in Status]
    return page(request, "pipeline.html", lang=lang, user=user, columns=columns)


@router.post("/ui/feedback")
def post_feedback(
    request: Request, session: DbSession, user: User,
    firm_id: Annotated[int, Form(ge=1, le=MAX_ID)], park_id: Annotated[int, Form(ge=1, le=MAX_ID)], status: Annotated[Status, Form()],
    note: Annotated[str, Form(max_length=2000)] = "", csrf: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/pipeline",
) -> Response:
    if not ui_session.csrf_ok(secret=_secret(request), value=request.cookies.get(ui_session.COOKIE), token=csrf):
        return error_page(request, 403, "表单已过期，请刷新页面后重试 / the form expired, reload the page and retry")
    if not user.allows(Role.editor):
        return error_page(request, 403, "需要编辑者权限 / needs the editor role")
    body = FeedbackCreate(firm_id=firm_id, park_id=park_id, status=status, note=note)
    row = feedback.record(session=session, body=body, actor=user.name)
    audit(session=session, actor=user, action="create", entity="feedback", entity_id=row.id,
          after=body.model_dump(mode="json"), note="ui")
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/ui/briefs")
def download_brief(
    request: Request, session: DbSession, user: User, service: MatchServiceDep,
    firm_id: Annotated[int, Query(ge=1, le=MAX_ID)], park_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    format: BriefFormat = BriefFormat.docx, lang: BriefLang = BriefLang.zh, mode: Mode = Mode.relocation,
) -> Response:
    started = time.perf_counter()
    brief = briefs.make_brief(session=session, engine=service, firm_id=firm_id, park_id=park_id,
                              fmt=format, lang=lang, mode=mode)
    return briefs.as_response(brief, elapsed_s=time.perf_counter() - started)
