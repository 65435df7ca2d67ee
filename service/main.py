"""create_app(): the FastAPI application; lifespan builds heavy objects once."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import warnings
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field
from pydantic.warnings import UnsupportedFieldAttributeWarning
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from threadpoolctl import threadpool_limits

from service import __doc__ as service_doc
from service.auth.guard import FailedAttempts, KeyCache
from service.auth.router import audit_router
from service.auth.router import router as keys_router
from service.batch.router import router as batch_router
from service.briefs.router import router as briefs_router
from service.catalog.router import router as catalog_router
from service.changes import Changed
from service.config import Settings, get_settings
from service.database import make_engine, make_session_factory
from service.destinations.router import router as destinations_router
from service.errors import Problem, ServiceError, bilingual
from service.events import subscribe
from service.feedback.router import router as feedback_router
from service.firms.router import import_router
from service.firms.router import router as firms_router
from service.i18n import language, pick
from service.logs import configure, log
from service.matching.router import router as matching_router
from service.matching.service import service_from_settings
from service.migrate import upgrade
from service.parks.router import router as parks_router
from service.schema import build_all
from service.ui.router import router as ui_router

VERSION = "0.1.0"
ERROR_RESPONSES = {
    401: "缺少或无效的 API 密钥 / API key missing or invalid",
    403: "角色权限不足 / the key's role does not allow this",
    404: "不存在 / not found",
    409: "与现有数据冲突 / conflicts with existing data",
    413: "请求体过大 / request body too large",
    422: "参数或数据无效 / invalid parameters or data",
    429: "失败尝试过多 / too many failed key attempts",
    503: "数据库忙或不可用 / database busy or unavailable",
}
JSON_BODY_LIMIT = 1_000_000  # bytes; uploads have their own, larger limit
STATIC = Path(__file__).parent / "ui" / "static"
# The API docs' scripts and styles, vendored from the npm registry (see static/vendor/README.md), so /docs and
# /redoc work without a network; a fixed table, so no request path ever reaches the file system.
DOCS_ASSETS = {
    "swagger-ui-bundle.js": ("vendor/swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("vendor/swagger-ui/swagger-ui.css", "text/css; charset=utf-8"),
    "redoc.standalone.js": ("vendor/redoc/redoc.standalone.js", "text/javascript; charset=utf-8"),
}


class Health(BaseModel):
    status: str = Field(examples=["ok"], description="ok 或 degraded / ok or degraded")
    version: str = Field(examples=[VERSION])
    database: str = Field(examples=["ok"], description="数据库状态 / Database status")
    process: int = Field(examples=[4242], description="应答的服务进程号（区分多个工作进程）/ "
                         "Id of the server process that answered (tells worker processes apart)")


class ErrorBody(BaseModel):
    error: str = Field(description="错误代码 / Error code", examples=["not_found"])
    detail: str = Field(description="说明 / Human-readable message", examples=["园区 99 不存在"])
    problems: list[Problem] = Field(default_factory=list, description="逐项问题 / Itemised problems")


def _error(request: Request, status: int, code: str, message: str, problems: list[Problem] | None = None) -> JSONResponse:
    lang = language(request.headers.get("accept-language"))
    body: dict[str, Any] = {"error": code, "detail": pick(message, lang)}
    if problems:
        body["problems"] = [p.model_copy(update={"message": pick(p.message, lang)}).model_dump() for p in problems]
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return _error(request, exc.status_code, exc.code, exc.message, exc.problems)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            field = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
            problems.append(Problem(column=field, message=bilingual(err)))
        fields = ", ".join(sorted({p.column or "" for p in problems}))
        return _error(request, 422, "validation_error", f"参数无效：{fields} / invalid parameters: {fields}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {400: "请求体无法解析（格式错误或嵌套过深）/ the request body could not be parsed (malformed or nested too deeply)",
                    404: "未找到 / not found", 405: "不支持该方法 / method not allowed",
                    401: "需要身份验证 / authentication required", 403: "权限不足 / forbidden"}
        code = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) and " / " in exc.detail else messages.get(
            exc.status_code, str(exc.detail))
        # FastAPI answers 400 for a body it cannot decode (bad UTF-8, nesting past the parser's limit) but 422
        # for malformed JSON; both are the same client error, documented as 422.
        status = 422 if exc.status_code == 400 else exc.status_code
        response = _error(request, status, code, detail)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            # Every method the path answers to, as RFC 9110 asks: Starlette lists only the first route that
            # matched the path, and GET and POST /firms are two routes.
            response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> JSONResponse:
        # The last line of defence for values a database refuses (e.g. a NUL inside a JSON string).
        log.warning("data_refused_by_database", error=type(exc.orig).__name__)
        return _error(request, 422, "invalid_data", "数据库拒收该数据（含非法字符或超出范围）/ "
                      "the database refused the data (an invalid character or a value out of range)")

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check for duplicates first; two identical writes at the same moment both pass that check,
        # and the database's unique constraint refuses the second. That is the caller's conflict, not a fault.
        if _is_unique_violation(exc):
            log.info("duplicate_refused_by_database")
            return _error(request, 409, "conflict", "与现有数据重复（可能同时提交了两次）/ "
                          "duplicates existing data (perhaps submitted twice at once)")
        log.warning("constraint_refused_by_database", error=type(exc.orig).__name__)
        return _error(request, 422, "invalid_data", "数据库拒收该数据（缺少必填项或引用不存在）/ "
                      "the database refused the data (a required value is missing or a reference does not exist)")

    @app.exception_handler(OperationalError)
    async def database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database_unavailable", error=str(exc.orig))
        response = _error(request, 503, "database_unavailable",
                          "数据库暂时不可用，请稍后重试 / the database is busy or unavailable, retry shortly")
        response.headers["Retry-After"] = "2"
        return response


def _allowed_methods(request: Request) -> list[str]:
    """The methods of every route whose full path matches the request's (included routers expanded)."""
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        route = context.original_route
        pattern, _, _ = compile_path(str(context.path))
        if isinstance(route, APIRoute | Route) and pattern.match(request.url.path):
            methods |= set(route.methods or ())
    return sorted(methods)


