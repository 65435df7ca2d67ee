"""UI dependencies: the signed-in user, the page language, form tokens; the only ui module that reads app.state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from service.auth.guard import FailedAttempts
from service.auth.service import Principal, Role
from service.deps import DbSession
from service.ui import session as ui_session
from service.ui.i18n import ui_lang


class SignInRequired(Exception):
    """The page needs a signed-in user; the route class turns this into a redirect to the sign-in page."""


class RoleRequired(Exception):
    """The signed-in user's role does not allow the page; the route class renders a 403 page."""

    def __init__(self, role: Role) -> None:
        super().__init__(role.value)
        self.role = role


def session_secret(request: Request) -> bytes:
    """The signing secret, read from var/ once per application."""
    state = request.app.state
    secret: bytes | None = getattr(state, "ui_session_secret", None)
    if secret is None:
        secret = ui_session.load_secret(Path(state.settings.var_dir))
        state.ui_session_secret = secret
    return secret


def current_user(request: Request, session: DbSession) -> Principal:
    principal = ui_session.verify(session=session, secret=session_secret(request),
                                  value=request.cookies.get(ui_session.COOKIE))
    if principal is None:
        raise SignInRequired
    return principal


def editor_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    if not user.allows(Role.editor):
        raise RoleRequired(Role.editor)
    return user


def admin_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    if not user.allows(Role.admin):
        raise RoleRequired(Role.admin)
    return user


def page_lang(request: Request) -> str:
    return ui_lang(request)


User = Annotated[Principal, Depends(current_user)]
EditorUser = Annotated[Principal, Depends(editor_user)]
AdminUser = Annotated[Principal, Depends(admin_user)]
Lang = Annotated[str, Depends(page_lang)]


def csrf_for(request: Request) -> str:
    """The form token of the current session cookie ("" when signed out)."""
    cookie = request.cookies.get(ui_session.COOKIE)
    return ui_session.csrf_token(secret=session_secret(request), value=cookie) if cookie else ""


def csrf_ok(request: Request, token: str) -> bool:
    """True when a posted form token belongs to this session."""
    return ui_session.csrf_ok(secret=session_secret(request), value=request.cookies.get(ui_session.COOKIE),
                              token=token)


def failed_attempts(request: Request) -> FailedAttempts:
    attempts: FailedAttempts = request.app.state.failed_attempts
    return attempts


def forget_cached_keys(request: Request) -> None:
    """Drop the API's key cache, so a revoked key stops working at once in this process."""
    request.app.state.key_cache.clear()


def session_factory(request: Request) -> sessionmaker[Session]:
    """The application's session factory, for work that outlives the request (import checks)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def max_import_bytes(request: Request) -> int:
    return int(request.app.state.settings.max_import_mb * 1_000_000)


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure over HTTPS, and always when PARKMATCH_SECURE_COOKIES says TLS ends at a proxy."""
    return bool(request.app.state.settings.secure_cookies) or request.url.scheme == "https"
