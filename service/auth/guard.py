"""FastAPI dependencies that check the X-API-Key header (or the UI session) against a role."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from service.auth.service import (
    ROLE_ZH,
    Forbidden,
    Principal,
    Role,
    TooManyAttempts,
    Unauthorized,
    hash_key,
    key_prefix,
    principal_for_hash,
)
from service.database import unit_of_work
from service.errors import ServiceError

HEADER = "X-API-Key"
api_key_header = APIKeyHeader(
    name=HEADER, auto_error=False, scheme_name="ApiKey",
    description="API 密钥（parkmatch keys create 生成）/ API key made with `parkmatch keys create`",
)


Pair = tuple[str, str]  # (key prefix, client address)


class FailedAttempts:
    """Count failed key attempts per (key prefix, client address) pair in a sliding window.

    Past the limit a pair's failures are answered 429 instead of 401. A valid key is never refused: it is
    checked before the count, so guesses from a shared office address cannot lock its staff out, and guesses
    at one key's prefix do not slow any other key. Keys carry 256 random bits, so the limit is there to make
    probing loud and cheap to turn away, not to protect a guessable secret.
    """

    MAX_PAIRS = 100_000  # past this many tracked pairs, stale ones are dropped so a spray cannot fill memory

    def __init__(self, limit: int = 10, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[Pair, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, pair: Pair, now: float) -> deque[float]:
        times = self._seen[pair]
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def blocked_for(self, pair: Pair) -> float:
        """Seconds until this pair's failures are answered 401 again, 0 when they are now."""
        now = time.monotonic()
        with self._lock:
            times = self._seen.get(pair)
            if not times:
                return 0.0
            times = self._prune(pair, now)
            return 0.0 if len(times) < self.limit else self.window_s - (now - times[0])

    def record(self, pair: Pair) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) >= self.MAX_PAIRS:
                for stale in [p for p, times in self._seen.items() if not times or now - times[-1] > self.window_s]:
                    del self._seen[stale]
                if len(self._seen) >= self.MAX_PAIRS:
                    self._seen.clear()
            self._prune(pair, now).append(now)


def attempt_pair(secret: str, client: str) -> Pair:
    """The pair a failed attempt is counted against: the key's lookup part (or its form) and the address."""
    prefix = key_prefix(secret)
    return ("?" if prefix is None else prefix or "legacy", client)


def refuse(attempts: FailedAttempts, pair: Pair) -> ServiceError:
    """Count one failed attempt and return the error to answer it with: 401, or 429 past the limit."""
    wait = attempts.blocked_for(pair)
    if wait > 0:
        return TooManyAttempts(
            f"失败次数过多，请 {wait:.0f} 秒后再试 / too many failed attempts, retry in {wait:.0f} s"
        )
    attempts.record(pair)
    return Unauthorized("API 密钥无效或已撤销 / the API key is invalid or revoked")


class KeyCache:
    """Principals of keys checked in the last few seconds, by key hash, so a busy client costs no query per request.

    Only live keys are remembered, so failed attempts always reach the database and the rate limit. A
    revocation clears this process's cache at once; other worker processes forget the key within ``ttl_s``.
    A lookup that began before a clear does not store its (possibly stale) answer.
    """

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self._generation

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None or self._clock() >= entry[0]:
            return None
        return entry[1]

    def put(self, key_hash: str, principal: Principal, generation: int) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= 10_000:
                self._entries.clear()
            self._entries[key_hash] = (self._clock() + self.ttl_s, principal)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _lookup(session_factory: sessionmaker[Session], key_hash: str) -> Principal | None:
    with unit_of_work(session_factory) as session:
        return principal_for_hash(session=session, key_hash=key_hash)


async def principal_from_request(
    request: Request, header_key: Annotated[str | None, Security(api_key_header)] = None,
) -> Principal:
    """Authenticate the caller by the X-API-Key header; rate-limit failed attempts per key prefix and address.

    Async, and answered from the key cache when it can: the matching endpoints run on the event loop, and a
    thread hop plus a query per request cost more than the ranking itself."""
    secret = header_key
    if not secret:
        raise Unauthorized(f"需要 API 密钥（请求头 {HEADER}） / an API key is required in the {HEADER} header")
    pair = attempt_pair(secret, _client(request))
    if pair[0] == "?":  # no key has this form: refused without a query
        raise refuse(request.app.state.failed_attempts, pair)
    key_hash = hash_key(secret)
    cache: KeyCache = request.app.state.key_cache
    principal = cache.get(key_hash)
    if principal is None:
        generation = cache.generation
        principal = await run_in_threadpool(_lookup, request.app.state.session_factory, key_hash)
        if principal is not None:
            cache.put(key_hash, principal, generation)
    if principal is None:
        raise refuse(request.app.state.failed_attempts, pair)
    return principal


def get_key_cache(request: Request) -> KeyCache:
    """This process's cache of checked keys."""
    cache: KeyCache = request.app.state.key_cache
    return cache


KeyCacheDep = Annotated[KeyCache, Depends(get_key_cache)]


def require(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Build a dependency that lets through callers holding at least `role`."""

    async def check(principal: Annotated[Principal, Depends(principal_from_request)]) -> Principal:
        if not principal.allows(role):
            raise Forbidden(
                f"需要{ROLE_ZH[role]}权限（当前为{ROLE_ZH[principal.role]}）/ needs the {role.value} role, key has {principal.role.value}"
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Editor = Annotated[Principal, Depends(require(Role.editor))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
