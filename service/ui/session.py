"""Signed UI session cookies: key id and expiry, HMAC-bound to the key's hash so revoking the key ends them."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from sqlalchemy.orm import Session

from service.auth.models import ApiKey
from service.auth.service import Principal, Role
from service.logs import log

SECRET_FILE = "session.key"
SESSION_TTL_S = 8 * 3600  # one working day; staff sign in again the next morning
COOKIE = "parkmatch_session"
# Set when the sign-in form is shown; the form carries a token bound to it, so another site cannot post a
# key of its own choosing and sign a visitor in as someone else (login CSRF).
SIGNIN_COOKIE = "parkmatch_signin"
SIGNIN_TTL_S = 3600


def load_secret(var_dir: Path) -> bytes:
    """Read the server's signing secret, creating it (mode 600) on first use.

    When the folder cannot be written (a read-only deployment), sign-in still works with a secret held in
    memory: sessions then end when the process restarts and hold only in this process, which the log says."""
    path = var_dir / SECRET_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        return _memory_secret(path, exc)
    try:
        var_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when two workers start at once, one writes and the other reads what it wrote.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    except OSError as exc:
        return _memory_secret(path, exc)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def _memory_secret(path: Path, exc: OSError) -> bytes:
    log.warning("session_secret_not_saved", path=str(path), error=type(exc).__name__,
                hint="sessions last until restart and hold in this process only; make the var folder writable")
    return secrets.token_bytes(32)


def _mac(secret: bytes, key_id: int, expires: int, key_hash: str) -> str:
    message = f"{key_id}.{expires}.{key_hash}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign(*, secret: bytes, key_id: int, key_hash: str, now: float | None = None, ttl_s: int = SESSION_TTL_S) -> str:
    """Make a cookie value `id.expiry.mac`; the key itself never leaves the sign-in request."""
    expires = int((now if now is not None else time.time()) + ttl_s)
    return f"{key_id}.{expires}.{_mac(secret, key_id, expires, key_hash)}"


def verify(*, session: Session, secret: bytes, value: str | None, now: float | None = None) -> Principal | None:
    """Return who the cookie belongs to, or None when it is malformed, expired, forged or its key revoked."""
    if not value:
        return None
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    key_id, expires, mac = int(parts[0]), int(parts[1]), parts[2]
    if expires < (now if now is not None else time.time()):
        return None
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(mac, _mac(secret, key_id, expires, row.key_hash)):
        return None
    return Principal(key_id=row.id, name=row.name, role=Role(row.role))


def csrf_token(*, secret: bytes, value: str) -> str:
    """A per-session token for POST forms, derived from the cookie so nothing extra is stored."""
    return hmac.new(secret, b"csrf." + value.encode(), hashlib.sha256).hexdigest()[:32]


def csrf_ok(*, secret: bytes, value: str | None, token: str | None) -> bool:
    return bool(value and token) and hmac.compare_digest(csrf_token(secret=secret, value=value or ""), token or "")


def new_signin_value() -> str:
    """A random value for the pre-session cookie set with the sign-in form."""
    return secrets.token_urlsafe(24)


def signin_token(*, secret: bytes, value: str) -> str:
    """The sign-in form's token, bound to its pre-session cookie (and kept apart from session tokens)."""
    return csrf_token(secret=secret, value="signin:" + value)


def signin_ok(*, secret: bytes, value: str | None, token: str | None) -> bool:
    return bool(value and token) and hmac.compare_digest(signin_token(secret=secret, value=value or ""), token or "")
