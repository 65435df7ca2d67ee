"""The staff screens over HTTP: search synonyms and inline errors, import, keys, audit, firm forms, plan, pipeline, map."""

from __future__ import annotations

import csv
import io
import re
import time

import openpyxl
from fastapi.testclient import TestClient

from service.firms import columns as cols
from tests.security.pages import read
from tests.service.ui.conftest import World, sign_in

CSV_HEADER = "企业名称 name_zh,镇街 town,行业代码 industries,员工人数 employees,用地(亩) land_mu\r\n"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, "a POST form carries the CSRF token"
    return match.group(1)


def _wait(client: TestClient, location: str) -> str:
    token = location.split("job=", 1)[1]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = client.get("/ui/import/status", params={"job": token}).json()
        if state["done"]:
            return token
        time.sleep(0.05)
    raise AssertionError("the import check did not finish")


def test_a_synonym_finds_lighting_firms(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    html = ui_app.get("/ui/search", params={"q": "灯饰"}).text
    total = int(re.search(r"企业 <small>(\d+)</small>", html).group(1))  # type: ignore[union-attr]
    assert total > 20, "灯饰 is a keyword of the lighting classes, so their firms are found"
    assert "C3872" in html and "照明灯具制造" in html


def test_industry_picked_by_name_and_a_typo_is_shown_beside_the_box(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    by_name = ui_app.get("/ui/search", params={"industry": "照明灯具制造"})
    assert by_name.status_code == 200 and "C3872" in by_name.text and '<datalist id="industry-names">' in by_name.text
    typo = ui_app.get("/ui/search", params={"industry": "照明灯具制照"})
    assert typo.status_code == 422
    page = read(typo.text)
    assert "未找到行业：照明灯具制照" in page.text
    assert "unknown industry: lightng" in read(ui_app.get("/ui/search", params={"industry": "lightng", "lang": "en"}).text).text
    assert 'class="topbar"' in typo.text and 'name="q"' in typo.text, "the error stays on the search page"


def test_import_template_in_xlsx_and_gbk_csv(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["editor"])
    xlsx = ui_app.get("/ui/import/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in book.worksheets[0][1]] == cols.header_row("zh")
    assert book.worksheets[1].max_row == len(cols.COLUMNS) + 1
    gbk = ui_app.get("/ui/import/template.csv")
    assert gbk.headers["content-type"].startswith("text/csv; charset=gbk")
    assert next(csv.reader(io.StringIO(gbk.content.decode("gbk")))) == cols.header_row("zh")
    sign_in(ui_app, ui_world.keys["viewer"])
    assert ui_app.get("/ui/import").status_code == 403


def test_import_preview_writes_nothing_then_commit_imports(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["editor"])
    token = _csrf(ui_app.get("/ui/import").text)
    bad = (CSV_HEADER + "导入测试甲灯饰有限公司,guzhen,C3872,abc,10\r\n"
           "导入测试乙灯饰有限公司,nowhere,C3872,50,10\r\n").encode("gbk")
    sent = ui_app.post("/ui/import", data={"csrf": token}, files={"file": ("名单.csv", bad, "text/csv")})
    assert sent.status_code == 303
    job = _wait(ui_app, sent.headers["location"])
    preview = read(ui_app.get("/ui/import", params={"job": job}).text)
    assert "应为数字" in preview.text and "expected a number" in preview.text
    assert "未知镇街 nowhere" in preview.text
    assert "确认导入" not in preview.text, "a file with problems cannot be committed"
    assert "导入测试甲" not in ui_app.get("/ui/search", params={"q": "导入测试"}).text

    good = (CSV_HEADER + "导入测试甲灯饰有限公司,古镇,C3872,120,10\r\n导入测试乙灯饰有限公司,guzhen,C3872,50,8\r\n").encode("gbk")
    sent = ui_app.post("/ui/import", data={"csrf": token}, files={"file": ("名单.csv", good, "text/csv")})
    job = _wait(ui_app, sent.headers["location"])
    ready = ui_app.get("/ui/import", params={"job": job}).text
    assert "检查通过" in ready and "确认导入" in ready
    assert "导入测试甲" not in ui_app.get("/ui/search", params={"q": "导入测试"}).text, "the preview wrote nothing"
    done = ui_app.post("/ui/import/commit", data={"csrf": token, "job": job})
    assert done.status_code == 303
    assert "已导入：新增 2 家" in ui_app.get(done.headers["location"]).text
    assert "导入测试甲灯饰有限公司" in ui_app.get("/ui/search", params={"q": "导入测试"}).text
    again = ui_app.post("/ui/import/commit", data={"csrf": token, "job": job})
    assert again.status_code == 409, "a committed check cannot be imported twice"


def test_admin_creates_a_key_shown_once_and_revokes_it(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["editor"])
    assert ui_app.get("/ui/admin/keys").status_code == 403
    sign_in(ui_app, ui_world.keys["admin"])
    token = _csrf(ui_app.get("/ui/admin/keys").text)
    created = ui_app.post("/ui/admin/keys", data={"csrf": token, "name": "盘州招商局测试", "role": "viewer"})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = re.search(r'<code class="new-secret">(pm_[^<]+)</code>', created.text).group(1)  # type: ignore[union-attr]
    listing = ui_app.get("/ui/admin/keys").text
    assert "盘州招商局测试" in listing and secret not in listing, "the secret is shown once only"
    key_id = int(re.search(r'data-key="(\d+)"><td class="num">\d+</td><td>盘州招商局测试', listing).group(1))  # type: ignore[union-attr]
    other = TestClient(ui_app.app, follow_redirects=False)
    assert sign_in(other, secret).status_code == 303
    assert ui_app.post(f"/ui/admin/keys/{key_id}/revoke", data={"csrf": token}).status_code == 303
    assert other.get("/ui/").status_code == 303, "the revoked key's session ends"
    audit = ui_app.get("/ui/admin/audit", params={"entity": "api_key", "action": "revoke"}).text
    assert f"<td>{key_id}</td>" in audit
    exported = ui_app.get("/ui/admin/audit.csv", params={"entity": "api_key"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "编号 Id" and {"create", "revoke"} <= {r[3] for r in rows[1:]}
    bad = ui_app.get("/ui/admin/audit", params={"since": "2026-13-01"})
    assert bad.status_code == 422 and "日期应为 YYYY-MM-DD" in bad.text


def test_firm_form_shows_bilingual_errors_inline_then_saves(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["editor"])
    token = _csrf(ui_app.get("/ui/firms/new").text)
    form = {"csrf": token, "name_zh": "表单测试五金有限公司", "town": "xiaolan", "industries": "C9999", "employees": "十"}
    refused = ui_app.post("/ui/firms/new", data=form)
    assert refused.status_code == 422
    text = read(refused.text).text
    assert "应为数字" in text and "expected a number" in text
    fixed = ui_app.post("/ui/firms/new", data={**form, "industries": "C3311", "employees": "40"})
    assert fixed.status_code == 303, re.findall(r'field-error[^>]*>([^<]*)', fixed.text)
    firm_url = fixed.headers["location"]
    unknown = ui_app.post(firm_url + "/edit", data={**form, "industries": "C9999", "employees": "40"})
    assert unknown.status_code == 422 and "未知行业代码 C9999" in read(unknown.text).text
    saved = ui_app.post(firm_url + "/edit", data={**form, "industries": "C3311", "employees": "45", "land_mu": "6"})
    assert saved.status_code == 303
    assert "<dd>45</dd>" in ui_app.get(firm_url).text


def test_plan_places_firms_under_capacity_with_totals_and_export(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    params = {"run": 1, "town": "guzhen", "max_per_park": 3}
    html = ui_app.get("/ui/plan", params=params).text
    assigned = int(re.search(r'<dd class="assigned-count">(\d+)</dd>', html).group(1))  # type: ignore[union-attr]
    assert 0 < assigned <= 3 * html.count("/ui/parks/") and "总匹配分" in html
    sheet = openpyxl.load_workbook(io.BytesIO(ui_app.get("/ui/plan.xlsx", params=params).content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "目的地 Destination" and rows[-1][0] == "合计 Total"
    assert sum(1 for r in rows[1:-1] if r[0]) == assigned
    assert ui_app.get("/ui/plan", params={"run": 1, "max_per_park": 0}).status_code == 422


def test_pipeline_card_moves_keeps_owner_and_follow_up_and_exports(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["editor"])
    token = _csrf(ui_app.get("/ui/pipeline").text)
    first = {"csrf": token, "firm_id": 3, "park_id": 2, "status": "contacted", "owner": "李娜", "follow_up": "2026-12-20",
             "note": "首次电话"}
    assert ui_app.post("/ui/feedback", data=first).status_code == 303
    moved = {"csrf": token, "firm_id": 3, "park_id": 2, "status": "visited", "note": "已到园区考察"}
    assert ui_app.post("/ui/feedback", data=moved).status_code == 303
    board = ui_app.get("/ui/pipeline", params={"owner": "李娜"}).text
    visited = board.split('id="visited"')[1].split('<section class="column"')[0]
    assert "已到园区考察" in visited and "李娜" in visited and "2026-12-20" in visited, "owner and date carry over"
    assert "首次电话" not in board.split('id="contacted"')[1].split('<section class="column"')[0]
    history = ui_app.get("/ui/pipeline", params={"firm_id": 3, "pair_park": 2}).text
    assert "首次电话" in history and "已到园区考察" in history
    assert "[负责人" not in history, "the stored owner line is read back, not printed"
    xlsx = ui_app.get("/ui/pipeline.xlsx", params={"owner": "李娜"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][6] == "负责人 Owner" and rows[1][6] == "李娜" and rows[1][7] == "2026-12-20"
    assert ui_app.get("/ui/pipeline", params={"owner": "nobody"}).text.count('class="card"') == 0
    # The board's own form sends its boxes: emptied, they clear the owner and the date.
    cleared = {"csrf": token, "firm_id": 3, "park_id": 2, "status": "visited", "owner": "", "follow_up": "",
               "board": "true"}
    assert ui_app.post("/ui/feedback", data=cleared).status_code == 303
    assert ui_app.get("/ui/pipeline", params={"owner": "李娜"}).text.count('class="card"') == 0


def test_map_links_every_located_destination(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    html = ui_app.get("/ui/map").text
    points = re.findall(r'<a href="/ui/parks/(\d+)" class="map-point"', html)
    assert len(points) >= 5 and ui_app.get(f"/ui/parks/{points[0]}").status_code == 200
    assert "位置为近似" in html and "镇街没有坐标" in html


def test_no_page_references_another_site(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["admin"])
    pages = ["/ui/", "/ui/search?q=灯饰", "/ui/firms/1", "/ui/parks/1", "/ui/prospect?description=古镇灯饰企业",
             "/ui/pipeline", "/ui/plan?run=1&town=guzhen", "/ui/map", "/ui/import", "/ui/admin/keys",
             "/ui/admin/audit", "/ui/firms/new", "/ui/firms/1/edit", "/ui/signin", "/ui/firms/999999"]
    for path in pages:
        response = ui_app.get(path)
        assert response.headers["content-type"].startswith("text/html"), path
        page = read(response.text)
        external = [f"{tag} {name}={value}" for tag, attrs in page.elements for name, value in attrs.items()
                    if name in ("src", "href", "action") and re.match(r"\s*(https?:)?//", value)]
        assert external == [], f"{path}: {external}"
        assert '<link rel="icon" href="/favicon.ico">' in response.text, path
