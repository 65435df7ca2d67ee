"""FastAPI dependencies that check the X-API-Key header (or the UI session) against a role."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from service.auth.service import (
    ROLE_ZH,
    Forbidden,
    Principal,
    Role,
    TooManyAttempts,
    Unauthorized,
    authenticate,
)
from service.deps import DbSession

HEADER = "X-API-Key"
api_key_header = APIKeyHeader(
    name=HEADER, auto_error=False, scheme_name="ApiKey",
    description="API 密钥（parkmatch keys create 生成）/ API key made with `parkmatch keys create`",
)


class FailedAttempts:
    """Count failed key attempts per client address in a sliding window and refuse past the limit."""

    def __init__(self, limit: int = 10, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, client: str, now: float) -> deque[float]:
        times = self._seen[client]
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def blocked_for(self, client: str) -> float:
        """Seconds until this client may try again, 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            times = self._prune(client, now)
            return 0.0 if len(times) < self.limit else self.window_s - (now - times[0])

    def record(self, client: str) -> None:
        with self._lock:
            self._prune(client, time.monotonic()).append(time.monotonic())


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def principal_from_request(
    request: Request, session: DbSession, header_key: Annotated[str | None, Security(api_key_header)] = None,
) -> Principal:
    """Authenticate the caller by header or UI session; rate-limit failed attempts per address."""
    attempts: FailedAttempts = request.app.state.failed_attempts
    client = _client(request)
    wait = attempts.blocked_for(client)
    if wait > 0:
        raise TooManyAttempts(
            f"失败次数过多，请 {wait:.0f} 秒后再试 / too many failed attempts, retry in {wait:.0f} s"
        )
    secret = header_key
    if not secret:
        raise Unauthorized(f"需要 API 密钥（请求头 {HEADER}） / an API key is required in the {HEADER} header")
    principal = authenticate(session=session, secret=secret)
    if principal is None:
        attempts.record(client)
        raise Unauthorized("API 密钥无效或已撤销 / the API key is invalid or revoked")
    return principal


def require(role: Role) -> Callable[[Principal], Principal]:
    """Build a dependency that lets through callers holding at least `role`."""

    def check(principal: Annotated[Principal, Depends(principal_from_request)]) -> Principal:
        if not principal.allows(role):
            raise Forbidden(
                f"需要{ROLE_ZH[role]}权限（当前为{ROLE_ZH[principal.role]}）/ needs the {role.value} role, key has {principal.role.value}"
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Editor = Annotated[Principal, Depends(require(Role.editor))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
