"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.auth.guard import attempt_pair, refuse
from service.auth.service import authenticate, hash_key
from service.deps import DbSession
from service.i18n import pick
from service.ui import session as ui_session
from service.ui.deps import Lang, csrf_ok, failed_attempts, secure_cookies, session_secret
from service.ui.rendering import UiRoute, error_page, page

router = APIRouter(route_class=UiRoute)


def safe_next(target: str | None) -> str:
    """Only follow local UI paths after sign-in, never another site."""
    if target and target.startswith("/ui") and not target.startswith("//"):
        return target
    return "/ui/"


@router.get("/", response_class=RedirectResponse)
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


def _signin_page(request: Request, lang: str, next: str | None, *, status: int = 200, message: str = "") -> HTMLResponse:
    """The sign-in form with its token, bound to the pre-session cookie (set here when missing)."""
    value = request.cookies.get(ui_session.SIGNIN_COOKIE) or ui_session.new_signin_value()
    response = page(request, "signin.html", lang=lang, user=None, next=safe_next(next), failed=bool(message),
                    message=message, status=status,
                    signin_csrf=ui_session.signin_token(secret=session_secret(request), value=value))
    response.set_cookie(ui_session.SIGNIN_COOKIE, value, max_age=ui_session.SIGNIN_TTL_S, httponly=True,
                        samesite="lax", secure=secure_cookies(request), path="/ui/signin")
    return response


@router.get("/ui/signin", response_class=HTMLResponse)
def signin_form(request: Request, lang: Lang, next: str | None = None) -> HTMLResponse:
    return _signin_page(request, lang, next)


@router.post("/ui/signin", response_class=HTMLResponse)
def signin(request: Request, session: DbSession, lang: Lang, key: Annotated[str, Form(max_length=200)] = "",
           next: Annotated[str, Form(max_length=2000)] = "/ui/",
           csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    if not ui_session.signin_ok(secret=session_secret(request), value=request.cookies.get(ui_session.SIGNIN_COOKIE),
                                token=csrf):
        return error_page(request, 403, "登录表单已过期或来自其他网站，请重新打开登录页 / "
                                        "the sign-in form expired or came from another site; open the sign-in page again")
    key = key.strip()
    principal = authenticate(session=session, secret=key) if key else None
    if principal is None:
        # A valid key is never refused; only failures count, per key prefix and address (see FailedAttempts).
        error = refuse(failed_attempts(request), attempt_pair(key, request.client.host if request.client else "unknown"))
        return _signin_page(request, lang, next, status=error.status_code, message=pick(error.message, lang))
    value = ui_session.sign(secret=session_secret(request), key_id=principal.key_id, key_hash=hash_key(key))
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(ui_session.COOKIE, value, max_age=ui_session.SESSION_TTL_S, httponly=True, samesite="lax",
                        secure=secure_cookies(request), path="/")
    response.delete_cookie(ui_session.SIGNIN_COOKIE, path="/ui/signin", secure=secure_cookies(request), httponly=True,
                           samesite="lax")
    return response


@router.post("/ui/signout")
def signout(request: Request, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    # Signing out needs the form token too, so another site cannot sign staff out by posting here.
    cookie = request.cookies.get(ui_session.COOKIE)
    response = RedirectResponse("/ui/signin", status_code=303)
    if csrf_ok(request, csrf) or cookie is None:
        response.delete_cookie(ui_session.COOKIE, path="/", secure=secure_cookies(request), httponly=True,
                               samesite="lax")
    return response
