"""GET /api/v1/briefs over the real engine and database: content types, names, timing and errors."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.service.ui.conftest import World, api_client, ui_world  # noqa: F401  (session fixture)


@pytest.fixture
def api(ui_world: World) -> Iterator[TestClient]:  # noqa: F811
    with api_client(ui_world) as client:
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


CJK = re.compile(r"[\u3400-\u9fff]")


def _parks(api: TestClient, n: int) -> list[int]:
    return [p["id"] for p in api.get("/api/v1/parks", params={"limit": n}).json()["items"]]


def test_english_brief_of_real_data_has_no_chinese_outside_chinese_only_data(api: TestClient) -> None:
    firm_id, firm, park = _pair(api)
    response = api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": park["id"], "format": "md", "lang": "en"})
    text = response.text
    for allowed in firm["products"]:  # products are recorded in Chinese only
        text = text.replace(allowed, "")
    assert not CJK.search(text), CJK.findall(text)[:20]
    assert "firm:" not in text and "亩" not in response.text and "ParkMatch" not in text


def test_zh_brief_headings_are_chinese_only(api: TestClient) -> None:
    firm_id, _, park = _pair(api)
    response = api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": park["id"], "format": "md"})
    headings = [line for line in response.text.splitlines() if line.startswith("#")]
    assert headings and not [h for h in headings[1:] if re.search(r"[A-Za-z]{2,}", h)]
    assert "在 ParkMatch 中记录" not in response.text


def test_prospect_brief(api: TestClient) -> None:
    park_id = _parks(api, 1)[0]
    body = {"description": "古镇灯饰企业，生产LED吸顶灯，灯体铝压铸，年用铝约3000吨", "name": "某灯饰企业",
            "town": "guzhen", "employees": 300, "land_mu": 30}
    response = api.post("/api/v1/briefs/prospect", params={"park_id": park_id, "format": "md"}, json=body)
    assert response.status_code == 200, response.text
    assert response.text.startswith("# 某灯饰企业 × ") and "（估算）" in response.text
    assert "prospect" in response.headers["content-disposition"]


def test_prospect_brief_for_an_unknown_destination_is_404(api: TestClient) -> None:
    response = api.post("/api/v1/briefs/prospect", params={"park_id": 999_999, "format": "md"},
                        json={"description": "灯饰企业"})
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_batch_is_one_zip_of_the_top_leads(api: TestClient) -> None:
    park_id = _parks(api, 1)[0]
    response = api.get("/api/v1/briefs/batch", params={"park_id": park_id, "top": 2, "format": "md", "lang": "en"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert len(names) == 2 and names[0].startswith("01_") and names[1].startswith("02_")
        assert "Cost comparison" in archive.read(names[0]).decode("utf-8")


def test_batch_refuses_too_many_leads_naming_the_field(api: TestClient) -> None:
    response = api.get("/api/v1/briefs/batch", params={"park_id": _parks(api, 1)[0], "top": 51})
    assert response.status_code == 422 and "top" in response.json()["detail"]


def test_comparison_puts_destinations_side_by_side(api: TestClient) -> None:
    firm_id, _, _ = _pair(api)
    parks = api.get("/api/v1/parks", params={"limit": 3}).json()["items"]
    ids = ",".join(str(p["id"]) for p in parks)
    response = api.get("/api/v1/briefs/compare", params={"firm_id": firm_id, "park_ids": ids, "format": "md"})
    assert response.status_code == 200, response.text
    table = [line for line in response.text.splitlines() if line.startswith("| 项目 |")]
    assert len(table) == 1 and all(p["name_zh"] in table[0] for p in parks)
    assert response.text.count("\n### ") == 3  # one reasons part per destination
    pdf = api.get("/api/v1/briefs/compare", params={"firm_id": firm_id, "park_ids": ids, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(("park_ids", "status"), [("1", 422), ("1,2,3,4,5", 422), ("1,x", 422), ("1,999999", 404)])
def test_comparison_refuses_bad_destination_lists_naming_the_field(api: TestClient, park_ids: str, status: int) -> None:
    firm_id, _, _ = _pair(api)
    response = api.get("/api/v1/briefs/compare", params={"firm_id": firm_id, "park_ids": park_ids, "format": "md"},
                       headers={"Accept-Language": "en"})
    assert response.status_code == status
    assert "park_ids" in response.json()["detail"]
    zh = api.get("/api/v1/briefs/compare", params={"firm_id": firm_id, "park_ids": park_ids, "format": "md"})
    assert "park_ids" in zh.json()["detail"] and re.search(r"[\u4e00-\u9fff]", zh.json()["detail"])
