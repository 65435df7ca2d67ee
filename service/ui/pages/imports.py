"""The import screen: template download, upload, a dry-run check with per-row problems, then commit."""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.auth.service import audit
from service.catalog.service import lookup
from service.deps import DbSession
from service.errors import ImportRejected, Problem
from service.firms import columns as cols
from service.firms import importer
from service.firms.models import Firm
from service.firms.schemas import FirmCreate
from service.ui import jobs
from service.ui.deps import EditorUser, Lang, csrf_ok, max_import_bytes, session_factory
from service.ui.jobs import PHASE_EN, PHASE_ZH, Job, Phase
from service.ui.rendering import UiRoute, error_page, page
from service.ui.tables import XLSX

router = APIRouter(route_class=UiRoute)

# The application refuses bodies over 1 MB on every path but /api/v1/import (service/main.py, BodyLimit), so
# the screen says so instead of letting a larger upload end on a bare 413.
UI_UPLOAD_LIMIT = 1_000_000 - 65_536
PREVIEW_ROWS = 200
# The job travels as a query or form value, not in the path, so every import URL is a fixed path.
JOB_PATTERN = r"^[A-Za-z0-9_-]{8,40}$"
JobQuery = Annotated[str, Query(max_length=40, pattern=r"^([A-Za-z0-9_-]{8,40})?$")]


def _limit(request: Request) -> int:
    return min(max_import_bytes(request), UI_UPLOAD_LIMIT)


@router.get("/ui/import", response_class=HTMLResponse)
def import_page(request: Request, session: DbSession, user: EditorUser, lang: Lang, job: JobQuery = "") -> HTMLResponse:
    if not job:
        return page(request, "import.html", lang=lang, user=user, job=None, columns=cols.COLUMNS,
                    required=importer.REQUIRED, limit_mb=_limit(request) / 1e6)
    found = jobs.get(session=session, token=job, key_id=user.key_id)
    if found is None:
        return error_page(request, 404, "导入任务不存在或已过期，请重新上传 / no such import (it may have expired); upload again")
    return page(request, "import.html", lang=lang, user=user, job=found, columns=cols.COLUMNS,
                required=importer.REQUIRED, limit_mb=_limit(request) / 1e6,
                phase_label=(PHASE_EN if lang == "en" else PHASE_ZH)[found.phase],
                headers={"Cache-Control": "no-store"})


@router.get("/ui/import/template.{fmt}")
def import_template(request: Request, user: EditorUser, lang: Lang, fmt: str) -> Response:
    """An empty firm file with the import's own columns: XLSX (with a help sheet) or CSV in GBK for Excel."""
    header = cols.header_row("en" if lang == "en" else "zh")
    if fmt == "csv":
        data = (",".join(header) + "\r\n").encode("gbk")
        return Response(data, media_type="text/csv; charset=gbk",
                        headers={"Content-Disposition": 'attachment; filename="firms-template-gbk.csv"'})
    if fmt != "xlsx":
        return error_page(request, 404, "未找到 / not found")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "企业 Firms"
    sheet.append(header)
    help_sheet = book.create_sheet("说明 Help")
    help_sheet.append(["列 Column", "键 Key", "必填 Required", "说明", "Help"])
    for c in cols.COLUMNS:
        help_sheet.append([f"{c.zh} / {c.en}", c.key, "是 yes" if c.key in importer.REQUIRED else "",
                           c.help_zh, c.help_en])
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="firms-template.xlsx"'})


