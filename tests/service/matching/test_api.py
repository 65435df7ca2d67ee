"""The matching routes over the real app: recommendations, candidates, prospects, plans, and the CLI's JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.config import Settings, get_settings
from service.main import create_app
from service.matching import constants as c
from service.matching.modes import MODES, Mode
from service.matching.scoring import FACTOR_NAMES
from service.matching.service import MatchService

pytestmark = pytest.mark.slow

LAMP_ZH = "古镇灯饰企业，生产LED吸顶灯，灯体铝压铸，年用铝约3000吨"
LAMP_EN = "Guzhen lighting maker: LED ceiling lamps with die-cast aluminium lamp bodies, about 3,000 t of aluminium a year"
ALUMINIUM_PARK = "shuicheng_edz"


@pytest.fixture
def match_settings(app_settings: Settings) -> Settings:
    return app_settings.model_copy(update={"engine_at_startup": True})


@pytest.fixture
def api(match_settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    """The real application, engine built in the lifespan, signed in as a viewer."""
    with TestClient(create_app(match_settings), headers={"X-API-Key": keys["viewer"]}) as client:
        yield client


def _engine(api: TestClient) -> MatchService:
    engine: MatchService = api.app.state.match_service  # type: ignore[attr-defined]
    return engine


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _factor(item: dict[str, Any], name: str) -> float:
    return float(next(f["value"] for f in item["factors"] if f["name"] == name))


def _park_id(api: TestClient, code: str) -> int:
    return next(p.id for p in _engine(api).world.destinations if p.code == code)


# ---------- firm → parks ----------


def test_recommendations_carry_full_explanations_and_each_mode_its_preset(api: TestClient) -> None:
    firms = _engine(api).world.firms
    # Market ranks suppliers of what a firm buys and labour sources for its vacancies: each mode is asked
    # for a firm it applies to (a manufacturer that buys nothing has no market destination at all).
    applies = {Mode.market: lambda f: bool(f.buys), Mode.labour: lambda f: bool(f.vacancies)}
    for mode in Mode:
        firm = next(f.id for f in firms if applies.get(mode, lambda f: True)(f))
        body = _ok(api.get(f"/api/v1/firms/{firm}/recommendations", params={"mode": mode.value}))
        assert body["mode"] == mode.value
        total = sum(MODES[mode].weights.values())
        assert body["weights"] == pytest.approx({k: v / total for k, v in MODES[mode].weights.items()})
        assert body["items"], mode
        assert [it["rank"] for it in body["items"]] == list(range(1, len(body["items"]) + 1))
        assert [it["score"] for it in body["items"]] == sorted((it["score"] for it in body["items"]), reverse=True)
        top = body["items"][0]
        assert {f["name"] for f in top["factors"]} == set(FACTOR_NAMES)
        assert all(f["evidence"]["phrase_zh"] and f["evidence"]["phrase_en"] for f in top["factors"])
        # A farm base or a labour county may share no graph path with a manufacturer's industries.
        assert (mode in (Mode.market, Mode.labour) or len(top["paths"]) >= 1) and len(top["paths"]) <= 3
        assert top["reason_zh"] and top["reason_en"]
        assert 0 <= top["stability"] <= 1
        # Each mode's money in its own terms: a move's wages and power, a purchase's freight, a placement's pay.
        model = MODES[mode].cost_model
        wanted = {"site_move": {"wage", "power"}, "supply": {"freight"}, "labour": {"pay_gain"}}[model]
        assert top["cost"]["model"] == model and {line["item"] for line in top["cost"]["lines"]} >= wanted
        assert {"id", "name_zh", "name_en", "county"} <= top["park"].keys()
    firm = firms[0].id
    again = _ok(api.get(f"/api/v1/firms/{firm}/recommendations"))
    assert again == _ok(api.get(f"/api/v1/firms/{firm}/recommendations")), "the same query twice gives one answer"


def test_raising_a_weight_lifts_the_park_strongest_on_that_factor(api: TestClient) -> None:
    # Find a firm whose default winner is not the park with the best resource fit, then make resource fit
    # nearly the whole score: the park strongest on resources must take first place.
    for firm in _engine(api).world.firms[:60]:
        default = _ok(api.get(f"/api/v1/firms/{firm.id}/recommendations"))["items"]
        if not default:  # a firm too large for every park's free land has no recommendation to reorder
            continue
        best = max(_factor(it, "resource_fit") for it in default)
        if len(default) > 1 and _factor(default[0], "resource_fit") < best - 0.05:
            break
    else:
        pytest.fail("no firm whose winner is weaker on resources than another park")
    boosted = _ok(api.get(f"/api/v1/firms/{firm.id}/recommendations", params={"weights": "resource_fit:20"}))
    assert boosted["weights"]["resource_fit"] > 0.9
    assert _factor(boosted["items"][0], "resource_fit") == pytest.approx(best)
    assert boosted["items"][0]["park"]["id"] != default[0]["park"]["id"]
    # …and the former winner cannot have climbed.
    old_rank = next(it["rank"] for it in boosted["items"] if it["park"]["id"] == default[0]["park"]["id"])
    assert old_rank > 1


@pytest.mark.parametrize(("weights", "zh", "en"), [
    ("industry_fit:-1", "不能为负", "cannot be negative"),
    ("luck:0.5", "未知因子 luck", "unknown factor luck"),
    (",".join(f"{name}:0" for name in FACTOR_NAMES), "不能全为零", "cannot all be zero"),
    ("industry_fit=0.3", "因子:数值", "factor:number"),
])
def test_invalid_weights_are_refused_naming_the_problem_in_both_languages(
    api: TestClient, weights: str, zh: str, en: str,
) -> None:
    firm = _engine(api).world.firms[0].id
    url = f"/api/v1/firms/{firm}/recommendations"
    in_zh = api.get(url, params={"weights": weights})
    in_en = api.get(url, params={"weights": weights}, headers={"Accept-Language": "en"})
    assert in_zh.status_code == in_en.status_code == 422
    assert zh in in_zh.json()["detail"] and en in in_en.json()["detail"]


def test_unknown_firm_and_park_are_404(api: TestClient) -> None:
    firm = api.get("/api/v1/firms/999999/recommendations")
    park = api.get("/api/v1/parks/999999/candidates", headers={"Accept-Language": "en"})
    assert firm.status_code == park.status_code == 404
    assert "999999" in firm.json()["detail"] and "不存在" in firm.json()["detail"]
    assert park.json()["detail"] == "park 999999 not found"


# ---------- park → firms ----------


def test_candidates_respect_every_filter(api: TestClient) -> None:
    park = _park_id(api, ALUMINIUM_PARK)
    url = f"/api/v1/parks/{park}/candidates"
    everyone = _ok(api.get(url, params={"top_k": c.MAX_TOP_K}))
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"town": "guzhen"}, lambda it: it["firm"]["town"] == "guzhen"),
        ({"town": "古镇"}, lambda it: it["firm"]["town"] == "guzhen"),
        ({"industry": "C38"}, lambda it: any(code.startswith("C38") for code in it["firm"]["industries"])),
        ({"min_employees": 200}, lambda it: it["firm"]["employees"] >= 200),
        ({"max_employees": 50}, lambda it: it["firm"]["employees"] <= 50),
        ({"min_score": 60}, lambda it: it["score"] >= 60),
    ]
    for params, holds in cases:
        body = _ok(api.get(url, params={**params, "top_k": c.MAX_TOP_K}))
        assert body["items"], params
        assert all(holds(it) for it in body["items"]), params
        # Filtering never reorders: the filtered list is the unfiltered ranking with rows left out.
        kept = [it["firm"]["id"] for it in everyone["items"] if holds(it)]
        n = min(len(kept), len(body["items"]))
        assert n and [it["firm"]["id"] for it in body["items"]][:n] == kept[:n], params
        assert any(not holds(it) for it in everyone["items"]), f"{params} would not have removed anyone"
    assert api.get(url, params={"industry": "C38;drop"}).status_code == 422
    assert api.get(url, params={"town": "atlantis"}).status_code == 422


# ---------- prospect → parks ----------


def test_free_text_in_chinese_and_english_finds_the_aluminium_park(api: TestClient) -> None:
    for text in (LAMP_ZH, LAMP_EN):
        body = _ok(api.post("/api/v1/match", json={"description": text}))
        assert any(i["code"] == "C3872" and i["source"] == "text" for i in body["industries"]), body["industries"]
        assert all(i["name_zh"] and i["name_en"] for i in body["industries"])
        assert any(r["code"] == "aluminium_ingot" for r in body["resources"])
        assert ALUMINIUM_PARK in [it["park"]["code"] for it in body["items"][:3]], text


def test_rerunning_with_corrected_industries_keeps_or_changes_the_ranking_sensibly(api: TestClient) -> None:
    first = _ok(api.post("/api/v1/match", json={"description": LAMP_ZH}))
    inferred = [i["code"] for i in first["industries"]]
    confirmed = _ok(api.post("/api/v1/match", json={"description": LAMP_ZH, "industries": inferred}))
    assert [i["source"] for i in confirmed["industries"]] == ["given"] * len(inferred)
    assert [it["park"]["code"] for it in confirmed["items"][:3]][0] == first["items"][0]["park"]["code"]
    # Staff say it is really a beverage plant (刺梨 juice): the winner must move to a park whose
    # positioning covers beverages, and industry fit of the old winner must drop.
    juice = _ok(api.post("/api/v1/match", json={"description": LAMP_ZH, "industries": ["C1523"]}))
    assert [i["code"] for i in juice["industries"]] == ["C1523"]
    assert juice["items"][0]["park"]["code"] != first["items"][0]["park"]["code"]
    old = next(it for it in juice["items"] if it["park"]["code"] == first["items"][0]["park"]["code"])
    new_fit = _factor(old, "industry_fit")
    assert new_fit < _factor(first["items"][0], "industry_fit")
    unknown = api.post("/api/v1/match", json={"description": LAMP_ZH, "industries": ["C9999"]},
                       headers={"Accept-Language": "en"})
    assert unknown.status_code == 422 and "C9999" in unknown.json()["detail"]


# ---------- portfolio plans ----------


def test_plan_respects_free_land_reports_unassigned_with_reasons_and_beats_greedy(api: TestClient) -> None:
    firms = [f.id for f in _engine(api).world.firms[:40]]
    body = _ok(api.post("/api/v1/plans", json={"firm_ids": firms, "max_firms_per_park": 2}))
    assert body["gain_over_greedy"] >= 0
    assert body["gain_over_greedy"] == pytest.approx(body["total_score"] - body["greedy_total_score"], abs=1e-6)
    placed = [a["firm"]["id"] for a in body["assignments"]]
    assert len(placed) == len(set(placed)) and set(placed) <= set(firms)
    for use in body["parks"]:
        land = sum(a["land_mu"] for a in body["assignments"] if a["park"]["id"] == use["park"]["id"])
        assert use["used_land_mu"] == pytest.approx(land, abs=0.01)
        if use["free_land_mu"] is not None:
            assert use["used_land_mu"] <= use["free_land_mu"] + 1e-6
        assert use["firms"] <= 2
    unassigned = {u["firm"]["id"]: u for u in body["unassigned"]}
    assert set(unassigned) | set(placed) == set(firms) and not set(unassigned) & set(placed)
    assert len(unassigned) >= len(firms) - 2 * len(body["parks"])
    assert all(u["reason_zh"] and u["reason_en"] for u in unassigned.values())


def test_a_plan_over_more_firms_than_one_request_may_place_is_refused_with_the_way_out(
    api: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = len(_engine(api).world.firms)
    monkeypatch.setattr(c, "PLAN_MAX_FIRMS", stored - 1)  # as on a database with more firms than the limit
    refused = api.post("/api/v1/plans", json={}, headers={"Accept-Language": "zh"})
    assert refused.status_code == 422 and refused.json()["error"] == "plan_too_large"
    assert f"{stored:,}" in refused.json()["detail"] and "firm_ids" in refused.json()["detail"]
    english = api.post("/api/v1/plans", json={}, headers={"Accept-Language": "en"}).json()["detail"]
    assert "name them in parts" in english
    # Named in parts, the same firms are planned.
    part = [f.id for f in _engine(api).world.firms[:30]]
    assert len(_ok(api.post("/api/v1/plans", json={"firm_ids": part}))["assignments"]) > 0


def test_a_plan_names_at_most_the_stated_number_of_firms(api: TestClient) -> None:
    limit = api.get("/openapi.json").json()["components"]["schemas"]["PlanRequest"]["properties"]["firm_ids"]
    assert any(option.get("maxItems") == c.PLAN_MAX_FIRMS for option in limit["anyOf"])
    too_many = api.post("/api/v1/plans", json={"firm_ids": list(range(1, c.PLAN_MAX_FIRMS + 2))})
    assert too_many.status_code == 422 and "firm_ids" in too_many.json()["detail"]


# ---------- the CLI prints the API's JSON ----------


def _shape(value: Any) -> Any:
    """Keys all the way down; lists keep their length, leaves become their JSON type."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__


