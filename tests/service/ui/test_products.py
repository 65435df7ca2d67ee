"""The product → buyers screen over HTTP: the list, the nav entry, and a bad product named in both languages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.ui.conftest import World, sign_in


def test_the_products_screen_lists_buyers_and_is_in_the_menu(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    home = ui_app.get("/ui/")
    assert 'href="/ui/products"' in home.text
    page = ui_app.get("/ui/products", params={"product": "刺梨"})
    assert page.status_code == 200
    world = ui_world.engine.world
    buyers = [f for f in world.firms if any(r == "ci_li" for r, _ in f.buys)]
    assert buyers and all(f.name_zh in page.text for f in buyers)
    assert page.text.count('class="buyer"') >= len(buyers)


def test_an_unknown_product_says_so_in_both_languages(ui_app: TestClient, ui_world: World) -> None:
    sign_in(ui_app, ui_world.keys["viewer"])
    page = ui_app.get("/ui/products", params={"product": "榴莲"})
    assert page.status_code == 404
    assert "未知产品 榴莲" in page.text
    english = ui_app.get("/ui/products", params={"product": "榴莲", "lang": "en"})
    assert "unknown product" in english.text
