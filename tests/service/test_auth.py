"""Keys and roles: the whole role × endpoint matrix, key lifecycle, audit log and rate limiting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from service.auth.guard import KeyCache
from service.auth.service import Principal, Role, revoke
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.main import create_app

# The role each endpoint needs. A new endpoint fails this test until it is placed here.
NEEDED = {
    ("GET", "/api/v1/firms"): "viewer",
    ("GET", "/api/v1/firms/export"): "viewer",
    ("GET", "/api/v1/firms/{firm_id}"): "viewer",
    ("POST", "/api/v1/firms"): "editor",
    ("PATCH", "/api/v1/firms/{firm_id}"): "editor",
    ("DELETE", "/api/v1/firms/{firm_id}"): "editor",
    ("GET", "/api/v1/parks"): "viewer",
    ("GET", "/api/v1/parks/{park_id}"): "viewer",
    ("POST", "/api/v1/parks"): "editor",
    ("PATCH", "/api/v1/parks/{park_id}"): "editor",
    ("DELETE", "/api/v1/parks/{park_id}"): "editor",
    ("GET", "/api/v1/destinations"): "viewer",
    ("GET", "/api/v1/destinations/{destination_id}"): "viewer",
    ("POST", "/api/v1/destinations"): "editor",
    ("PATCH", "/api/v1/destinations/{destination_id}"): "editor",
    ("DELETE", "/api/v1/destinations/{destination_id}"): "editor",
    ("GET", "/api/v1/industries"): "viewer",
    ("GET", "/api/v1/resources"): "viewer",
    ("GET", "/api/v1/towns"): "viewer",
    ("GET", "/api/v1/counties"): "viewer",
    ("POST", "/api/v1/import/firms"): "editor",
    ("POST", "/api/v1/feedback"): "editor",
    ("GET", "/api/v1/pipeline"): "viewer",
    ("GET", "/api/v1/keys"): "admin",
    ("POST", "/api/v1/keys"): "admin",
    ("DELETE", "/api/v1/keys/{key_id}"): "admin",
    ("GET", "/api/v1/audit"): "admin",
    ("GET", "/api/v1/firms/{firm_id}/recommendations"): "viewer",
    ("GET", "/api/v1/firms/{firm_id}/top"): "viewer",
    ("GET", "/api/v1/destinations/{destination_id}/top"): "viewer",
    ("GET", "/api/v1/products/{product}/buyers"): "viewer",
    ("GET", "/api/v1/ranking/status"): "viewer",
    ("GET", "/api/v1/parks/{park_id}/candidates"): "viewer",
    ("POST", "/api/v1/match"): "viewer",
    ("POST", "/api/v1/plans"): "viewer",
    ("GET", "/api/v1/briefs"): "viewer",
    ("POST", "/api/v1/briefs/prospect"): "viewer",
    ("GET", "/api/v1/briefs/batch"): "viewer",
    ("GET", "/api/v1/briefs/compare"): "viewer",
}
RANK = {"viewer": 0, "editor": 1, "admin": 2}


@pytest.fixture
def open_client(app_settings: Settings) -> TestClient:
    settings = app_settings.model_copy(update={"auth_max_failures": 10_000})
    with TestClient(create_app(settings)) as client:
        yield client  # type: ignore[misc]


def api_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, full path) under /api/v1, included routers expanded."""
    routes = sorted(
        (method, str(ctx.path))
        for ctx in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(ctx.original_route, APIRoute) and str(ctx.path).startswith("/api/v1")
        for method in ctx.original_route.methods
    )
    spec = client.get("/openapi.json").json()["paths"]
    documented = {(m.upper(), p) for p, ops in spec.items() if p.startswith("/api/v1") for m in ops}
    assert routes and documented <= set(routes), "the matrix must see every documented endpoint"
    return routes


def call(client: TestClient, method: str, path: str, key: str | None) -> int:
    # Unknown ids and empty bodies: an allowed caller gets 404/422, never a change to the data.
    url = re.sub(r"\{[a-z_]+\}", "999999", path)
    headers = {"X-API-Key": key} if key else {}
    if method == "POST" and path.endswith("/import/firms"):
        return client.post(url, headers=headers, files={"file": ("x.csv", b"", "text/csv")}).status_code
    body = {} if method in ("POST", "PATCH") else None
    return client.request(method, url, headers=headers, json=body).status_code


def test_every_endpoint_is_in_the_matrix(open_client: TestClient) -> None:
    missing = [r for r in api_routes(open_client) if r not in NEEDED]
    assert missing == []


