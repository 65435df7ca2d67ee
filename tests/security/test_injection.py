"""SQL injection and path traversal in every query and path parameter of every GET page and endpoint."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.properties.dbstate import checksum
from tests.security.conftest import HOSTILE, Hostile, assert_no_leak, get_routes, params_of

pytestmark = pytest.mark.slow

PAYLOADS = [
    "' OR 1=1 --", "' OR '1'='1", '"; DROP TABLE firms; --', "1; DELETE FROM firms", "1 OR 1=1",
    "灯饰' UNION SELECT key_hash, 1 FROM api_keys --", "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%00", "A" * 10_000, "\u202e𝕏🚀\ufeff灯", "%", "_", "\\",
]
# NUL characters have their own test below: they are the one payload the service mishandles today.
NUL_PAYLOADS = ["\u0000", "x\u0000' OR 1=1 --"]
# Every payload is a literal that matches no firm, park or pipeline row (except the hostile firm named after
# it), so it must not return more rows than a plain word does; LIKE wildcards are the known exception
# (test_search_words_are_matched_literally).
WIDENING_EXEMPT = {p for p in PAYLOADS if "%" in p or "_" in p or any(p in name for name in HOSTILE.values())}
CONTROL = "zq9nomatch"
# Parameters the UI reads from the query string without declaring them (language, weight sliders).
UI_EXTRA_PARAMS = ("lang", "wmode", "w_industry_fit")


def _base(hostile: Hostile) -> dict[str, Any]:
    """Valid values for required and path parameters, so each request reaches the parameter under attack."""
    return {"firm_id": hostile.firm_ids["script"], "park_id": 1, "destination_id": 1, "park_ids": "1,2", "key_id": 1, "name": "app.css",
            "fmt": "csv", "product": "kiwifruit"}


def _url(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: quote(str(values[m.group(1)]), safe=""), path)


def _rows_returned(response: Any) -> int | None:
    """How many records a JSON answer holds, None when it is not a listing."""
    if not response.headers.get("content-type", "").startswith("application/json") or response.status_code != 200:
        return None
    body = response.json()
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict) and "total" in body:
        return int(body["total"])
    return None


def _sweep(client: TestClient, hostile: Hostile, payloads: list[str]) -> list[str]:
    headers = {"X-API-Key": hostile.keys["admin"]}
    base = _base(hostile)
    failures: list[str] = []
    routes = get_routes(client.app)
    for path, route in routes:
        required = {p.alias: base[p.alias] for p in params_of(route, "query_params") if p.field_info.is_required()}
        names = [p.alias for p in params_of(route, "query_params")]
        names += list(UI_EXTRA_PARAMS) if path.startswith("/ui") else []
        targets = [("query", n) for n in dict.fromkeys(names)] + [("path", p.alias) for p in params_of(route, "path_params")]
        for where, name in targets:
            control = None
            for payload in [CONTROL, *payloads]:
                values = {**base, name: payload} if where == "path" else base
                query = {**required, name: payload} if where == "query" else required
                response = client.get(_url(path, values), params=query, headers=headers)
                label = f"{path} {where}:{name}={payload[:30]!r} -> {response.status_code}"
                if response.status_code >= 500:
                    failures.append(label)
                    continue
                assert_no_leak(response.content)
                if path == "/ui/static/{name}" and where == "path" and payload != CONTROL:
                    assert response.status_code in (404, 422), label  # refused, no file served
                count = _rows_returned(response)
                if payload == CONTROL:
                    control = count
                elif count is not None and control is not None and payload not in WIDENING_EXEMPT and count > control:
                    failures.append(f"{label}: {count} rows, a plain word gets {control}")
    return failures


def test_every_get_parameter_survives_injection_and_traversal(client: TestClient, hostile: Hostile) -> None:
    routes = {path for path, _ in get_routes(client.app)}
    spec = {p for p, ops in client.get("/openapi.json").json()["paths"].items() if "get" in ops and p.startswith("/api/v1")}
    assert spec <= routes, f"routes missed by the sweep: {spec - routes}"
    assert {"/ui/search", "/ui/prospect", "/ui/parks/{park_id}/leads.{fmt}"} <= routes
    before = checksum(hostile.url)
    failures = _sweep(client, hostile, PAYLOADS)
    assert failures == [], "\n".join(failures)
    assert checksum(hostile.url) == before, "a GET request changed stored data"
    # The tables an injected DROP or DELETE would hit are all still there and readable.
    firms = client.get("/api/v1/firms", params={"limit": 1}, headers={"X-API-Key": hostile.keys["viewer"]})
    assert firms.status_code == 200 and firms.json()["total"] > 400


def test_nul_characters_in_parameters_are_refused_not_passed_to_the_database(client: TestClient,
                                                                             hostile: Hostile) -> None:
    before = checksum(hostile.url)
    assert _sweep(client, hostile, NUL_PAYLOADS) == []
    assert checksum(hostile.url) == before


@pytest.mark.parametrize("word", ["%", "_"])
def test_search_words_are_matched_literally(client: TestClient, hostile: Hostile, word: str) -> None:
    headers = {"X-API-Key": hostile.keys["viewer"]}
    assert client.get("/api/v1/firms", params={"q": word}, headers=headers).json()["total"] == 0
    # Park codes hold underscores (shuicheng_edz), so "_" may match them, but only literally.
    for park in client.get("/api/v1/parks", params={"q": word}, headers=headers).json()["items"]:
        fields = (park["name_zh"], park["name_en"], park["positioning_zh"], park["positioning_en"], park["code"])
        assert any(word in f for f in fields), park["code"]
