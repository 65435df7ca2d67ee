"""The staff screens in a real Chromium: import, keys, plan, pipeline moves, the map, a 390 px phone layout,
inline filter errors, firm contacts by role and a workshop's own page.

Screenshots go to test-artifacts/screenshots/ (the folder test_browser.py names).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.ui import test_browser as shared
from tests.service.ui.conftest import World
from tests.service.ui.test_browser import _shot, _sign_in

pytestmark = pytest.mark.browser

# The server, browser and tab fixtures of test_browser.py, shared by name.
base_url, browser, page = shared.base_url, shared.browser, shared.page

HEADER = "企业名称 name_zh,镇街 town,行业代码 industries,员工人数 employees,用地(亩) land_mu\r\n"


def _upload(page: Any, name: str, text: str) -> None:
    page.set_input_files("input[type=file]", files=[{"name": name, "mimeType": "text/csv",
                                                     "buffer": text.encode("gbk")}])
    page.click("form.upload button[type=submit]")


def test_import_preview_then_commit(page: Any, base_url: str, ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["editor"], "/ui/import")
    _upload(page, "有误.csv", HEADER + "浏览器导入甲照明有限公司,guzhen,C3872,很多,10\r\n")
    page.wait_for_selector("table.problems")
    assert "应为数字" in page.locator("table.problems").inner_text()
    assert page.locator("form.commit").count() == 0
    _shot(page, "10-import-problems")
    _upload(page, "名单.csv", HEADER + "浏览器导入甲照明有限公司,古镇,C3872,60,10\r\n浏览器导入乙照明有限公司,guzhen,C3872,30,5\r\n")
    page.wait_for_selector("form.commit")
    assert page.locator("table.preview tbody tr").count() == 2
    _shot(page, "11-import-preview")
    with page.expect_navigation():
        page.click("form.commit button")
    assert "已导入：新增 2 家" in page.locator(".ok-note").inner_text()
    _shot(page, "12-import-done")
    page.goto(base_url + "/ui/search?q=浏览器导入")
    assert page.get_by_text("浏览器导入乙照明有限公司").is_visible()


def test_admin_creates_and_revokes_a_key(page: Any, base_url: str, ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["admin"], "/ui/admin/keys")
    page.fill("form.new-key input[name=name]", "水城招商局（浏览器）")
    page.select_option("form.new-key select[name=role]", "editor")
    with page.expect_navigation():
        page.click("form.new-key button")
    secret = page.locator("code.new-secret").inner_text()
    assert secret.startswith("pm_")
    _shot(page, "13-key-created")
    page.goto(base_url + "/ui/admin/keys")
    assert page.locator("code.new-secret").count() == 0, "the secret is shown once"
    row = page.locator("table.keys tr", has_text="水城招商局（浏览器）")
    with page.expect_navigation():
        row.locator("form.revoke button").click()
    assert "已撤销" in page.locator("table.keys tr", has_text="水城招商局（浏览器）").inner_text()
    _shot(page, "14-key-revoked")
    page.goto(base_url + "/ui/admin/audit?entity=api_key&action=revoke")
    assert page.locator("table.audit tbody tr").count() >= 1


def test_plan_for_one_town(page: Any, base_url: str, ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["viewer"], "/ui/plan")
    page.select_option("form.plan-form select[name=town]", "guzhen")
    page.fill("form.plan-form input[name=max_per_park]", "4")
    with page.expect_navigation():
        page.click("form.plan-form button")
    assigned = int(page.locator(".assigned-count").inner_text())
    assert assigned > 0
    assert page.locator("table.plan-parks tbody tr").count() >= 5
    _shot(page, "15-plan")
    with page.expect_download() as download_info:
        page.click("a[href^='/ui/plan.xlsx']")
    assert download_info.value.suggested_filename == "plan-relocation.xlsx"


def test_moving_a_pipeline_card(page: Any, base_url: str, ui_world: World) -> None:
    firm = next(f.id for f in ui_world.engine.world.firms if ui_world.engine.recommend(firm_id=f.id or 0).items)
    _sign_in(page, base_url, ui_world.keys["editor"], f"/ui/firms/{firm}")
    first = page.locator(".rank").first
    first.locator("select[name=status]").select_option("contacted")
    first.locator("input[name=note]").fill("看板移动测试")
    with page.expect_navigation():
        first.locator("form.feedback button").click()
    page.goto(base_url + "/ui/pipeline")
    card = page.locator("#contacted .card", has_text="看板移动测试")
    card.locator("details.move summary").click()
    card.locator("select[name=status]").select_option("visited")
    card.locator("input[name=owner]").fill("王强")
    card.locator("input[name=follow_up]").fill("2026-12-18")
    with page.expect_navigation():
        card.locator("form.move-form button").click()
    moved = page.locator("#visited .card", has_text="王强")
    assert moved.count() == 1 and "2026-12-18" in moved.inner_text()
    _shot(page, "16-pipeline-moved")
    # Dragging the card onto another column submits the same form.
    with page.expect_navigation():
        moved.drag_to(page.locator("#negotiating"))
    assert page.locator("#negotiating .card", has_text="王强").count() == 1
    page.goto(base_url + "/ui/pipeline?owner=王强")
    assert page.locator(".board .card").count() == 1


def test_map_point_opens_its_page(page: Any, base_url: str, ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["viewer"], "/ui/map")
    points = page.locator("svg.map a.map-point")
    assert points.count() >= 5
    _shot(page, "17-map")
    park = points.first.get_attribute("data-park")
    with page.expect_navigation():
        points.first.locator("circle").click()
    assert page.url.endswith(f"/ui/parks/{park}")


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def test_a_390px_phone_layout_keeps_the_side_panel_off_the_content(phone: Any, base_url: str,
                                                                     ui_world: World) -> None:
    _sign_in(phone, base_url, ui_world.keys["editor"], "/ui/firms/1")
    for path, name in [("/ui/firms/1", "20-phone-firm"), ("/ui/parks/1", "21-phone-park"),
                       ("/ui/pipeline", "22-phone-pipeline"), ("/ui/search?q=灯饰", "23-phone-search"),
                       ("/ui/map", "24-phone-map"), ("/ui/", "25-phone-home")]:
        phone.goto(base_url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways: {width}px"
        side, grow = phone.locator("aside.side"), phone.locator(".cols .grow")
        if side.count() and grow.count():
            s, g = side.first.bounding_box(), grow.first.bounding_box()
            assert s["y"] >= g["y"] + g["height"] - 1 or g["y"] >= s["y"] + s["height"] - 1, f"{path}: panels overlap"
        _shot(phone, name)


def test_the_new_screens_read_in_english(page: Any, base_url: str, ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["admin"], "/ui/import?lang=en")
    headings = {"/ui/import": "Import a firm list", "/ui/plan?run=1&town=guzhen": "Plan: which firm goes where",
                "/ui/map": "Destinations in Liupanshui", "/ui/pipeline": "Pipeline", "/ui/admin/keys": "API keys",
                "/ui/admin/audit": "Audit log", "/ui/firms/new": "Add a firm"}
    for number, (path, heading) in enumerate(headings.items()):
        page.goto(base_url + path)
        assert heading in page.locator("h1").first.inner_text(), path
        _shot(page, f"3{number}-english-{path.split('?')[0].strip('/').replace('/', '-')}")


def test_a_wrong_filter_is_shown_beside_its_box_on_the_lead_list_and_the_plan(page: Any, base_url: str,
                                                                               ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["viewer"], "/ui/parks/1")
    page.fill("form.filters input[name=industry]", "C38X9")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    error = page.locator("form.filters .field-error")
    assert "未找到行业：C38X9" in error.first.inner_text()
    assert page.locator("header.topbar nav a").count() >= 5, "the page keeps its navigation"
    assert page.locator("table.leads tbody tr").count() > 5, "the list is drawn without the wrong filter"
    _shot(page, "18-lead-filter-error")
    page.fill("form.filters input[name=industry]", "照明灯具制造")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert page.locator(".field-error").count() == 0
    page.goto(base_url + "/ui/plan")
    page.fill("form.plan-form input[name=max_per_park]", "很多")
    with page.expect_navigation():
        page.click("form.plan-form button")
    assert "每个目的地最多企业数应为 1–50 的整数" in page.locator("form.plan-form .field-error").inner_text()
    assert page.locator(".assigned-count").count() == 0
    _shot(page, "19-plan-filter-error")


def test_contacts_are_edited_by_an_editor_and_hidden_from_a_viewer(page: Any, base_url: str,
                                                                     ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["editor"], "/ui/firms/2/edit")
    page.fill("input[name=contact_name]", "黄主任")
    page.fill("input[name=phone]", "0760-2288 6677")
    page.fill("input[name=address]", "中山市小榄镇工业大道 3 号")
    with page.expect_navigation():
        page.click("form.firm-form button[type=submit]")
    contacts = page.locator("dl.contacts")
    assert "0760-2288 6677" in contacts.inner_text() and "黄主任" in contacts.inner_text()
    _shot(page, "26-firm-contacts-editor")
    page.context.clear_cookies()
    _sign_in(page, base_url, ui_world.keys["viewer"], "/ui/firms/2")
    assert page.locator("dl.contacts").count() == 0
    assert "0760-2288 6677" not in page.content()
    _shot(page, "27-firm-viewer-no-contacts")


def test_a_workshop_on_the_map_opens_a_page_that_calls_it_a_workshop(page: Any, base_url: str,
                                                                      ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["viewer"], "/ui/map")
    kinds = set(page.locator("svg.map a.map-point").evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert {"park", "workshop", "agri_base"} <= kinds, kinds
    # Followed by its link: points of other kinds may lie on top of it at this scale.
    workshop = page.locator("svg.map a.map-point[data-kind=workshop]").first
    page.goto(base_url + (workshop.get_attribute("href") or ""))
    profile = page.locator("section.profile").inner_text()
    assert "帮扶车间" in profile and "安置社区" in profile and "园区" not in profile
    _shot(page, "28-workshop-page")