def test_role_by_endpoint_matrix(open_client: TestClient, keys: dict[str, str]) -> None:
    failures = []
    for method, path in api_routes(open_client):
        needed = NEEDED[(method, path)]
        for holder in ("none", "revoked", "viewer", "editor", "admin"):
            status = call(open_client, method, path, keys.get(holder))
            if holder in ("none", "revoked"):
                expected_ok = status == 401
            elif RANK[holder] < RANK[needed]:
                expected_ok = status == 403
            else:
                expected_ok = status not in (401, 403) and status < 500
            if not expected_ok:
                failures.append((method, path, holder, status))
    assert failures == []


def test_public_endpoints_need_no_key(open_client: TestClient) -> None:
    assert open_client.get("/health").status_code == 200
    assert open_client.get("/openapi.json").status_code == 200
    assert open_client.get("/docs").status_code == 200


def test_key_lifecycle_and_audit(open_client: TestClient, keys: dict[str, str]) -> None:
    admin = {"X-API-Key": keys["admin"]}
    created = open_client.post("/api/v1/keys", json={"name": "盘州招商局", "role": "editor"}, headers=admin)
    assert created.status_code == 201
    secret = created.json()["secret"]
    listed = open_client.get("/api/v1/keys", headers=admin).json()
    assert all("secret" not in k for k in listed) and any(k["name"] == "盘州招商局" for k in listed)
    firm = {"name_zh": "中山市审计测试有限公司", "town": "guzhen", "industries": ["C3872"], "employees": 12}
    made = open_client.post("/api/v1/firms", json=firm, headers={"X-API-Key": secret})
    assert made.status_code == 201
    changed = open_client.patch(f"/api/v1/firms/{made.json()['id']}", json={"employees": 30},
                                headers={"X-API-Key": secret})
    assert changed.status_code == 200 and changed.json()["employees"] == 30
    log = open_client.get("/api/v1/audit", headers=admin).json()
    update = next(e for e in log if e["action"] == "update" and e["entity"] == "firm")
    assert update["actor"] == "盘州招商局"
    assert update["before"]["employees"] == 12 and update["after"]["employees"] == 30
    key_id = created.json()["id"]
    assert open_client.delete(f"/api/v1/keys/{key_id}", headers=admin).status_code == 200
    assert open_client.get("/api/v1/firms", headers={"X-API-Key": secret}).status_code == 401


def _revoke_elsewhere(database_url: str, key_id: int) -> None:
    """Revoke as another worker process or `parkmatch keys revoke` would: straight in the database."""
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        revoke(session=session, key_id=key_id)
    engine.dispose()


@pytest.mark.parametrize("cache_seconds", [2.0, 0.0])
def test_a_key_revoked_by_another_process_stops_working_within_the_cache_time(
    app_settings: Settings, keys: dict[str, str], cache_seconds: float,
) -> None:
    now = [1000.0]
    settings = app_settings.model_copy(update={"key_cache_seconds": cache_seconds})
    with TestClient(create_app(settings)) as client:
        client.app.state.key_cache = KeyCache(cache_seconds, clock=lambda: now[0])  # type: ignore[attr-defined]
        made = client.post("/api/v1/keys", json={"name": "临时", "role": "viewer"}, headers={"X-API-Key": keys["admin"]})
        secret = {"X-API-Key": made.json()["secret"]}
        assert client.get("/api/v1/parks", headers=secret).status_code == 200

        _revoke_elsewhere(settings.database_url, made.json()["id"])
        now[0] += 1.0
        assert client.get("/api/v1/parks", headers=secret).status_code == (200 if cache_seconds else 401)
        now[0] += cache_seconds
        assert client.get("/api/v1/parks", headers=secret).status_code == 401


def test_the_key_cache_forgets_on_clear_and_ignores_answers_read_before_it() -> None:
    cache = KeyCache(5.0, clock=lambda: 0.0)
    who = Principal(key_id=1, name="甲", role=Role.viewer)
    before = cache.generation
    cache.put("h", who, before)
    assert cache.get("h") == who
    cache.clear()  # a revocation in this process
    assert cache.get("h") is None
    cache.put("h", who, before)  # a lookup that read the database before the revocation committed
    assert cache.get("h") is None
    cache.put("h", who, cache.generation)
    assert cache.get("h") == who
    off = KeyCache(0.0)
    off.put("h", who, off.generation)
    assert off.get("h") is None


def _wrong(key: str) -> str:
    """A guess at a real key: its lookup part kept, its secret part changed."""
    lookup = key[: key.index("_", 3)]
    return lookup + "_" + ("A" * 43 if not key.endswith("A" * 43) else "B" * 43)