def _ranking(body: dict[str, Any]) -> list[tuple[int, float]]:
    return [(it["park"]["id"], it["score"]) for it in body["items"]]


@pytest.fixture
def cli_env(match_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the command line at the test database, as the API fixture's settings do."""
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", match_settings.database_url)
    monkeypatch.setenv("PARKMATCH_VAR_DIR", str(match_settings.var_dir))
    monkeypatch.setenv("PARKMATCH_EMBEDDING_CACHE_DIR", str(match_settings.embedding_cache_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_json_has_the_api_shape_and_ranking(api: TestClient, cli_env: None) -> None:
    from service.cli import app as cli

    firm = _engine(api).world.firms[3].id
    runner = CliRunner()
    pairs = [
        (["recommend", "--firm", str(firm), "--json"], api.get(f"/api/v1/firms/{firm}/recommendations")),
        (["match", "--description", LAMP_ZH, "--employees", "300", "--json"],
         api.post("/api/v1/match", json={"description": LAMP_ZH, "employees": 300})),
        (["match", "--description", LAMP_EN, "--mode", "joint_development", "--top-k", "4", "--json"],
         api.post("/api/v1/match", json={"description": LAMP_EN, "mode": "joint_development", "top_k": 4})),
    ]
    for args, response in pairs:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        from_cli, from_api = json.loads(result.stdout), _ok(response)
        assert _shape(from_cli) == _shape(from_api), args
        assert _ranking(from_cli) == _ranking(from_api), args
        assert from_cli == from_api, args


def test_bench_matching_reports_wall_and_cpu_time_per_figure(cli_env: None) -> None:
    from service.cli import app as cli

    result = CliRunner().invoke(cli, ["bench", "matching", "--firms", "1000", "--repeats", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # The engine's figures (first and repeat views), then the naive exhaustive scoring beside them (≥ 5 runs).
    names = [f["name"] for f in report["figures"]]
    assert [f["runs"] for f in report["figures"]] == [3, 3, 3, 3, 3, 3, 3, 5]
    assert ["first view" in n for n in names[:7]] == [True, False, True, False, False, True, False]
    assert "prospect" in names[2] and "first query on the destination" in names[4] and "1,000 firms" in names[5]
    assert "repeat view" in names[6] and "naive" in names[7]
    ratios = [f["naive_over_this"] for f in report["figures"]]
    assert all(r is None for r in ratios[:4] + ratios[7:]) and all(r is not None for r in ratios[4:7])
    assert report["naive_top50_found_by_engine"] == 1.0  # exact at any size: the top is the exhaustive one
    assert all(0 < f["cpu_p50_ms"] and 0 < f["p50_ms"] <= f["p90_ms"] for f in report["figures"])
    assert len(report["load_average"]) == 3 and report["cpus"] >= 1


# ---------- destinations beyond industrial parks ----------

GARMENT_ZH = "沙溪镇休闲服装加工厂，300名缝纫工，劳动密集，想把车缝工序转移到劳动力充足的地方"
ASSEMBLY_EN = ("A Tanzhou electronics assembly plant with 200 line workers hand-soldering and assembling earphones and "
               "small speakers; labour-intensive, looking for a place with many available workers.")


@pytest.mark.parametrize("text", [GARMENT_ZH, ASSEMBLY_EN])
def test_a_labour_intensive_prospect_finds_a_settlement_workshop_in_the_top_three(api: TestClient, text: str) -> None:
    body = _ok(api.post("/api/v1/match", json={"description": text, "mode": "relocation", "top_k": 10}))
    kinds = {d.code: d.kind for d in _engine(api).world.destinations}
    top = [kinds[it["park"]["code"]] for it in body["items"][:3]]
    assert "workshop" in top, [it["park"]["code"] for it in body["items"][:5]]
    workshop = next(it for it in body["items"] if kinds[it["park"]["code"]] == "workshop")
    fit = next(f for f in workshop["factors"] if f["name"] == "industry_fit")
    # The reason names the kind and says where the positioning comes from; nothing is called official.
    assert "帮扶车间" in fit["evidence"]["phrase_zh"] or "未见出处" in fit["evidence"]["phrase_zh"], fit
    assert "official" not in json.dumps(body)


def test_each_mode_ranks_only_its_destination_kinds(api: TestClient) -> None:
    kinds = {d.code: d.kind for d in _engine(api).world.destinations}
    for mode in Mode:
        body = _ok(api.post("/api/v1/match", json={"description": "刺梨果汁饮料", "mode": mode.value, "top_k": 50}))
        assert {kinds[it["park"]["code"]] for it in body["items"]} <= set(MODES[mode].destination_kinds), mode
    market = _ok(api.post("/api/v1/match", json={"description": "中山饮料企业想采购刺梨原汁", "mode": "market"}))
    assert kinds[market["items"][0]["park"]["code"]] in {"agri_base", "processing_centre", "co_built_park"}


# ---------- an unsure industry ----------

VAGUE = "做点小生意，想去贵州看看"


def test_an_unsure_industry_offers_three_choices_and_a_choice_reruns_the_ranking(api: TestClient) -> None:
    body = _ok(api.post("/api/v1/match", json={"description": VAGUE}))
    assert body["industry_unsure"] is True and body["industries"] == []
    choices = body["industry_choices"]
    assert len(choices) == 3 and all(ch["name_zh"] and ch["name_en"] and 0 < ch["confidence"] < 1 for ch in choices)
    # Unsure, industry fit is left out rather than guessed.
    assert all(_factor(it, "industry_fit") == 0 for it in body["items"])
    lamp = _ok(api.post("/api/v1/match", json={"description": VAGUE, "industries": ["C3872"]}))
    assert lamp["industry_unsure"] is False and lamp["industry_choices"] == []
    assert [(i["code"], i["source"]) for i in lamp["industries"]] == [("C3872", "given")]
    assert any(_factor(it, "industry_fit") > 0 for it in lamp["items"])
    sure = _ok(api.post("/api/v1/match", json={"description": LAMP_ZH}))
    assert sure["industry_unsure"] is False and sure["industries"][0]["confidence"] >= c.INFER_SURE


def test_the_cli_prompts_the_three_choices_and_ranks_with_the_one_picked(api: TestClient, cli_env: None) -> None:
    from service.cli import app as cli

    offered = _ok(api.post("/api/v1/match", json={"description": VAGUE}))["industry_choices"]
    result = CliRunner().invoke(cli, ["match", "--description", VAGUE, "--choose-industry", "--json"], input="2\n")
    assert result.exit_code == 0, result.output
    assert all(ch["code"] in result.stderr for ch in offered)
    # The test runner echoes the typed "2" onto stdout, as a terminal would show it; the JSON follows.
    body = json.loads(result.stdout[result.stdout.index("{"):])
    assert [(i["code"], i["source"]) for i in body["industries"]] == [(offered[1]["code"], "given")]
    given = CliRunner().invoke(cli, ["match", "--description", VAGUE, "--industry", "C1922", "--json"])
    assert [i["code"] for i in json.loads(given.stdout)["industries"]] == ["C1922"]
    plain = CliRunner().invoke(cli, ["match", "--description", VAGUE, "--top-k", "3"])
    assert plain.exit_code == 0 and "--choose-industry" in plain.stdout and offered[0]["code"] in plain.stdout
