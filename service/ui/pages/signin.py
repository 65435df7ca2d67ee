"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.auth.service import authenticate, hash_key
from service.deps import DbSession
from service.i18n import pick
from service.ui import session as ui_session
from service.ui.deps import Lang, csrf_ok, failed_attempts, session_secret
from service.ui.rendering import UiRoute, page

router = APIRouter(route_class=UiRoute)


def safe_next(target: str | None) -> str:
    """Only follow local UI paths after sign-in, never another site."""
    if target and target.startswith("/ui") and not target.startswith("//"):
        return target
    return "/ui/"


@router.get("/", response_class=RedirectResponse)
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui/signin", response_class=HTMLResponse)
def signin_form(request: Request, lang: Lang, next: str | None = None) -> HTMLResponse:
    return page(request, "signin.html", lang=lang, user=None, next=safe_next(next), failed=False)


@router.post("/ui/signin", response_class=HTMLResponse)
def signin(request: Request, session: DbSession, lang: Lang, key: Annotated[str, Form(max_length=200)] = "",
           next: Annotated[str, Form(max_length=2000)] = "/ui/") -> Response:
    attempts = failed_attempts(request)
    client = request.client.host if request.client else "unknown"
    wait = attempts.blocked_for(client)
    if wait > 0:
        return page(request, "signin.html", lang=lang, user=None, next=safe_next(next), failed=True, status=429,
                    message=pick(f"失败次数过多，请 {wait:.0f} 秒后再试 / too many failed attempts, retry in {wait:.0f} s",
                                 lang))
    principal = authenticate(session=session, secret=key.strip()) if key.strip() else None
    if principal is None:
        attempts.record(client)
        return page(request, "signin.html", lang=lang, user=None, next=safe_next(next), failed=True, status=401,
                    message=pick("API 密钥无效或已撤销 / the API key is invalid or revoked", lang))
    value = ui_session.sign(secret=session_secret(request), key_id=principal.key_id, key_hash=hash_key(key.strip()))
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(ui_session.COOKIE, value, max_age=ui_session.SESSION_TTL_S, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/ui/signout")
def signout(request: Request, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    # Signing out needs the form token too, so another site cannot sign staff out by posting here.
    cookie = request.cookies.get(ui_session.COOKIE)
    response = RedirectResponse("/ui/signin", status_code=303)
    if csrf_ok(request, csrf) or cookie is None:
        response.delete_cookie(ui_session.COOKIE, path="/")
    return response
