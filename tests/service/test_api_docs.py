"""/docs and /redoc load their scripts from the app itself, so they work without a network."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'docs.db'}", var_dir=tmp_path / "var",
                        engine_at_startup=False)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _assets(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"""url: ?['"]([^'"]+)['"]""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_doc_pages_reference_no_external_url(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert not re.search(r"""(?:src|href)=["']https?://""", response.text)
    assert "cdn.jsdelivr" not in response.text and "fonts.googleapis" not in response.text


@pytest.mark.parametrize(("page", "kinds"), [
    ("/docs", {"text/javascript", "text/css", "image/x-icon"}),
    ("/redoc", {"text/javascript", "image/x-icon"}),
])
def test_doc_assets_are_served_with_their_types(client: TestClient, page: str, kinds: set[str]) -> None:
    seen = set()
    for url in _assets(client.get(page).text):
        if url.startswith("/openapi") or url == "/docs/oauth2-redirect":
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        seen.add(response.headers["content-type"].split(";")[0])
    assert kinds <= seen


def test_unknown_doc_asset_is_404(client: TestClient) -> None:
    assert client.get("/docs-assets/../../config.py").status_code == 404
    assert client.get("/docs-assets/other.js").status_code == 404


def test_favicon(client: TestClient) -> None:
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.headers["content-type"] == "image/x-icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"
    svg = client.get("/favicon.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
