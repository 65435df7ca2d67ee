"""Page rendering: the Jinja environment, page() and error_page(), the UI route class and security headers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from service.auth.service import ROLE_ZH, Principal, Role
from service.errors import ServiceError
from service.feedback.schemas import Status
from service.i18n import pick
from service.ui import charts
from service.ui.deps import RoleRequired, SignInRequired, csrf_for, secure_cookies
from service.ui.i18n import LANG_COOKIE, kind_name, status_label, ui_lang

HERE = Path(__file__).parent
# Pages load nothing from elsewhere and run no inline script, so the policy can be this strict.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
ROLE_EN = {Role.viewer: "viewer", Role.editor: "editor", Role.admin: "admin"}

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)


def _switch_url(request: Request, lang: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
    return request.url.path + "?" + urlencode(params)


def base_context(request: Request, lang: str, user: Principal | None) -> dict[str, Any]:
    """What every template may use: language, user, role, the form token, labels."""

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return {
        "lang": lang, "t": t, "user": user, "request": request,
        "role_label": (t(ROLE_ZH[user.role], ROLE_EN[user.role]) if user else ""),
        "can_edit": bool(user and user.allows(Role.editor)),
        "is_admin": bool(user and user.allows(Role.admin)),
        "csrf": csrf_for(request) if user else "",
        "switch_url": _switch_url(request, "en" if lang == "zh" else "zh"),
        "path": request.url.path,
        "status_label": lambda s: status_label(Status(s), lang),
        "kind_name": lambda kind: kind_name(kind, lang),
        "score_bar": charts.score_bar,
    }


def page(request: Request, template: str, *, lang: str, user: Principal | None, status: int = 200,
         headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Render a template with the shared context; remember an explicit ?lang= in a cookie."""
    html = env.get_template(template).render(**base_context(request, lang, user), **context)
    response = HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax",
                            secure=secure_cookies(request))
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An error as a page with the way back (the start page, the previous page)."""
    lang = ui_lang(request)
    html = env.get_template("error.html").render(**base_context(request, lang, None), status=status,
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
            except RoleRequired as exc:
                needed = ROLE_ZH[exc.role]
                return error_page(request, 403, f"需要{needed}权限 / needs the {ROLE_EN[exc.role]} role")
            except ServiceError as exc:
                return error_page(request, exc.status_code, exc.message)
            except (RequestValidationError, ValidationError) as exc:  # a form field, or a model built from one
                fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}))
                return error_page(request, 422, f"参数无效：{fields} / invalid parameters: {fields}")

        return wrapped
