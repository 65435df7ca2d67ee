"""Fixtures for the security suites: a real database holding hostile firm names, keys of every role, an app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from service.auth.service import Role, create_key
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.feedback import service as feedback
from service.feedback.schemas import FeedbackCreate, Status
from service.firms import service as firm_service
from service.firms.schemas import FirmCreate
from service.main import create_app
from service.matching.service import service_from_settings

# Names an attacker might give a firm: markup, spreadsheet formulas, paths and header breakers.
HOSTILE = {
    "script": "<script>alert(1)</script>灯饰",
    "attribute": '"><svg onload=alert(2)>灯饰',
    "single_quote": "'><img src=x onerror=alert(3)>灯饰",
    "formula_eq": '=HYPERLINK("http://evil.example","点我")',
    "formula_plus": "+cmd|' /C calc'!A0",
    "formula_minus": "-2+3+cmd|' /C calc'!A0",
    "formula_at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "path": "../../etc/passwd",
    "header": 'x"; filename="evil.exe',
    "crlf": "灯饰\r\nSet-Cookie: pm=stolen",
}
NOTE = "<img src=x onerror=alert(9)>备注"
LEAK_MARKERS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "[SQL:", "OperationalError", "ProgrammingError",
                "DataError", "IntegrityError", 'File "/', "site-packages")


@dataclass(frozen=True)
class Hostile:
    """A database with hostile firms (all lighting makers in Guzhen, so every lighting lead list shows them)."""

    url: str
    settings: Settings
    keys: dict[str, str]
    firm_ids: dict[str, int]


@pytest.fixture(scope="session")
def security_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the session: the encoder runs once per distinct text."""
    return tmp_path_factory.mktemp("security-embeddings")


@pytest.fixture
def hostile(db_url: str, tmp_path: Path, security_cache: Path) -> Hostile:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    keys: dict[str, str] = {}
    ids: dict[str, int] = {}
    with unit_of_work(factory) as session:
        for role in Role:
            _, keys[role.value] = create_key(session=session, name=f"sec-{role.value}", role=role)
        for label, name in HOSTILE.items():
            firm = firm_service.create(session=session, firm=FirmCreate(
                name_zh=name, name_en=name, town="guzhen", industries=["C3872"], products=["<b>灯</b>", name],
                employees=60, land_mu=5, description_zh=f"{name} 生产LED灯饰", synthetic=True))
            ids[label] = firm.id
        for label in ("script", "attribute", "formula_eq"):
            feedback.record(session=session, body=FeedbackCreate(firm_id=ids[label], park_id=1,
                                                                 status=Status.contacted, note=NOTE), actor="sec")
    engine.dispose()
    settings = Settings(database_url=db_url, var_dir=tmp_path / "var", embedding_cache_dir=security_cache,
                        engine_at_startup=False, auth_max_failures=10_000)
    return Hostile(url=db_url, settings=settings, keys=keys, firm_ids=ids)


def start(settings: Settings, *, engine: bool = False) -> TestClient:
    """A client over a new app; with the ranking engine attached when the UI pages need it."""
    app = create_app(settings)
    # Server errors come back as the 500 an attacker would see, not as an exception in the test.
    client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    client.__enter__()
    if engine:
        app.state.match_service = service_from_settings(settings, app.state.session_factory)
    return client


@pytest.fixture
def client(hostile: Hostile) -> Iterator[TestClient]:
    """A client with the engine attached, signed in to the UI as an admin (API calls pass their key)."""
    test_client = start(hostile.settings, engine=True)
    sign_in(test_client, hostile.keys["admin"])
    yield test_client
    test_client.__exit__(None, None, None)


LEADS = {"town": "guzhen", "industry": "C3872", "top_k": 200}  # a lead list that holds every hostile firm


@pytest.fixture
def lead_park(client: TestClient, hostile: Hostile) -> int:
    """A park whose lighting lead list in Guzhen holds every hostile firm."""
    wanted = set(hostile.firm_ids.values())
    for park_id in range(1, 20):
        found = client.get(f"/api/v1/parks/{park_id}/candidates", params=LEADS,
                           headers={"X-API-Key": hostile.keys["viewer"]})
        if found.status_code == 200 and wanted <= {i["firm"]["id"] for i in found.json()["items"]}:
            return park_id
    raise AssertionError("no park ranks every hostile firm")


def signin_token(client: TestClient) -> str:
    """Open the sign-in form as a browser would: it sets the pre-session cookie and carries the form token."""
    form = client.get("/ui/signin")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found, form.text[:500]
    return found.group(1)


def sign_in(client: TestClient, key: str, *, next: str = "/ui/", headers: dict[str, str] | None = None) -> Any:
    return client.post("/ui/signin", data={"key": key, "next": next, "csrf": signin_token(client)}, headers=headers)


def get_routes(app: Any) -> list[tuple[str, APIRoute]]:
    """Every GET route of the app under /api/v1 and /ui, with its full path (included routers expanded)."""
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and "GET" in route.methods and str(context.path).startswith(("/api/v1", "/ui")):
            out.append((str(context.path), route))
    return out


def params_of(route: APIRoute, kind: str) -> list[Any]:
    """Query or path parameters of a route, its dependencies' included (e.g. the lead-list filters)."""
    found: list[Any] = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        found += getattr(dependant, kind)
        stack += dependant.dependencies
    return found


def assert_no_leak(body: bytes) -> None:
    text = body.decode("utf-8", errors="ignore")
    leaked = [m for m in LEAK_MARKERS if m in text]
    assert not leaked, (leaked, text[:500])
