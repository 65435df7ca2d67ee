"""The web UI over HTTP: sign-in and sessions, roles, escaping, language, exports and feedback."""

from __future__ import annotations

import csv
import html
import io
import os
import re
import stat
from collections.abc import Callable

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from service.auth.service import revoke
from service.database import unit_of_work
from service.ui import session as ui_session
from tests.service.ui.conftest import FORMULA_NAME, XSS_NAME, World, sign_in


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, "a POST form carries the CSRF token"
    return match.group(1)


def test_signed_out_pages_redirect_to_sign_in(ui_app: TestClient) -> None:
    response = ui_app.get("/ui/firms/1?mode=market")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/signin?next=%2Fui%2Ffirms%2F1%3Fmode%3Dmarket"
    assert ui_app.get("/").headers["location"] == "/ui/"
    page = ui_app.get("/ui/signin")
    assert page.status_code == 200 and "API 密钥" in page.text


def test_wrong_key_is_refused_and_counts_as_a_failed_attempt(ui_app: TestClient) -> None:
    response = sign_in(ui_app, "pm_not-a-key")
    assert response.status_code == 401 and "API 密钥无效或已撤销" in response.text
    assert ui_session.COOKIE not in response.cookies


def test_session_cookie_is_signed_http_only_and_never_holds_the_key(ui_app: TestClient, ui_world: World) -> None:
    key = ui_world.keys["viewer"]
    response = sign_in(ui_app, key)
    assert response.status_code == 303 and response.headers["location"] == "/ui/"
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "samesite=lax" in header.lower()
    value = response.cookies[ui_session.COOKIE]
    assert key not in value and key[3:20] not in value
    assert ui_app.get("/ui/").status_code == 200
    tampered = value.rsplit(".", 1)[0] + "." + "0" * 64
    ui_app.cookies.clear()
    ui_app.cookies.set(ui_session.COOKIE, value)
    assert ui_app.get("/ui/").status_code == 200, "the untouched cookie still works when set by hand"
    ui_app.cookies.clear()
    ui_app.cookies.set(ui_session.COOKIE, tampered)
    assert ui_app.get("/ui/").status_code == 303


