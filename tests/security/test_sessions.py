"""Sign-in and sessions: key guessing limited on the UI form too, keys never logged or echoed, cookie flags,
security headers on every UI page, and no redirect to another site after sign-in."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from service.logs import log
from tests.security.conftest import Hostile, get_routes, params_of, sign_in, signin_token, start

GUESSES = [f"pm_guess_{i:02d}_{'x' * 20}" for i in range(6)]


def test_key_guessing_on_the_sign_in_form_is_limited(hostile: Hostile) -> None:
    client = start(hostile.settings.model_copy(update={"auth_max_failures": 3}))
    statuses = [sign_in(client, guess).status_code for guess in GUESSES[:5]]
    assert statuses == [401, 401, 401, 429, 429]
    refused = sign_in(client, GUESSES[5])
    assert refused.status_code == 429 and "parkmatch_session" not in refused.cookies
    assert "失败次数过多" in refused.text
    english = sign_in(client, GUESSES[5], headers={"Accept-Language": "en"})
    assert english.status_code == 429
    # The form and the API share one budget: switching to the header does not reset the count.
    assert client.get("/api/v1/parks", headers={"X-API-Key": GUESSES[0]}).status_code == 429
    client.__exit__(None, None, None)


def test_guesses_never_lock_out_a_valid_key_on_the_sign_in_form(hostile: Hostile) -> None:
    client = start(hostile.settings.model_copy(update={"auth_max_failures": 3}))
    viewer = hostile.keys["viewer"]
    at_viewer = viewer[: viewer.index("_", 3)] + "_" + "A" * 43
    for guess in [*GUESSES, at_viewer, at_viewer, at_viewer, at_viewer]:
        sign_in(client, guess)
    assert sign_in(client, at_viewer).status_code == 429
    signed = sign_in(client, viewer)
    assert signed.status_code == 303 and "parkmatch_session" in signed.cookies
    client.__exit__(None, None, None)


def test_api_guesses_count_against_the_sign_in_form(hostile: Hostile) -> None:
    client = start(hostile.settings.model_copy(update={"auth_max_failures": 3}))
    for guess in GUESSES[:3]:
        assert client.get("/api/v1/parks", headers={"X-API-Key": guess}).status_code == 401
    assert sign_in(client, GUESSES[3]).status_code == 429
    client.__exit__(None, None, None)


def test_sign_in_without_the_form_token_is_refused(hostile: Hostile) -> None:
    client = start(hostile.settings)
    # A post from another site carries no token; one copied from another browser has no matching cookie.
    bare = client.post("/ui/signin", data={"key": hostile.keys["viewer"], "next": "/ui/"})
    assert bare.status_code == 403 and "parkmatch_session" not in bare.cookies
    assert "登录表单已过期" in bare.text
    english = client.post("/ui/signin?lang=en", data={"key": hostile.keys["viewer"]})
    assert english.status_code == 403 and "the sign-in form expired" in english.text
    token = signin_token(client)
    stranger = start(hostile.settings)
    copied = stranger.post("/ui/signin", data={"key": hostile.keys["viewer"], "csrf": token})
    assert copied.status_code == 403 and "parkmatch_session" not in copied.cookies
    stranger.__exit__(None, None, None)
    signed = client.post("/ui/signin", data={"key": hostile.keys["viewer"], "csrf": token})
    assert signed.status_code == 303 and "parkmatch_session" in signed.cookies
    client.__exit__(None, None, None)


@pytest.mark.parametrize("secure", [False, True])
def test_cookies_are_secure_when_the_setting_says_tls_ends_at_a_proxy(hostile: Hostile, secure: bool) -> None:
    client = start(hostile.settings.model_copy(update={"secure_cookies": secure}))  # plain http, as behind a proxy
    form = client.get("/ui/signin", params={"lang": "en"})
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    # The client keeps Secure cookies from plain http, as a browser would; the proxy's TLS is what it saw.
    cookie = f"parkmatch_signin={form.cookies['parkmatch_signin']}"
    signed = client.post("/ui/signin", data={"key": hostile.keys["viewer"], "csrf": token.group(1)},
                         headers={"Cookie": cookie})
    headers = form.headers.get_list("set-cookie") + signed.headers.get_list("set-cookie")
    assert any("parkmatch_signin=" in h for h in headers) and any("parkmatch_session=" in h for h in headers)
    assert all(("secure" in h.lower()) == secure for h in headers), headers
    client.__exit__(None, None, None)


def test_sign_in_works_when_the_var_folder_cannot_be_written(hostile: Hostile, tmp_path: Path) -> None:
    # A path under a plain file can be made by no one, root included, as on a read-only file system.
    blocker = tmp_path / "read-only"
    blocker.write_text("")
    client = start(hostile.settings.model_copy(update={"var_dir": blocker / "var"}))
    signed = sign_in(client, hostile.keys["viewer"])
    assert signed.status_code == 303
    assert client.get("/ui/pipeline").status_code == 200
    client.__exit__(None, None, None)


def test_keys_never_reach_the_logs_or_error_bodies(hostile: Hostile, capfd: pytest.CaptureFixture[str],
                                                   caplog: pytest.LogCaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # structlog caches a logger on first use; drop the cache so this app's DEBUG level applies here too.
    monkeypatch.delattr(log, "bind", raising=False)
    caplog.set_level(logging.DEBUG)
    client = start(hostile.settings.model_copy(update={"log_level": "DEBUG"}), engine=True)
    admin = {"X-API-Key": hostile.keys["admin"]}
    bodies = [sign_in(client, GUESSES[0]).text, sign_in(client, hostile.keys["editor"]).text]
    bodies += [client.get(p).text for p in ("/ui/", "/ui/firms/1", "/ui/search?q=灯", "/ui/pipeline")]
    created = client.post("/api/v1/keys", json={"name": "日志测试", "role": "viewer"}, headers=admin)
    secret = created.json()["secret"]
    for key in (secret, hostile.keys["viewer"], GUESSES[1]):
        for path in ("/api/v1/parks", "/api/v1/firms/999999", "/api/v1/keys", "/api/v1/firms?industry=zz"):
            bodies.append(client.get(path, headers={"X-API-Key": key}).text)
    bodies.append(client.post("/api/v1/import/firms", files={"file": ("x.csv", b"name\r\nx\r\n")},
                              headers={"X-API-Key": hostile.keys["editor"]}).text)
    bodies.append(client.get("/api/v1/audit", headers=admin).text)
    client.__exit__(None, None, None)
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert '"started"' in logged or "started" in logged, "DEBUG logging was not on, so this test proved nothing"
    secrets = [*hostile.keys.values(), secret, *GUESSES]
    assert [s for s in secrets if s in logged or s[3:24] in logged] == []
    assert [s for s in secrets if any(s in b or s[3:24] in b for b in bodies)] == []


def test_session_cookie_is_http_only_same_site_and_secure_over_https(hostile: Hostile) -> None:
    client = start(hostile.settings)
    client.base_url = client.base_url.copy_with(scheme="https")  # type: ignore[assignment]
    response = sign_in(client, hostile.keys["viewer"])
    assert response.status_code == 303
    header = response.headers["set-cookie"].lower()
    assert "parkmatch_session=" in header and "httponly" in header and "secure" in header
    assert "samesite=lax" in header or "samesite=strict" in header
    client.__exit__(None, None, None)


REQUIRED_HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


def _check_headers(response: object, label: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in csp, (label, directive, csp)
    assert "unsafe-inline" not in csp.split("style-src")[0] and "unsafe-eval" not in csp, (label, csp)
    for name, value in REQUIRED_HEADERS.items():
        assert headers.get(name) == value, (label, name, headers.get(name))


def test_every_ui_page_sends_the_security_headers(client: TestClient, hostile: Hostile) -> None:
    values = {"firm_id": hostile.firm_ids["script"], "park_id": 1}
    pages = 0
    for path, route in get_routes(client.app):
        if not path.startswith("/ui") or "{name}" in path or "{fmt}" in path:  # static files and downloads
            continue
        required = {p.alias: values[p.alias] for p in params_of(route, "query_params") if p.field_info.is_required()}
        response = client.get(path.format(**values), params=required)
        if response.headers.get("content-type", "").startswith("text/html"):
            _check_headers(response, path)
            pages += 1
    assert pages >= 7
    errors = [client.get("/ui/firms/999999"), client.get("/ui/search", params={"industry": "zz"}),
              TestClient(client.app, follow_redirects=False).get("/ui/signin"),
              sign_in(client, "pm_wrong")]
    for response in errors:
        assert response.headers["content-type"].startswith("text/html")
        _check_headers(response, f"error page {response.status_code}")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "\\\\evil.example", "/ui\\..\\..\\\\evil.example", "javascript:alert(1)",
                                    "/ui/../..//evil.example", " //evil.example"])
def test_sign_in_never_redirects_to_another_site(hostile: Hostile, target: str) -> None:
    client = start(hostile.settings)
    response = sign_in(client, hostile.keys["viewer"], next=target)
    assert response.status_code == 303
    location = response.headers["location"]
    # Browsers read a backslash as a slash in http(s) URLs.
    resolved = urlsplit(urljoin("https://parkmatch.example/ui/signin", location.replace("\\", "/")))
    assert resolved.scheme == "https" and resolved.netloc == "parkmatch.example", location
    client.__exit__(None, None, None)
