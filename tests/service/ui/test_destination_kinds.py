"""Pages and briefs name a destination for what it is (帮扶车间, 农业基地 …), never "park" for another kind;
钟山区 reads as Zhongshan District (Liupanshui); a wrong lead-list or plan filter is shown on the same page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.security.pages import read
from tests.service.ui.conftest import World, sign_in

PARK_WORD = re.compile(r"\bparks?\b", re.IGNORECASE)


def _ids(client: TestClient, world: World, kind: str) -> list[int]:
    listed = client.get("/api/v1/destinations", params={"kind": kind, "limit": 100},
                        headers={"X-API-Key": world.keys["viewer"]}).json()["items"]
    return [int(d["id"]) for d in listed]


def _profile(html: str) -> str:
    """The text of the destination's own panel (the navigation and the industry picker list aside)."""
    section = html.split('<section class="panel grow profile">', 1)[1].split("</section>", 1)[0]
    return read(section).text


def test_a_workshop_page_names_it_a_workshop_not_a_park(ui_app: TestClient, ui_world: World) -> None:
    workshop = _ids(ui_app, ui_world, "workshop")[0]
    sign_in(ui_app, ui_world.keys["viewer"])
    zh = ui_app.get(f"/ui/parks/{workshop}")
    assert zh.status_code == 200
    text = _profile(zh.text)
    assert "帮扶车间" in text and "安置社区" in text and "园区" not in text
    en = _profile(ui_app.get(f"/ui/parks/{workshop}", params={"lang": "en"}).text)
    assert "settlement workshop" in en and not PARK_WORD.search(en), en[:300]
    agri = _ids(ui_app, ui_world, "agri_base")[0]
    assert "农业基地" in _profile(ui_app.get(f"/ui/parks/{agri}", params={"lang": "zh"}).text)


def test_a_firm_page_names_each_ranked_destination_by_kind(ui_app: TestClient, ui_world: World) -> None:
    workshops = set(_ids(ui_app, ui_world, "workshop"))
    firm, shown = next((f.id, item.park.id) for f in ui_world.engine.world.firms[:60]
                       for item in ui_world.engine.recommend(firm_id=f.id or 0, top_k=10).items
                       if item.park.id in workshops)
    sign_in(ui_app, ui_world.keys["viewer"])
    html = ui_app.get(f"/ui/firms/{firm}", params={"top_k": 10, "lang": "zh"}).text
    card = html.split(f'<article class="rank" data-park="{shown}">', 1)[1].split("</header>", 1)[0]
    assert "帮扶车间" in read(card).text
    assert "推荐目的地" in html and "推荐园区" not in html


def test_a_workshop_brief_does_not_call_it_a_park(ui_app: TestClient, ui_world: World) -> None:
    workshop = _ids(ui_app, ui_world, "workshop")[0]
    headers = {"X-API-Key": ui_world.keys["viewer"]}
    zh = ui_app.get("/api/v1/briefs", params={"firm_id": 1, "park_id": workshop, "format": "md", "lang": "zh"},
                    headers=headers)
    assert zh.status_code == 200, zh.text
    assert "帮扶车间" in zh.text and "园区" not in zh.text
    en = ui_app.get("/api/v1/briefs", params={"firm_id": 1, "park_id": workshop, "format": "md", "lang": "en"},
                    headers=headers).text
    assert "settlement workshop" in en
    assert not PARK_WORD.search(en.replace("ParkMatch", "")), PARK_WORD.findall(en)


def test_zhongshan_district_reads_as_liupanshui_in_data_ui_and_briefs(ui_app: TestClient, ui_world: World) -> None:
    headers = {"X-API-Key": ui_world.keys["viewer"]}
    parks = ui_app.get("/api/v1/parks", params={"limit": 100}, headers=headers).json()["items"]
    in_district = [p for p in parks if p["county"] == "zhongshan_district"]
    assert in_district and {p["county_name_en"] for p in in_district} == {"Zhongshan District (Liupanshui)"}
    sign_in(ui_app, ui_world.keys["viewer"])
    page = read(ui_app.get(f"/ui/parks/{in_district[0]['id']}", params={"lang": "en"}).text).text
    assert "Zhongshan District (Liupanshui)" in page
    assert re.search(r"Zhongshan District(?! \(Liupanshui\))", page) is None
    brief = ui_app.get("/api/v1/briefs", params={"firm_id": 1, "park_id": in_district[0]["id"], "format": "md",
                                                 "lang": "en"}, headers=headers).text
    assert "Zhongshan District (Liupanshui)" in brief and "(Liupanshui) (Liupanshui)" not in brief


def test_a_wrong_lead_filter_is_shown_beside_its_box_with_the_page_around_it(ui_app: TestClient,
                                                                             ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    bad = ui_app.get("/ui/parks/1", params={"industry": "C38X9", "min_employees": "很多", "lang": "zh"})
    assert bad.status_code == 422
    page = read(bad.text)
    assert "未找到行业：C38X9" in page.text and "最少员工人数应为" in page.text
    assert 'class="topbar"' in bad.text and 'name="industry" value="C38X9"' in bad.text, "the form keeps what was typed"
    assert bad.text.count("/ui/firms/") > 3, "the lead list is still drawn, without the wrong filter"
    by_name = ui_app.get("/ui/parks/1", params={"industry": "照明灯具制造"})
    assert by_name.status_code == 200 and "field-error" not in by_name.text
    en = read(ui_app.get("/ui/parks/1", params={"top_k": "0", "lang": "en"}).text).text
    assert "the number shown must be a whole number from 1 to 200, got 0" in en


def test_a_wrong_plan_box_is_shown_on_the_plan_page(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    bad = ui_app.get("/ui/plan", params={"run": 1, "max_per_park": "abc", "town": "nowhere", "lang": "zh"})
    assert bad.status_code == 422
    page = read(bad.text)
    assert "每个目的地最多企业数应为 1–50 的整数，实为 abc" in page.text and "未知镇街：nowhere" in page.text
    assert 'class="topbar"' in bad.text and "plan-form" in bad.text and "assigned-count" not in bad.text
    good = ui_app.get("/ui/plan", params={"run": 1, "max_per_park": "3", "town": "古镇"})
    assert good.status_code == 200 and "assigned-count" in good.text
