"""GET /api/v1/briefs over the real engine and database: content types, names, timing and errors."""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.service.ui.conftest import World, build_app, ui_world  # noqa: F401  (session fixture)


@pytest.fixture
def api(ui_world: World) -> Iterator[TestClient]:  # noqa: F811
    app = build_app(ui_world)
    app.state.match_service = ui_world.engine
    with TestClient(app, headers={"X-API-Key": ui_world.keys["viewer"]}) as client:
        app.state.match_service = ui_world.engine
        yield client


def _pair(api: TestClient) -> tuple[int, dict[str, str], dict[str, str]]:
    firm = api.get("/api/v1/firms", params={"q": "灯", "limit": 1}).json()["items"][0]
    park = api.get("/api/v1/parks", params={"limit": 1}).json()["items"][0]
    return firm["id"], firm, park


@pytest.mark.parametrize(("fmt", "media"), [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pdf", "application/pdf"),
    ("md", "text/markdown; charset=utf-8"),
])
def test_brief_downloads_in_each_format(api: TestClient, fmt: str, media: str) -> None:
    firm_id, firm, park = _pair(api)
    api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": park["id"], "format": fmt})  # warm imports
    # Speed is a benchmark figure (parkmatch bench briefs), not a timed assertion that a busy machine fails.
    response = api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": park["id"], "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert "attachment" in response.headers["content-disposition"]
    if fmt == "docx":
        document = docx.Document(io.BytesIO(response.content))
        text = "\n".join(p.text for p in document.paragraphs)
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    elif fmt == "pdf":
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
        cells = [text]
    else:
        text = response.content.decode("utf-8")
        cells = [text]
    assert firm["name_zh"] in text and park["name_zh"] in text
    assert any("（估算）" in c for c in cells), "estimated costs are flagged"
    assert any("工资" in c for c in cells), "the cost table is there"


def test_english_brief(api: TestClient) -> None:
    firm_id, _, park = _pair(api)
    response = api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": park["id"], "format": "md", "lang": "en"})
    assert response.status_code == 200
    assert "Cost comparison" in response.text and "(estimate)" in response.text


def test_unknown_ids_give_404(api: TestClient) -> None:
    _, _, park = _pair(api)
    response = api.get("/api/v1/briefs", params={"firm_id": 999_999, "park_id": park["id"]})
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    firm_id, _, _ = _pair(api)
    assert api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": 999_999}).status_code == 404


def test_bad_format_gives_422_naming_the_field(api: TestClient) -> None:
    firm_id, _, park = _pair(api)
    response = api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": park["id"], "format": "exe"})
    assert response.status_code == 422
    assert "format" in response.json()["detail"]


def test_briefs_need_a_key(api: TestClient) -> None:
    firm_id, _, park = _pair(api)
    response = api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": park["id"]}, headers={"X-API-Key": ""})
    assert response.status_code == 401
