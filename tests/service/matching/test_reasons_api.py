"""What a prospect's text says and why a destination is named, over the real app, engine and encoder:
figures read from the text, reasons that lead with what differs, weak pairs, provenance and the one score scale."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.config import get_settings
from service.matching import constants as c
from tests.service.ui.conftest import World, api_client, sign_in, ui_world  # noqa: F401  (session fixture)

pytestmark = pytest.mark.slow

LAMPS = "古镇灯饰企业，生产LED吸顶灯，员工300人，用地50亩，年用铝3000吨，厂房租金上涨，招工难"
LAMPS_EN = ("Guzhen LED luminaire maker, 300 workers, needs 50 mu, uses 3,000 t of aluminium a year; "
            "rents are rising and it is hard to hire")
# Words that would call a positioning official; an assumed one must never be, and nothing here is.
OFFICIAL = re.compile(r"官方|official|正式定位|stated positioning", re.IGNORECASE)


@pytest.fixture
def api(ui_world: World) -> Iterator[TestClient]:  # noqa: F811
    with api_client(ui_world) as client:
        yield client


@pytest.fixture
def cli_env(ui_world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # noqa: F811
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", ui_world.settings.database_url)
    monkeypatch.setenv("PARKMATCH_VAR_DIR", str(ui_world.settings.var_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _match(api: TestClient, **body: Any) -> Any:
    return _ok(api.post("/api/v1/match", json=body))


def _read(body: Any, field: str) -> dict[str, Any]:
    return next(f for f in body["read_from_text"] if f["field"] == field)


def _factor(item: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in item["factors"] if f["name"] == name)


def _all(api: TestClient, firm_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _ok(api.get(f"/api/v1/firms/{firm_id}/recommendations",
                                              params={"top_k": c.MAX_TOP_K}))["items"]
    return items


def test_figures_and_cues_in_the_text_feed_the_profile_and_a_stated_field_wins(api: TestClient) -> None:
    for text in (LAMPS, LAMPS_EN):
        body = _match(api, description=text, top_k=3)
        assert body["prospect"]["employees"] == 300, "the text's 300 workers, not an assumed size"
        assert body["prospect"]["land_mu"] == 50
        assert _read(body, "employees")["value"] == 300 and _read(body, "employees")["used"]
        tonnage = _read(body, "input")
        assert (tonnage["resource"], tonnage["value"], tonnage["used"]) == ("aluminium_ingot", 3000, True)
        assert all(f["provenance_zh"] == "从描述中读取" and f["provenance_en"] == "read from your text"
                   and f["quote"] in text for f in body["read_from_text"])
        assert [cue["code"] for cue in body["cues"]] == ["rent_rising", "hiring_difficulty"]
        assert any(r["code"] == "aluminium_ingot" and r["source"] == "text" for r in body["resources"])
        readiness = _factor(body["items"][0], "relocation_readiness")["evidence"]
        assert "从描述中读取" in readiness["phrase_zh"] and "read from your text" in readiness["phrase_en"]
        labour = _factor(body["items"][0], "labour_fit")["evidence"]["numbers"][0]["figure"]
        assert labour["value"] == pytest.approx(300 * 0.8), "workers needed follow the text's head count"
    stated = _match(api, description=LAMPS, employees=120, top_k=1)
    assert stated["prospect"]["employees"] == 120
    assert not _read(stated, "employees")["used"], "a field stated in the request wins over the text"
    calm = _match(api, description="古镇灯饰企业，生产LED吸顶灯，员工300人，用地50亩", top_k=1)
    assert (_factor(calm["items"][0], "relocation_readiness")["value"]
            < _factor(body["items"][0], "relocation_readiness")["value"]), "stated cues raise readiness"
    assert calm["cues"] == []


def test_what_was_read_from_the_text_is_shown_in_the_brief_and_the_ui(api: TestClient, ui_world: World) -> None:  # noqa: F811
    top = _match(api, description=LAMPS, top_k=1)["items"][0]
    for lang, description, words in (
            ("zh", LAMPS, ("从描述中读取", "“员工300人”", "“年用铝3000吨”", "“招工难”")),
            ("en", LAMPS_EN, ("Read from your text", '"300 workers"', '"3,000 t of aluminium"', '"hard to hire"'))):
        md = api.post("/api/v1/briefs/prospect", params={"park_id": top["park"]["id"], "format": "md", "lang": lang},
                      json={"description": description})
        assert md.status_code == 200, md.text
        text = md.content.decode()
        assert all(w in text for w in words), (lang, text)
        assert "300" in text.split("员工人数" if lang == "zh" else "Employees", 1)[1].split("\n", 1)[0]
    sign_in(api, ui_world.keys["viewer"])
    html = api.get("/ui/prospect", params={"description": LAMPS}).text
    assert "从描述中读取" in html and "员工300人" in html and "招工难" in html


def test_the_issue_examples_read_their_head_count_over_http(api: TestClient) -> None:
    body = _match(api, description="耳机等消费电子产品组装，劳动密集型，员工约400人", top_k=1)
    assert body["prospect"]["employees"] == 400 and _read(body, "employees")["quote"] == "员工约400人"


def test_reasons_lead_with_what_differs_and_never_with_a_factor_equal_everywhere(api: TestClient,
                                                                                   ui_world: World) -> None:  # noqa: F811
    firms = ui_world.engine.world.firms
    for firm in firms[:: max(1, len(firms) // 6)][:6]:
        items = _all(api, firm.id or 0)
        values = {f["name"]: {_factor(it, f["name"])["value"] for it in items} for f in items[0]["factors"]}
        for it in items:
            helps, drags = it["helps_most"], it["drags_most"]
            assert len(values[helps["name"]]) > 1 or helps["impact"] == 0, (firm.id, helps["name"])
            assert len(values[drags["name"]]) > 1 or drags["impact"] == 0, (firm.id, drags["name"])
            # Readiness is the firm's own: the same for every destination, so it never sets one apart.
            assert helps["name"] != "relocation_readiness" or helps["impact"] == 0
            lead = it["sentences"][1]["text_zh"]
            if helps["impact"] >= c.IMPACT_WORTH_SAYING:
                assert "突出之处" in lead and helps["label_zh"] in lead
            text = json.dumps(it, ensure_ascii=False)
            assert "余弦" not in text and "cosine" not in text.lower() and "向量空间" not in text
            assert all(x["provenance_zh"] and x["provenance_en"] for x in it["sentences"])
            assert it["reason_zh"].count("〔") == len(it["sentences"]) == it["reason_en"].count(" [")
            assert abs(sum(f["contribution"] for f in it["factors"]) - it["score"]) <= 0.05
            assert 0 <= it["score"] <= 100
        assert any(it["score"] > 1 for it in items), "scores are on 0–100, not 0–1"


def test_a_pair_outside_the_top_says_consider_instead_and_its_brief_has_no_talking_points(
        api: TestClient, ui_world: World) -> None:  # noqa: F811
    firm = ui_world.engine.world.firms[0].id or 0
    items = _all(api, firm)
    weak = next(it for it in items if it["rank"] > c.RECOMMEND_TOP_DESTINATIONS)
    best = items[0]
    assert not weak["recommended"] and weak["consider_instead_zh"] == best["park"]["name_zh"]
    assert weak["reason_zh"].startswith(f"不推荐，可考虑 {best['park']['name_zh']}")
    assert weak["reason_en"].startswith(f"Not recommended, consider {best['park']['name_en']} instead")
    strong = next(it for it in items if it["recommended"])
    for item, recommended in ((weak, False), (strong, True)):
        for lang in ("zh", "en"):
            md = api.get("/api/v1/briefs", params={"firm_id": firm, "park_id": item["park"]["id"], "format": "md",
                                                    "lang": lang})
            assert md.status_code == 200
            text = md.content.decode()
            points = text.split("洽谈要点" if lang == "zh" else "Talking points", 1)[1].split("\n#", 1)[0]
            bullets = [line for line in points.splitlines() if line.lstrip().startswith(("-", "*"))]
            assert bool(bullets) is recommended, (lang, points)
            if not recommended:
                assert ("不推荐，可考虑" if lang == "zh" else "Not recommended, consider") in text
            assert not OFFICIAL.search(text)


def test_an_assumed_positioning_is_never_called_official(api: TestClient, ui_world: World) -> None:  # noqa: F811
    firm = ui_world.engine.world.firms[0].id or 0
    items = _all(api, firm)
    assumed = next(it for it in items if any(x["basis"] == "assumption" for x in it["sentences"]))
    assert "假设" in assumed["reason_zh"] and "assumption" in assumed["reason_en"]
    assert not OFFICIAL.search(json.dumps(items, ensure_ascii=False))
    for lang in ("zh", "en"):
        md = api.get("/api/v1/briefs", params={"firm_id": firm, "park_id": assumed["park"]["id"], "format": "md",
                                                "lang": lang}).content.decode()
        assert not OFFICIAL.search(md)
    sign_in(api, ui_world.keys["viewer"])
    for lang in ("zh", "en"):
        html = api.get(f"/ui/firms/{firm}", params={"lang": lang}).text
        assert not OFFICIAL.search(html)


def test_the_score_is_on_0_to_100_in_the_api_the_cli_and_the_ui(api: TestClient, ui_world: World,  # noqa: F811
                                                                  cli_env: None) -> None:
    from service.cli import app as cli

    firm = ui_world.engine.world.firms[3].id or 0
    top = _ok(api.get(f"/api/v1/firms/{firm}/recommendations", params={"top_k": 3}))["items"][0]
    assert 1 < top["score"] <= 100
    out = CliRunner().invoke(cli, ["recommend", "--firm", str(firm), "--top-k", "3"])
    assert out.exit_code == 0, out.output
    assert re.search(rf"│\s*{round(top['score'])}\s*│", out.stdout), out.stdout
    sign_in(api, ui_world.keys["viewer"])
    html = api.get(f"/ui/firms/{firm}").text
    assert f'aria-label="{round(top["score"])}/100"' in html


@pytest.mark.parametrize(("args", "path", "params", "field"), [
    (["candidates", "--park", "{park}", "--min-score", "150"], "/api/v1/parks/{park}/candidates", {"min_score": 150},
     "min_score"),
    (["candidates", "--park", "{park}", "--min-score", "-1"], "/api/v1/parks/{park}/candidates", {"min_score": -1},
     "min_score"),
    (["recommend", "--firm", "{firm}", "--top-k", "0"], "/api/v1/firms/{firm}/recommendations", {"top_k": 0}, "top_k"),
    (["buyers", "kiwifruit", "--top-k", "0"], "/api/v1/products/kiwifruit/buyers", {"top_k": 0}, "top_k"),
    (["candidates", "--park", "{park}", "--weights", "industry_fit:-1"], "/api/v1/parks/{park}/candidates",
     {"weights": "industry_fit:-1"}, "industry_fit"),
])
def test_bad_values_are_refused_alike_by_the_cli_and_the_api(api: TestClient, ui_world: World,  # noqa: F811
                                                             cli_env: None, args: list[str], path: str,
                                                             params: dict[str, Any], field: str) -> None:
    from service.cli import app as cli

    ids = {"firm": str(ui_world.engine.world.firms[0].id), "park": str(ui_world.engine.world.destinations[0].id)}
    # The API answers in the caller's language; the CLI prints both, Chinese first.
    zh = api.get(path.format(**ids), params=params)
    en = api.get(path.format(**ids), params=params, headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 422
    detail_zh, detail_en = zh.json()["detail"], en.json()["detail"]
    assert field in detail_zh and re.search(r"[\u4e00-\u9fff]", detail_zh)
    assert field in detail_en and not re.search(r"[\u4e00-\u9fff]", detail_en)
    out = CliRunner().invoke(cli, [a.format(**ids) for a in args])
    assert out.exit_code == 1
    # The CLI wraps long lines to the terminal; the message itself is the API's, word for word.
    printed = re.sub(r"\s", "", out.output)
    assert re.sub(r"\s", "", f"{detail_zh} / {detail_en}") in printed, (detail_zh, detail_en, out.output)


def test_the_match_command_reads_products_by_name_as_the_web_form_does(cli_env: None) -> None:
    from service.cli import app as cli

    out = CliRunner().invoke(cli, ["match", "--description", "中山一家果汁饮料厂", "--mode", "market",
                                   "--buys", "刺梨:800:吨", "--json"])
    assert out.exit_code == 0, out.output
    first = json.loads(out.stdout)["items"][0]
    assert first["cost"]["model"] == "supply"
    assert [(line["label_zh"], line["quantity"]["value"]) for line in first["cost"]["lines"]] == [("运回中山：刺梨", 800)]
    bad = CliRunner().invoke(cli, ["match", "--description", "水果批发", "--mode", "market", "--buys", "榴莲:50:吨"])
    assert bad.exit_code == 2
    printed = re.sub(r"\s", "", bad.output)
    assert "采购的产品「榴莲:50:吨」" in printed and 'Productsbought"榴莲:50:吨"' in printed
