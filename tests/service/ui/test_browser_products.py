"""Product → buyers in a real Chromium: pick a product, read its suppliers and its Zhongshan buyers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.ui import test_browser as shared
from tests.service.ui.conftest import World
from tests.service.ui.test_browser import _shot, _sign_in

pytestmark = pytest.mark.browser

base_url, browser, page = shared.base_url, shared.browser, shared.page


def test_pick_a_product_and_see_its_buyers_and_suppliers(page: Any, base_url: str, ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["viewer"], "/ui/products")
    page.select_option("select#product", "kiwifruit")
    with page.expect_navigation():
        page.click("form[action='/ui/products'] button[type=submit]")
    assert "product=kiwifruit" in page.url
    rows = page.locator("#buyers tr.buyer")
    world = ui_world.engine.world
    buyers = {f.name_zh for f in world.firms if any(r == "kiwifruit" for r, _ in f.buys)}
    assert rows.count() >= len(buyers)
    shown = [t.strip() for t in page.locator("#buyers tr.buyer td:nth-child(2) a").all_inner_texts()]
    assert set(shown[: len(buyers)]) == buyers, "firms that state they buy kiwifruit come first"
    suppliers = page.locator("#suppliers").inner_text()
    assert "大用猕猴桃产业园" in suppliers and "冷链" in suppliers
    _shot(page, "20-product-buyers")
    page.goto(base_url + "/ui/products?product=kiwifruit&lang=en")
    assert "Zhongshan buyers" in page.locator("#buyers h2").inner_text()
