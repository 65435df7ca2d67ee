"""Admin screens: API keys (create, shown once; list; revoke) and the audit log (filter, CSV export)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.auth import service as auth
from service.auth.service import ROLE_ZH, Role
from service.database import on_commit
from service.deps import DbSession, KeyId
from service.i18n import pick
from service.ui import tables
from service.ui.deps import AdminUser, Lang, csrf_ok, forget_cached_keys
from service.ui.rendering import ROLE_EN, UiRoute, error_page, page

router = APIRouter(route_class=UiRoute)
EXPIRED = "表单已过期，请刷新页面后重试 / the form expired, reload the page and retry"
AUDIT_ROWS = 500  # the page and the export show at most this many entries, newest first


def _keys_page(request: Request, session: DbSession, user: AdminUser, lang: str, *, created: Any = None,
               secret: str | None = None, problem: str | None = None, status: int = 200) -> HTMLResponse:
    roles = [(r.value, ROLE_EN[r] if lang == "en" else ROLE_ZH[r]) for r in Role]
    # The page that shows a new secret must not be stored by the browser or any cache on the way.
    return page(request, "keys.html", lang=lang, user=user, keys=auth.list_keys(session=session), roles=roles,
                created=created, secret=secret, problem=problem, status=status,
                headers={"Cache-Control": "no-store"})


@router.get("/ui/admin/keys", response_class=HTMLResponse)
def keys_page(request: Request, session: DbSession, user: AdminUser, lang: Lang) -> HTMLResponse:
    return _keys_page(request, session, user, lang)


@router.post("/ui/admin/keys", response_class=HTMLResponse)
def create_key(request: Request, session: DbSession, user: AdminUser, lang: Lang,
               name: Annotated[str, Form(max_length=100)] = "", role: Annotated[str, Form(max_length=16)] = "viewer",
               csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, 403, EXPIRED)
    if not name.strip() or role not in Role.__members__:
        return _keys_page(request, session, user, lang, status=422,
                          problem=pick("请填写使用人并选择角色 / enter a holder and choose a role", lang))
    row, secret = auth.create_key(session=session, name=name.strip(), role=Role(role))
    auth.audit(session=session, actor=user, action="create", entity="api_key", entity_id=row.id,
               after={"name": row.name, "role": row.role, "prefix": row.prefix}, note="ui")
    return _keys_page(request, session, user, lang, created=row, secret=secret)


@router.post("/ui/admin/keys/{key_id}/revoke")
def revoke_key(request: Request, session: DbSession, user: AdminUser, key_id: KeyId,
               csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, 403, EXPIRED)
    if key_id == user.key_id:
        return error_page(request, 409, "不能撤销当前登录使用的密钥 / you cannot revoke the key you are signed in with")
    auth.revoke(session=session, key_id=key_id)
    auth.audit(session=session, actor=user, action="revoke", entity="api_key", entity_id=key_id, note="ui")
    # The cache is cleared once the revocation is committed (before the response is sent), so no request in this
    # process can cache the key again.
    on_commit(session, lambda: forget_cached_keys(request))
    return RedirectResponse("/ui/admin/keys", status_code=303)


# ---- audit log -----------------------------------------------------------------------------------------

def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _audit_query(session: DbSession, actor: str, action: str, entity: str, since: str,
                 until: str) -> tuple[list[Any], dict[str, str]]:
    problems = {}
    start, end = _day(since), _day(until)
    if since and start is None:
        problems["since"] = f"日期应为 YYYY-MM-DD：{since} / date must be YYYY-MM-DD: {since}"
    if until and end is None:
        problems["until"] = f"日期应为 YYYY-MM-DD：{until} / date must be YYYY-MM-DD: {until}"
    if start and end and end < start:
        problems["until"] = "结束日期早于开始日期 / the end date is before the start date"
    if problems:
        return [], problems
    rows = auth.list_audit(
        session=session, actor=actor.strip() or None, action=action or None, entity=entity or None,
        since=dt.datetime.combine(start, dt.time(), dt.UTC) if start else None,
        # The end day is included: entries before the next midnight (UTC).
        until=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC) if end else None,
        limit=AUDIT_ROWS)
    return list(rows), problems


AuditText = Annotated[str, Query(max_length=100)]
AuditDay = Annotated[str, Query(max_length=10)]


@router.get("/ui/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: DbSession, user: AdminUser, lang: Lang, actor: AuditText = "",
               action: AuditText = "", entity: AuditText = "", since: AuditDay = "",
               until: AuditDay = "") -> HTMLResponse:
    rows, problems = _audit_query(session, actor, action, entity, since, until)
    actions, entities = auth.audit_choices(session=session)
    query = request.url.query
    return page(request, "audit.html", lang=lang, user=user, rows=rows, actions=actions, entities=entities,
                form={"actor": actor, "action": action, "entity": entity, "since": since, "until": until},
                problems={k: pick(v, lang) for k, v in problems.items()}, limit=AUDIT_ROWS,
                export_query="&".join(p for p in query.split("&") if p and not p.startswith("lang=")),
                summary=_summary, status=422 if problems else 200)


def _summary(data: dict[str, Any] | None) -> str:
    return "" if not data else json.dumps(data, ensure_ascii=False, sort_keys=True)[:300]


@router.get("/ui/admin/audit.csv")
def audit_export(session: DbSession, user: AdminUser, actor: AuditText = "", action: AuditText = "",
                 entity: AuditText = "", since: AuditDay = "", until: AuditDay = "") -> Response:
    rows, problems = _audit_query(session, actor, action, entity, since, until)
    header = ["编号 Id", "时间 Time (UTC)", "操作人 Actor", "操作 Action", "对象 Entity", "对象编号 Entity id",
              "条数 Count", "说明 Note", "之前 Before", "之后 After"]
    out = [[r.id, r.at.strftime("%Y-%m-%d %H:%M:%S") if r.at else "", r.actor, r.action, r.entity, r.entity_id or "",
            r.count, r.note or "", _summary(r.before), _summary(r.after)] for r in rows]
    return tables.download(header, out, fmt="csv", filename="audit.csv", sheet="审计 Audit")
