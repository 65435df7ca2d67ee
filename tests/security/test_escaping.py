"""Hostile firm names and notes print as text in every UI page and brief, never as markup or active content."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote

import docx
import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import HOSTILE, LEADS, NOTE, Hostile
from tests.security.pages import active_content, read

pytestmark = pytest.mark.slow

MARKUP = ("script", "attribute", "single_quote")


def _check_page(html: str, shown: list[str]) -> None:
    page = read(html)
    assert active_content(page) == []
    for text in shown:
        assert text in page.text, f"{text!r} is not shown as text"


def test_ui_pages_print_hostile_names_as_text(client: TestClient, hostile: Hostile, lead_park: int) -> None:
    names = [HOSTILE[k] for k in MARKUP]
    search = client.get("/ui/search", params={"q": "alert"})
    assert search.status_code == 200
    _check_page(search.text, names)
    for label in MARKUP:
        firm = client.get(f"/ui/firms/{hostile.firm_ids[label]}")
        assert firm.status_code == 200
        _check_page(firm.text, [HOSTILE[label]])
    leads = client.get(f"/ui/parks/{lead_park}", params=LEADS)
    assert leads.status_code == 200
    _check_page(leads.text, names)
    pipeline = client.get("/ui/pipeline")
    _check_page(pipeline.text, [HOSTILE["script"], HOSTILE["attribute"], NOTE])
    _check_page(client.get("/ui/").text, [HOSTILE["script"]])
    prospect = client.get("/ui/prospect", params={"description": "古镇灯饰企业，LED吸顶灯", "name": HOSTILE["attribute"]})
    _check_page(prospect.text, [HOSTILE["attribute"]])


def test_markup_typed_into_search_and_filters_is_echoed_as_text(client: TestClient) -> None:
    typed = '"><script>alert(7)</script>'
    for params in ({"q": typed}, {"town": typed}):
        _check_page(client.get("/ui/search", params=params).text, [])
    _check_page(client.get("/ui/signin", params={"next": '/ui/"><script>alert(8)</script>'}).text, [])


def _disposition(value: str) -> tuple[str, str]:
    match = re.fullmatch(r'attachment; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)', value)
    assert match, f"unexpected Content-Disposition: {value!r}"
    return match.group(1), unquote(match.group(2))


@pytest.mark.parametrize("route", ["/api/v1/briefs", "/ui/briefs"])
def test_brief_file_names_are_safe_for_hostile_firm_names(client: TestClient, hostile: Hostile, lead_park: int,
                                                          route: str) -> None:
    for label in ("header", "crlf", "path", "script"):
        response = client.get(route, params={"firm_id": hostile.firm_ids[label], "park_id": lead_park, "format": "md"},
                              headers={"X-API-Key": hostile.keys["viewer"]})
        assert response.status_code == 200, response.text[:300]
        ascii_name, utf8_name = _disposition(response.headers["content-disposition"])
        assert ascii_name.endswith(".md") and not ascii_name.startswith(".")
        assert not set(utf8_name) & set('/\\"\r\n\x00<>:*?|') and not utf8_name.startswith(".")
        assert "set-cookie" not in {k.lower() for k in response.headers}, "a name broke out of its header"


def test_briefs_print_hostile_names_as_text_in_every_format(client: TestClient, hostile: Hostile,
                                                            lead_park: int) -> None:
    key = {"X-API-Key": hostile.keys["viewer"]}
    for label in MARKUP:
        name = HOSTILE[label]
        params = {"firm_id": hostile.firm_ids[label], "park_id": lead_park}
        md = client.get("/api/v1/briefs", params={**params, "format": "md"}, headers=key).text
        assert not re.search(r"<\s*(script|svg|img)", md, re.I), "raw markup in the Markdown brief"
        assert "&lt;" in md
        word = client.get("/api/v1/briefs", params={**params, "format": "docx"}, headers=key).content
        assert name in "\n".join(p.text for p in docx.Document(io.BytesIO(word)).paragraphs)
        with zipfile.ZipFile(io.BytesIO(word)) as package:
            parts = package.namelist()
            xml = "".join(package.read(p).decode("utf-8", "ignore") for p in parts if p.endswith((".xml", ".rels")))
        assert not [p for p in parts if "vbaProject" in p or p.endswith((".bin", ".js"))]
        assert 'TargetMode="External"' not in xml and "macroEnabled" not in xml and "instrText" not in xml
        pdf = client.get("/api/v1/briefs", params={**params, "format": "pdf"}, headers=key).content
        for marker in (b"/JavaScript", b"/JS ", b"/OpenAction", b"/Launch", b"/URI", b"/EmbeddedFile"):
            assert marker not in pdf, marker
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert name.replace(" ", "") in text.replace(" ", "").replace("\n", "")
