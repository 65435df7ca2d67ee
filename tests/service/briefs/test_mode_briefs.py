"""A buyer's brief talks supply, price and logistics, an employer's the county's labour facts; neither talks land."""

from __future__ import annotations

import io

import docx
from fastapi.testclient import TestClient

from tests.service.briefs.test_api import api  # noqa: F401  (the client fixture, shared by name)
from tests.service.ui.conftest import World, ui_world  # noqa: F401  (session fixture)


def _ids(world: World, firm_buys: str | None, dest_code: str) -> tuple[int, int]:
    engine = world.engine.world
    if firm_buys:
        firm = next(f for f in engine.firms if any(r == firm_buys for r, _ in f.buys))
    else:
        firm = next(f for f in engine.firms if f.vacancies)
    dest = engine.destinations[engine.dest_by_code[dest_code]]
    assert firm.id is not None
    return firm.id, dest.id


def _md(client: TestClient, firm_id: int, dest_id: int, mode: str, lang: str = "zh") -> str:
    response = client.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": dest_id, "format": "md",
                                                       "mode": mode, "lang": lang})
    assert response.status_code == 200, response.text
    return response.text


def _headings(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith("#"))


def test_a_buyer_brief_talks_supply_price_and_logistics_not_land(api: TestClient, ui_world: World) -> None:  # noqa: F811
    firm_id, dest_id = _ids(ui_world, "kiwifruit", "dayong_kiwi_park")
    text = _md(api, firm_id, dest_id, "market")
    assert "供货、价格与物流" in text and "冷链运输至中山" in text and "价格未见出处，洽谈时询价" in text
    assert "10,080" in text  # the base's planned area, from its source
    assert "上市期" in text and "估算" in text
    # The reason paragraph comes from the ranking; the brief's own sections and tables leave land and costs out.
    assert "成本比较" not in _headings(text)
    for land in ("可用工业用地", "可用标准厂房", "预计年节省成本", "| 用地"):
        assert land not in text, land
    english = _md(api, firm_id, dest_id, "market", "en")
    assert "Supply, price and logistics" in english and "Cold chain to Zhongshan" in english
    # The same pair as joint development (a base of its own) is a site brief, with land and costs.
    assert "成本比较" in _headings(_md(api, firm_id, dest_id, "joint_development"))


def test_an_employer_brief_talks_the_countys_labour_facts(api: TestClient, ui_world: World) -> None:  # noqa: F811
    firm_id, dest_id = _ids(ui_world, None, "panzhou_labour")
    text = _md(api, firm_id, dest_id, "labour")
    assert "劳务：输出、培训与输送记录" in text
    assert "752" in text and "531" in text and "耳机装配" in text  # placed in the east, trained, skills (sourced)
    assert "TCL电器" in text and "liupanshuizx.com" in text  # the citywide placements with their source
    assert "成本比较" not in _headings(text) and "可用工业用地" not in text
    response = api.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": dest_id, "format": "docx",
                                                 "mode": "labour"})
    document = docx.Document(io.BytesIO(response.content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any("752" in c for c in cells)