def _check(token: str, name: str, data: bytes, factory: sessionmaker[Session], max_bytes: int) -> None:
    """Read and check every row without writing; record what a commit would create or update."""
    jobs.set_state(factory=factory, token=token, phase=Phase.reading)
    try:
        table = importer.READERS[importer.detect_format(name, data)](data, name)
        jobs.set_state(factory=factory, token=token, phase=Phase.checking, rows=len(table.rows))
        with factory() as session:
            firms, checked = importer.parse(data, name, lookup(session=session), max_bytes=max_bytes)
            codes = set(session.scalars(select(Firm.credit_code).where(Firm.credit_code.is_not(None))))
            names = {(n, t) for n, t in session.execute(select(Firm.name_zh, Firm.town_code))}
            session.rollback()
    except ImportRejected as exc:
        jobs.set_state(factory=factory, token=token, phase=Phase.failed, message=exc.message, result={
            "problems": _problems(exc.problems), "firms": [], "creates": 0, "updates": 0, "ignored": []})
        return
    rows = [(row_no, firm, "update" if (firm.credit_code in codes or (firm.name_zh, firm.town) in names) else "new")
            for row_no, firm in firms]
    result = {
        "problems": _problems(sorted(checked.problems, key=lambda p: (p.row or 0, p.column or ""))),
        "firms": [[row_no, _preview(firm), what] for row_no, firm, what in rows[:PREVIEW_ROWS]], "valid": len(rows),
        "creates": sum(1 for r in rows if r[2] == "new"), "updates": sum(1 for r in rows if r[2] == "update"),
        "ignored": checked.ignored,
    }
    jobs.set_state(factory=factory, token=token, phase=Phase.ready, result=result)


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [p.model_dump(mode="json") for p in problems]


def _preview(firm: FirmCreate) -> dict[str, Any]:
    """The columns the preview table shows (contacts stay out of the stored preview)."""
    return {"name_zh": firm.name_zh, "town": firm.town, "industries": list(firm.industries),
            "employees": firm.employees}


@router.post("/ui/import", response_class=HTMLResponse)
def upload(request: Request, user: EditorUser, lang: Lang, file: UploadFile,
           csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, 403, "表单已过期，请刷新页面后重试 / the form expired, reload the page and retry")
    limit = _limit(request)
    data = file.file.read(limit + 1)
    if len(data) > limit:
        return error_page(request, 413, f"文件过大，网页上传上限 {limit / 1e6:.1f} MB，更大的文件请用 API 或命令行导入"
                                        f" / file too large: the web upload takes up to {limit / 1e6:.1f} MB;"
                                        " import larger files through the API or the command line")
    name = importer.safe_name(file.filename or "upload")
    factory, max_bytes = session_factory(request), max_import_bytes(request)
    token = jobs.start(factory=factory, key_id=user.key_id, filename=name, data=data,
                       work=lambda t: _check(t, name, data, factory, max_bytes))
    return RedirectResponse(f"/ui/import?job={token}", status_code=303)


@router.get("/ui/import/status")
def job_status(session: DbSession, user: EditorUser, job: JobQuery = "") -> Response:
    """The phase as JSON, for the page's progress bar."""
    found: Job | None = jobs.get(session=session, token=job, key_id=user.key_id) if job else None
    if found is None:
        return Response('{"phase": "missing"}', media_type="application/json", status_code=404)
    body = {"phase": found.phase.value, "percent": found.percent, "rows": found.rows, "done": found.done,
            "label_zh": PHASE_ZH[found.phase], "label_en": PHASE_EN[found.phase]}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


@router.post("/ui/import/commit", response_class=HTMLResponse)
def commit(request: Request, session: DbSession, user: EditorUser, lang: Lang,
           job_token: Annotated[str, Form(alias="job", pattern=JOB_PATTERN)],
           csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, 403, "表单已过期，请刷新页面后重试 / the form expired, reload the page and retry")
    job = jobs.get(session=session, token=job_token, key_id=user.key_id)
    not_ready = "该文件尚未通过检查，不能导入 / this file has not passed the check; nothing imported"
    if job is None or job.phase != Phase.ready or not job.result or job.result["problems"]:
        return error_page(request, 409, not_ready)
    if not jobs.claim_for_commit(session=session, token=job.token, key_id=user.key_id):
        return error_page(request, 409, not_ready)  # committed meanwhile, by another tab or worker
    # import_firms checks every row again: the database may have changed since the preview.
    report = importer.import_firms(session=session, data=jobs.data(session=session, token=job.token),
                                   filename=job.filename, max_bytes=max_import_bytes(request))
    audit(session=session, actor=user, action="import", entity="firm", note=f"ui: {job.filename}", count=report.rows,
          after={"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
    jobs.finish_commit(session=session, token=job.token, report=report.model_dump(mode="json"))
    return RedirectResponse(f"/ui/import?job={job.token}", status_code=303)
