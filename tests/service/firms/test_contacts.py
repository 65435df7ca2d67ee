"""Firm contacts (联系人, 电话, 地址, 备注): imported, exported and shown to editors and admins, never to viewers."""

from __future__ import annotations

import csv
import io
import json
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

PHONE = "0760-2233 4455"
MOBILE = "13800138000"
# Column headers as firm lists write them: 联系电话 and 企业地址 are aliases of 电话 and 地址.
GBK_FILE = ("企业名称,镇街,行业代码,员工人数,联系人,联系电话,企业地址,备注\r\n"
            f"中山市联络测试灯饰有限公司,古镇,C3872,80,李经理,{PHONE},中山市古镇镇东兴路8号,周三上午方便来电\r\n"
            f"中山市联络测试电器有限公司,小榄镇,C3857,120,陈女士,{MOBILE},小榄镇工业大道1号,\r\n").encode("gbk")


def _import(client: TestClient, editor: str) -> list[int]:
    response = client.post("/api/v1/import/firms", headers={"X-API-Key": editor},
                           files={"file": ("联系人.csv", GBK_FILE, "text/csv")})
    assert response.status_code == 200, response.text
    ids: list[int] = response.json()["firm_ids"]
    return ids


def test_a_gbk_file_with_contact_columns_imports_them_for_editors(client: TestClient, keys: dict[str, str]) -> None:
    ids = _import(client, keys["editor"])
    firm = client.get(f"/api/v1/firms/{ids[0]}", headers={"X-API-Key": keys["editor"]}).json()
    assert (firm["contact_name"], firm["phone"], firm["address"], firm["notes"]) == (
        "李经理", PHONE, "中山市古镇镇东兴路8号", "周三上午方便来电")
    admin = client.get(f"/api/v1/firms/{ids[1]}", headers={"X-API-Key": keys["admin"]}).json()
    assert admin["phone"] == MOBILE


def test_a_viewer_gets_no_contact_in_firm_json(client: TestClient, keys: dict[str, str]) -> None:
    ids = _import(client, keys["editor"])
    one = client.get(f"/api/v1/firms/{ids[0]}", headers={"X-API-Key": keys["viewer"]})
    assert one.status_code == 200
    assert PHONE not in one.text and "李经理" not in one.text and "东兴路" not in one.text
    assert one.json()["phone"] is None and one.json()["contact_name"] is None
    listed = client.get("/api/v1/firms?q=联络测试", headers={"X-API-Key": keys["viewer"]})
    assert listed.json()["total"] == 2
    assert PHONE not in listed.text and MOBILE not in listed.text


def test_a_viewer_export_has_no_contact_columns(client: TestClient, keys: dict[str, str]) -> None:
    _import(client, keys["editor"])
    viewer = {"X-API-Key": keys["viewer"]}
    text = client.get("/api/v1/firms/export?format=csv&q=联络测试", headers=viewer).content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert PHONE not in text and MOBILE not in text and not any("电话" in h or "联系人" in h for h in header)
    book = load_workbook(io.BytesIO(client.get("/api/v1/firms/export?format=xlsx&q=联络测试", headers=viewer).content))
    cells = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert len(cells) > 10 and not any(MOBILE in c or "电话" in c for c in cells)
    loaded = json.loads(client.get("/api/v1/firms/export?format=json&q=联络测试", headers=viewer).content)
    assert len(loaded) == 2 and "phone" not in loaded[0]


def test_an_editor_export_keeps_the_phone_as_text_and_reimports_unchanged(client: TestClient,
                                                                           keys: dict[str, str]) -> None:
    _import(client, keys["editor"])
    editor = {"X-API-Key": keys["editor"]}
    data = client.get("/api/v1/firms/export?format=xlsx&q=联络测试", headers=editor).content
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    column = rows[0].index("电话 phone")
    assert {r[column] for r in rows[1:]} == {PHONE, MOBILE}  # text, so a leading 0 would survive
    again = client.post("/api/v1/import/firms", headers=editor, files={"file": ("back.xlsx", data)})
    assert again.status_code == 200 and again.json()["unchanged"] == 2


def test_a_phone_with_letters_is_refused_naming_row_and_column(client: TestClient, keys: dict[str, str]) -> None:
    bad = "企业名称,镇街,行业代码,员工人数,电话\r\n中山市号码测试有限公司,古镇,C3872,10,call me\r\n".encode("gbk")
    for lang, word in (("zh", "电话只能含数字"), ("en", "a phone may hold only digits")):
        response = client.post("/api/v1/import/firms", headers={"X-API-Key": keys["editor"], "Accept-Language": lang},
                               files={"file": ("bad.csv", bad)})
        assert response.status_code == 422
        problem = response.json()["problems"][0]
        assert problem["row"] == 2 and problem["column"] == "电话" and word in problem["message"]
    assert client.get("/api/v1/firms?q=号码测试").json()["total"] == 0


def _signed_in(client: TestClient, key: str) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/signin").text)
    assert token
    client.post("/ui/signin", data={"key": key, "next": "/ui/", "csrf": token.group(1)}, follow_redirects=False)


def test_the_firm_page_shows_contacts_to_an_editor_only(client: TestClient, keys: dict[str, str]) -> None:
    firm_id = _import(client, keys["editor"])[0]
    client.headers.pop("X-API-Key")
    _signed_in(client, keys["viewer"])
    viewer_page = client.get(f"/ui/firms/{firm_id}/edit", follow_redirects=False)
    assert viewer_page.status_code == 403
    # The firm page ranks destinations (the engine is built on first use); the contact block is what differs.
    seen = client.get(f"/ui/firms/{firm_id}?top_k=1")
    assert seen.status_code == 200 and "联络测试灯饰" in seen.text
    assert PHONE not in seen.text and "李经理" not in seen.text
    client.cookies.clear()
    _signed_in(client, keys["editor"])
    shown = client.get(f"/ui/firms/{firm_id}?top_k=1")
    assert PHONE in shown.text and "李经理" in shown.text
    form = client.get(f"/ui/firms/{firm_id}/edit")
    assert f'value="{PHONE}"' in form.text