def test_session_secret_is_kept_private(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    path = ui_world.settings.var_dir / ui_session.SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_revoking_the_key_ends_the_session(
    ui_app: TestClient, ui_world: World, sessions: Callable[[str], sessionmaker[Session]],
) -> None:
    from service.auth.service import Role, create_key

    factory = sessions(ui_world.settings.database_url)
    with unit_of_work(factory) as session:
        row, secret = create_key(session=session, name="short-lived", role=Role.viewer)
    sign_in(ui_app, secret)
    assert ui_app.get("/ui/").status_code == 200
    with unit_of_work(factory) as session:
        _revoke(session, row.id)
    assert ui_app.get("/ui/").status_code == 303


def _revoke(session: Session, key_id: int) -> None:
    revoke(session=session, key_id=key_id)


def test_sign_out_clears_the_session(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    token = _csrf(ui_app.get("/ui/").text)
    response = ui_app.post("/ui/signout", data={"csrf": token})
    assert response.status_code == 303
    assert ui_app.get("/ui/").status_code == 303


def test_firm_page_shows_ranked_parks_with_charts_costs_and_estimates(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    response = ui_app.get("/ui/firms/1")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert html.count('class="rank"') >= 3
    assert '<svg class="chart"' in html and "±30% 权重变化下仍居前三" in html and "年度成本比较" in html
    assert "（估算）" in html
    assert "/ui/briefs?firm_id=1&amp;park_id=" in html
    assert 'name="w_industry_fit"' in html and 'type="range"' in html
    # The EIA category reads as staff know it, not as the stored code.
    assert any(f"<dd>{word}</dd>" in html for word in ("报告书", "报告表", "登记表"))


def test_markup_in_a_firm_name_is_escaped(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    html = ui_app.get(f"/ui/firms/{ui_world.xss_firm_id}").text
    assert XSS_NAME not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    search = ui_app.get("/ui/search", params={"q": "script"}).text
    assert "&lt;script&gt;" in search and XSS_NAME not in search


def test_english_switch_is_remembered(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    response = ui_app.get("/ui/search?lang=en")
    assert "Firms &amp; parks" in response.text and response.cookies.get("parkmatch_lang") == "en"
    assert "Recommended destinations" in ui_app.get("/ui/firms/1").text
    assert "推荐目的地" in ui_app.get("/ui/firms/1?lang=zh").text


def test_unknown_firm_and_bad_filter_render_error_pages(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    missing = ui_app.get("/ui/firms/999999")
    assert missing.status_code == 404 and "企业 999999 不存在" in missing.text
    bad = ui_app.get("/ui/search", params={"industry": "zz"})
    assert bad.status_code == 422 and "industry" in bad.text


def test_lead_list_exports_are_formula_safe(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    query: dict[str, str | int] = {"town": "guzhen", "industry": "C3872", "top_k": 200}
    page = ui_app.get("/ui/parks/1", params=query).text
    assert "企业线索" in page
    csv_response = ui_app.get("/ui/parks/1/leads.csv", params=query)
    assert csv_response.status_code == 200 and csv_response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "排名 Rank" and len(rows) > 1
    names = [r[1] for r in rows[1:]]
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    xlsx = ui_app.get("/ui/parks/1/leads.xlsx", params=query)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA_NAME in cells


def test_viewer_cannot_record_feedback_but_editor_can(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    html = ui_app.get("/ui/firms/2").text
    assert 'action="/ui/feedback"' not in html
    refused = ui_app.post("/ui/feedback", data={"firm_id": 2, "park_id": 1, "status": "contacted", "csrf": _csrf(html)})
    assert refused.status_code == 403
    sign_in(ui_app, ui_world.keys["editor"])
    html = ui_app.get("/ui/firms/2").text
    assert 'action="/ui/feedback"' in html
    no_token = ui_app.post("/ui/feedback", data={"firm_id": 2, "park_id": 1, "status": "visited"})
    assert no_token.status_code == 403
    done = ui_app.post("/ui/feedback", data={"firm_id": 2, "park_id": 1, "status": "visited", "note": "<b>看过</b>",
                                             "csrf": _csrf(html), "next": "/ui/firms/2"})
    assert done.status_code == 303 and done.headers["location"] == "/ui/firms/2"
    board = ui_app.get("/ui/pipeline").text
    assert "&lt;b&gt;看过&lt;/b&gt;" in board and 'class="badge st-visited"' in board


def _feedback_form(page: str) -> dict[str, str]:
    """The first feedback form on a page as a browser would send it untouched: every input with its value."""
    form = re.search(r'<form class="feedback" method="post" action="/ui/feedback">(.*?)</form>', page, re.S)
    assert form, "the page has a feedback form"
    fields = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<input [^>]*?name="(\w+)" value="([^"]*)"', form.group(1))}
    for box in ("owner", "follow_up"):  # boxes with their value after the name
        m = re.search(rf'name="{box}" value="([^"]*)"', form.group(1))
        assert m, f"the firm page's form has a {box} box"
        fields[box] = html.unescape(m.group(1))
    return fields


def test_the_firm_page_form_sets_owner_and_follow_up_and_keeps_them_when_sent_again(ui_app: TestClient,
                                                                                   ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["editor"])
    sent = _feedback_form(ui_app.get("/ui/firms/3").text)
    sent.update(status="contacted", owner="李科长", follow_up="2027-01-15", note="电话联系")
    assert ui_app.post("/ui/feedback", data=sent).status_code == 303
    again = _feedback_form(ui_app.get("/ui/firms/3").text)
    assert (again["owner"], again["follow_up"]) == ("李科长", "2027-01-15"), "the form shows what the pair holds"
    # Sent again as shown, with only the status changed: owner and follow-up stay.
    again.update(status="visited", note="已考察")
    assert ui_app.post("/ui/feedback", data=again).status_code == 303
    board = ui_app.get("/ui/pipeline", params={"owner": "李科长"}).text
    assert "李科长" in board and "2027-01-15" in board and 'class="badge st-visited"' in board


def test_prospect_form_shows_inferred_industries_to_edit(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    html = ui_app.get("/ui/prospect", params={"description": "古镇灯饰企业，生产LED吸顶灯，灯体铝压铸"}).text
    value = re.search(r'name="industries" id="industries" value="([^"]*)"', html)
    assert value and value.group(1), "inferred industry codes are pre-filled for editing"
    assert html.count('class="rank"') >= 3
    rerun = ui_app.get("/ui/prospect", params={"description": "古镇灯饰企业", "industries": "C1372"}).text
    assert "C1372" in rerun and 'source="given"' not in rerun


def test_an_unsure_industry_shows_a_picker_whose_choice_reruns_the_ranking(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    html = ui_app.get("/ui/prospect", params={"description": "做点小生意，想去贵州看看", "employees": "120"}).text
    picker = re.search(r'<div class="alert" role="status" id="industry-picker">(.*?)</div>', html, re.S)
    assert picker, "an unsure answer offers a choice"
    links = re.findall(r'<a class="chip" href="([^"]+)" data-code="([A-T]\d{4})">', picker.group(1))
    assert len(links) == 3 and "无法从描述确定行业" in picker.group(1)
    href, code = links[1]
    chosen = ui_app.get(href.replace("&amp;", "&")).text
    assert 'id="industry-picker"' not in chosen
    value = re.search(r'name="industries" id="industries" value="([^"]*)"', chosen)
    assert value and value.group(1) == code, "the picked class is the one ranked with"
    assert 'name="employees" min="0" value="120"' in chosen, "the other fields are kept"
    assert chosen.count('class="rank"') >= 3
    sure = ui_app.get("/ui/prospect", params={"description": "古镇灯饰企业，生产LED吸顶灯，灯体铝压铸"}).text
    assert 'id="industry-picker"' not in sure


def test_prospect_form_takes_what_a_buyer_buys_and_what_an_employer_hires(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    # A buyer types its purchases: the market ranking ranks bases supplying them, the cost table shows the
    # freight of the stated tonnage.
    market = ui_app.get("/ui/prospect", params={"description": "中山一家果汁饮料厂", "buys": "刺梨:800:吨", "mode": "market"})
    assert market.status_code == 200
    assert 'name="buys" id="buys" maxlength="1000" value="刺梨:800:吨"' in market.text
    assert market.text.count('class="rank"') >= 2 and "运回中山：刺梨" in market.text and "每年运回中山的运费" in market.text
    # An employer types its vacancies: the labour ranking lists counties with the workers' extra pay.
    labour = ui_app.get("/ui/prospect", params={"description": "南头家电厂春节后扩招", "vacancies": "200:装配工:2-4",
                                                "mode": "labour"})
    assert labour.status_code == 200 and labour.text.count('class="rank"') >= 2
    assert "受聘工人每年合计增收" in labour.text and "劳务输出" in labour.text
    # A product the catalogue does not know is named in the form, in both languages, and nothing is ranked.
    bad = ui_app.get("/ui/prospect", params={"description": "水果批发", "buys": "榴莲:50:吨", "mode": "market"})
    assert bad.status_code == 200 and "采购的产品「榴莲:50:吨」" in bad.text and 'class="rank"' not in bad.text
    english = ui_app.get("/ui/prospect", params={"description": "fruit trader", "vacancies": "many:workers",
                                                 "mode": "labour", "lang": "en"})
    shown = html.unescape(english.text)
    assert 'Vacancies "many:workers"' in shown and "whole number" in shown and "招聘岗位" not in shown


def test_brief_download_from_the_ui(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    response = ui_app.get("/ui/briefs", params={"firm_id": 1, "park_id": 1, "format": "md"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/markdown")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
