"""The web UI in a real Chromium (Playwright) against a real uvicorn server over the starter data."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
import uvicorn

from service.matching.modes import MODES, Mode
from service.matching.scoring import FACTOR_NAMES
from tests.service.ui.conftest import XSS_NAME, World, build_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
FIRM_ID = 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url(ui_world: World) -> Iterator[str]:
    app = build_app(ui_world)
    app.state.match_service = ui_world.engine
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("PARKMATCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and PARKMATCH_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base_url: str, key: str, target: str) -> None:
    page.goto(base_url + target)
    assert "/ui/signin" in page.url, "a signed-out visit lands on the sign-in page"
    page.fill("input[name=key]", key)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + target)


def _order(page: Any) -> list[str]:
    return [text.strip() for text in page.locator(".rank .park-name").all_inner_texts()]


def _weights_that_reorder(world: World) -> tuple[str, list[str]]:
    """A slider (set to 100) that changes the firm's park order, and the order the engine then gives."""
    preset = {n: round(MODES[Mode.relocation].weights[n] * 100) / 100 for n in FACTOR_NAMES}
    base = [i.park.name_zh for i in world.engine.recommend(firm_id=FIRM_ID, weights=preset).items]
    for name in FACTOR_NAMES:
        moved = [i.park.name_zh for i in world.engine.recommend(firm_id=FIRM_ID, weights={**preset, name: 1.0}).items]
        if moved != base:
            return name, moved
    pytest.fail("no single slider changes the order for this firm")


def test_sign_in_rank_reweight_prospect_and_download_a_brief(page: Any, base_url: str, ui_world: World) -> None:
    _sign_in(page, base_url, ui_world.keys["editor"], f"/ui/firms/{FIRM_ID}")
    _shot(page, "01-firm-ranked-parks")
    before = _order(page)
    assert len(before) >= 3, "the firm page lists its ranked parks"
    assert page.locator(".rank svg.chart").first.is_visible()

    factor, expected = _weights_that_reorder(ui_world)
    with page.expect_navigation():
        page.fill(f"input[name=w_{factor}]", "100")  # fires change; the vendored script re-submits the form
    after = _order(page)
    assert page.input_value(f"input[name=w_{factor}]") == "100"
    assert after != before and after == expected
    _shot(page, "02-firm-after-slider")

    with page.expect_download() as download_info:
        page.locator(".rank").first.locator("a[data-brief=docx]").click()
    download = download_info.value
    target = SHOTS.parent / "brief.docx"
    download.save_as(str(target))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(target.read_bytes())).paragraphs)
    firm_name = page.locator("h1.firm-name").inner_text().strip()
    assert firm_name in text and after[0] in text

    first = page.locator(".rank").first
    first.locator("summary").first.click()
    assert first.locator("table.cost").is_visible(), "the cost table opens without leaving the page"
    SHOTS.mkdir(parents=True, exist_ok=True)
    first.screenshot(path=str(SHOTS / "02b-paths-and-costs.png"))
    first.locator("select[name=status]").select_option("negotiating")
    first.locator("input[name=note]").fill("企业关注铝液直供价格")
    with page.expect_navigation():
        first.locator("form.feedback button").click()
    assert page.locator(".rank").first.locator(".badge.st-negotiating").is_visible()

    page.goto(base_url + "/ui/prospect")
    page.fill("textarea[name=description]", "古镇灯饰企业，生产LED吸顶灯，灯体铝压铸，年用铝约3000吨")
    page.fill("input[name=employees]", "300")
    page.click("#prospect-form button[type=submit]")
    page.wait_for_selector(".rank")
    inferred = page.input_value("#industries")
    assert inferred, "the inferred industries are shown for editing"
    _shot(page, "03-prospect")
    page.fill("#industries", "C1372")
    page.click("#prospect-form button[type=submit]")
    page.wait_for_selector(".rank")
    assert page.input_value("#industries") == "C1372"
    assert "C1372" in page.locator(".chip").first.inner_text()

    page.goto(base_url + "/ui/parks/1")
    assert page.locator("table.leads tbody tr").count() > 5
    _shot(page, "04-park-leads")
    page.goto(base_url + "/ui/pipeline")
    card = page.locator("#negotiating .card", has_text="企业关注铝液直供价格")
    assert card.is_visible() and after[0] in card.inner_text()
    _shot(page, "05-pipeline")
    page.goto(base_url + "/ui/")
    _shot(page, "00-home")
    page.goto(base_url + f"/ui/firms/{FIRM_ID}?lang=en")
    assert page.locator("h2", has_text="Recommended destinations").is_visible()
    _shot(page, "06-firm-english")


def test_a_firm_named_like_a_script_renders_as_text(page: Any, base_url: str, ui_world: World) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    _sign_in(page, base_url, ui_world.keys["viewer"], f"/ui/firms/{ui_world.xss_firm_id}")
    assert page.locator("h1.firm-name").inner_text() == XSS_NAME
    page.goto(base_url + "/ui/search?q=script")
    assert page.get_by_text(XSS_NAME).first.is_visible()
    _shot(page, "07-escaped-name")
    assert dialogs == []