def _is_unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a duplicate (PostgreSQL 23505, SQLite "UNIQUE constraint failed")."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


class BodyLimit:
    """ASGI middleware refusing request bodies over the limit with 413, by Content-Length and by bytes read.

    Plain ASGI rather than BaseHTTPMiddleware: it adds no task or thread hop to every request.
    """

    def __init__(self, app: ASGIApp, *, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            # A NUL reaches no database: SQLite cuts strings at it and PostgreSQL refuses it.
            await self._refuse(scope, receive, send, 422, "invalid_character",
                               "参数含有空字符（NUL）/ a parameter contains a NUL character")
            return
        limit = self.upload_limit if scope["path"].startswith(("/api/v1/import", "/ui/import")) else self.json_limit
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if length.isdigit() and int(length) > limit:
                await self._too_large(scope, receive, send, limit)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read up to the limit here, then hand the app the buffered body.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
        response = _error(Request(scope, receive), status, code, message)
        await response(scope, receive, send)

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        request = Request(scope, receive)
        response = _error(request, 413, "payload_too_large",
                          f"请求体过大，上限 {limit // 1000} KB / request body too large, limit {limit // 1000} KB")
        await response(scope, receive, send)


def install_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc, their assets and the favicon from the package, with no external URL."""
    title = f"{app.title} API"
    openapi_url = app.openapi_url or "/openapi.json"
    favicon = "/favicon.ico"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=title, oauth2_redirect_url="/docs/oauth2-redirect",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css", swagger_favicon_url=favicon)

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=title, redoc_js_url="/docs-assets/redoc.standalone.js",
                              redoc_favicon_url=favicon, with_google_fonts=False)

    @app.get("/docs-assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        if name not in DOCS_ASSETS:
            raise StarletteHTTPException(404)
        path, media_type = DOCS_ASSETS[name]
        return FileResponse(STATIC / path, media_type=media_type, headers={"Cache-Control": "max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon_ico() -> Response:
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})

    @app.get("/favicon.svg", include_in_schema=False)
    def favicon_svg() -> Response:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml",
                            headers={"Cache-Control": "max-age=86400"})


GC_FREEZE_SECONDS = 30.0


async def _freeze_periodically() -> None:
    """Move what has survived so far out of the collector's walk, every GC_FREEZE_SECONDS."""
    while True:
        await asyncio.sleep(GC_FREEZE_SECONDS)
        gc.freeze()


class ParkMatchAPI(FastAPI):
    """FastAPI, with the OpenAPI document built without pydantic's warning about FastAPI's own field aliases.

    FastAPI wraps each parameter's model in a field that carries the parameter's name as its alias, and silences
    pydantic's "alias has no effect here" warning while it makes that field. For a model built on first use
    (service/schema.py) the field's schema is built later, when the document is first written, and the warning
    escapes. FastAPI reads the alias itself: the document and every request are as with models built on import
    (tests/service/test_schema.py). The warning is silenced for that build alone, as FastAPI does for its own.
    """

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is not None:
            return self.openapi_schema
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UnsupportedFieldAttributeWarning,
                                    message=r"The 'alias' attribute with value '\w+' was provided to the `Field\(\)`")
            return super().openapi()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given settings (read from the environment by default)."""
    settings = settings or get_settings()
    configure(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One BLAS thread per process: requests run side by side in threads and workers, and a second BLAS
        # thread per call only doubles CPU time for the same latency.
        threadpool_limits(1, "blas")
        build_all()  # the models are built on first use (service/schema.py): all of them before the first request
        app.openapi()  # and FastAPI's field around each, which the document builds; no request builds a schema
        engine = make_engine(settings.database_url)
        upgrade(engine)  # idempotent; a server never runs on an out-of-date schema
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        if getattr(app.state, "match_service", None) is None and settings.engine_at_startup:
            app.state.match_service = service_from_settings(settings, app.state.session_factory)
            # The service is a few hundred thousand long-lived objects (graph, arrays, memos). Left in the
            # collected generations, every full collection walks them all: about 100 ms, landing on whichever
            # request happens to trigger it. Frozen, they are skipped; the freezer below does the same for
            # memo entries as they accumulate (trees of models without cycles, freed by reference counting).
            gc.collect()
            gc.freeze()

        # The one place connecting change events to the ranking: this process's commits reach the matching
        # service at once; other processes' commits reach it through the change log it follows.
        def on_change(changes: Sequence[Changed]) -> None:
            service = getattr(app.state, "match_service", None)
            if service is not None:
                service.on_change(changes)

        unsubscribe = subscribe(on_change, engine=engine)
        freezer = asyncio.create_task(_freeze_periodically())
        log.info("started", database=engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            freezer.cancel()
            # What was frozen is never collected: hand it back to the collector, so an app stopped inside a
            # longer-lived process (tests, reloads) leaves no frozen cycles behind.
            gc.unfreeze()
            unsubscribe()
            service = getattr(app.state, "match_service", None)
            if service is not None:
                service.close()
            engine.dispose()

    app = ParkMatchAPI(
        title="ParkMatch 园区匹配",
        version=VERSION,
        description=(service_doc or "") + "\n\n中山企业与六盘水产业园区的匹配、推荐与洽谈简报。"
        " / Matching Zhongshan firms to Liupanshui industrial parks, with reasons and negotiation briefs.",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from vendored assets instead of a CDN
        redoc_url=None,
    )
    install_docs(app)
    app.state.settings = settings
    app.state.failed_attempts = FailedAttempts(limit=settings.auth_max_failures)
    app.state.key_cache = KeyCache(settings.key_cache_seconds)
    app.state.engine_lock = threading.Lock()
    install_error_handlers(app)
    app.add_middleware(BodyLimit, json_limit=JSON_BODY_LIMIT,
                       upload_limit=int(settings.max_import_mb * 1_000_000) + 65_536)

    @app.get("/health", response_model=Health, tags=["health 状态"], summary="服务状态 / Service health")
    def health(request: Request) -> Health:
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            database = "ok"
        except OperationalError:
            database = "unavailable"
        return Health(status="ok" if database == "ok" else "degraded", version=VERSION, database=database,
                      process=os.getpid())

    api = APIRouter(prefix="/api/v1", responses={code: {"model": ErrorBody, "description": text}
                                                for code, text in ERROR_RESPONSES.items()})
    # Routes are tried in order: the busiest (rankings, briefs) first, so they are found after the fewest tests.
    api.include_router(matching_router)
    api.include_router(batch_router)
    api.include_router(briefs_router)
    api.include_router(firms_router)
    api.include_router(parks_router)
    api.include_router(destinations_router)
    api.include_router(catalog_router)
    api.include_router(import_router)
    api.include_router(feedback_router)
    api.include_router(keys_router)
    api.include_router(audit_router)
    app.include_router(api)
    app.include_router(ui_router)
    return app