def test_failed_key_attempts_are_rate_limited(app_settings: Settings, keys: dict[str, str]) -> None:
    with TestClient(create_app(app_settings.model_copy(update={"auth_max_failures": 3}))) as client:
        statuses = [client.get("/api/v1/parks", headers={"X-API-Key": f"pm_guess{i}"}).status_code for i in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        refused = client.get("/api/v1/parks", headers={"X-API-Key": "pm_guess9"})
        assert refused.status_code == 429 and "失败次数过多" in refused.json()["detail"]


def test_ten_bad_keys_do_not_lock_out_a_valid_key_from_the_same_address(app_settings: Settings,
                                                                         keys: dict[str, str]) -> None:
    with TestClient(create_app(app_settings)) as client:  # the default limit, 10 a minute
        for i in range(12):
            client.get("/api/v1/parks", headers={"X-API-Key": f"pm_{i:08x}_{'x' * 43}"})
        # Even guesses at the viewer key itself, past the limit, do not stop its holder.
        guesses = [client.get("/api/v1/parks", headers={"X-API-Key": _wrong(keys["viewer"])}).status_code
                   for _ in range(12)]
        assert guesses[:10] == [401] * 10 and set(guesses[10:]) == {429}
        assert client.get("/api/v1/parks", headers={"X-API-Key": keys["viewer"]}).status_code == 200
        assert client.get("/api/v1/parks", headers={"X-API-Key": keys["editor"]}).status_code == 200


def test_failed_attempts_count_per_key_prefix_and_address(app_settings: Settings, keys: dict[str, str]) -> None:
    app = create_app(app_settings.model_copy(update={"auth_max_failures": 2}))
    with TestClient(app) as here, TestClient(app, client=("203.0.113.9", 4000)) as there:
        at_viewer = [here.get("/api/v1/parks", headers={"X-API-Key": _wrong(keys["viewer"])}).status_code
                     for _ in range(3)]
        assert at_viewer == [401, 401, 429]
        # Another key's prefix from the same address, and the same prefix from another address, start afresh.
        assert here.get("/api/v1/parks", headers={"X-API-Key": _wrong(keys["editor"])}).status_code == 401
        assert there.get("/api/v1/parks", headers={"X-API-Key": _wrong(keys["viewer"])}).status_code == 401


def test_no_part_of_a_keys_secret_is_stored(app_settings: Settings, keys: dict[str, str]) -> None:
    from service.auth.models import ApiKey

    engine = make_engine(app_settings.database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        rows = {row.name: row for row in session.query(ApiKey)}
    engine.dispose()
    key = keys["viewer"]
    lookup, secret = key[: key.index("_", 3)], key[key.index("_", 3) + 1:]
    row = rows["test-viewer"]
    assert row.prefix == lookup and len(secret) == 43
    stored = " ".join(str(getattr(row, c.name)) for c in ApiKey.__table__.columns)
    assert not any(secret[i:i + 6] in stored for i in range(len(secret) - 5))


def test_keys_made_before_the_lookup_form_keep_working_and_lose_their_stored_characters(
    empty_db_url: str, tmp_path: Path, embedding_cache: Path,
) -> None:
    import hashlib
    import secrets as random

    from alembic import command
    from sqlalchemy import text

    from service.migrate import alembic_config

    old_key = "pm_" + random.token_urlsafe(32)  # the form keys had before revision 0011
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        config = alembic_config(empty_db_url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text("INSERT INTO api_keys (name, role, prefix, key_hash) VALUES ('old', 'viewer', :p, :h)"),
                           {"p": old_key[:10], "h": hashlib.sha256(old_key.encode()).hexdigest()})
    engine.dispose()
    settings = Settings(database_url=empty_db_url, var_dir=tmp_path / "var", embedding_cache_dir=embedding_cache,
                        engine_at_startup=False)
    with TestClient(create_app(settings)) as client:  # start-up upgrades the schema to the newest revision
        assert client.get("/api/v1/parks", headers={"X-API-Key": old_key}).status_code == 200
    engine = make_engine(empty_db_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT prefix FROM api_keys")).scalar_one() == "legacy"
    engine.dispose()


def test_keys_never_reach_the_logs(app_settings: Settings, keys: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    settings = app_settings.model_copy(update={"log_level": "DEBUG"})
    with TestClient(create_app(settings)) as client:
        client.get("/api/v1/parks", headers={"X-API-Key": keys["viewer"]})
        client.get("/api/v1/parks", headers={"X-API-Key": "pm_wrong_guess_123"})
    out, err = capfd.readouterr()
    assert keys["viewer"] not in out + err and "pm_wrong_guess_123" not in out + err


def test_body_over_the_limit_is_413(client: TestClient, keys: dict[str, str]) -> None:
    big = {"name_zh": "x" * 2_000_000, "town": "guzhen", "industries": ["C3872"], "employees": 1}
    response = client.post("/api/v1/firms", json=big, headers={"X-API-Key": keys["editor"]})
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"
