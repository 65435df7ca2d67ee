"""Per-request bounds: every list and text of a ranking request has a stated limit, and the worst requests
within the limits stay far inside 1 GB of memory and 30 s of CPU."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from service.matching import constants as c
from service.matching.scoring import FACTOR_NAMES
from service.matching.service import MatchService

pytestmark = pytest.mark.slow

CPU_LIMIT_S = 30.0
RSS_GROWTH_LIMIT_MB = 256  # the server holds ~300 MB on the starter data, so it stays well under 1 GB


@pytest.fixture(scope="module")
def api(loaded_template: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
        embedding_cache: Path) -> Iterator[TestClient]:
    """One real server for the module, on its own copy of the starter database: these requests only read."""
    from service.auth.service import Role, create_key
    from service.database import make_engine, make_session_factory, unit_of_work

    folder = Path(tmp_path_factory.mktemp("bounds"))
    shutil.copyfile(loaded_template["sqlite"].removeprefix("sqlite:///"), folder / "parkmatch.db")
    url = f"sqlite:///{folder / 'parkmatch.db'}"
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        _, key = create_key(session=session, name="bounds", role=Role.viewer)
    engine.dispose()
    settings = Settings(database_url=url, var_dir=folder / "var", embedding_cache_dir=embedding_cache)
    with TestClient(create_app(settings), headers={"X-API-Key": key}) as client:
        yield client


def _service(api: TestClient) -> MatchService:
    service: MatchService = api.app.state.match_service  # type: ignore[attr-defined]
    return service


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024


def _measured(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """The call's response, the process CPU seconds it took and how far RSS rose above where it started."""
    base, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu = time.process_time()
    try:
        response = call()
    finally:
        used = time.process_time() - cpu
        done.set()
        sampler.join()
    return response, used, max(peak[0], _rss_mb()) - base


def _worst_prospect(api: TestClient, description: str) -> dict[str, Any]:
    world = _service(api).world
    return {
        "description": description, "name": "名" * 200, "town": "guzhen", "employees": 1_000_000,
        "land_mu": 1e6, "electricity_kwh": 1e12, "revenue_10k_yuan": 1e9,
        "inputs": [{"resource": code, "quantity": 1e9} for code in (world.resource_codes * 50)[: c.REQUEST_LIST_MAX]],
        "industries": world.class_codes[: c.REQUEST_LIST_MAX], "top_k": c.MAX_TOP_K, "include_excluded": True,
        "weights": dict.fromkeys(FACTOR_NAMES, 1.0),
    }


@pytest.mark.parametrize("text", ["varied", "one character", "inferred"])
def test_the_largest_prospect_a_request_may_describe_stays_within_bounds(api: TestClient, text: str) -> None:
    world = _service(api).world
    names = " ".join(f"{ind.name_zh} {ind.name_en}" for ind in world.industries.values())
    description = {"varied": names, "one character": "产", "inferred": names}[text][:4000].ljust(4000, "铝")
    body = _worst_prospect(api, description)
    if text == "inferred":  # nothing given: every industry and resource is inferred from the text
        body.pop("industries")
        body.pop("inputs")
    response, cpu_s, rss_mb = _measured(lambda: api.post("/api/v1/match", json=body))
    assert response.status_code == 200, response.text
    assert response.json()["items"] or response.json()["excluded"]
    assert cpu_s < CPU_LIMIT_S and rss_mb < RSS_GROWTH_LIMIT_MB, (cpu_s, rss_mb)


def test_the_longest_lead_list_stays_within_bounds(api: TestClient) -> None:
    world = _service(api).world
    for dest in world.destinations[:5]:
        response, cpu_s, rss_mb = _measured(lambda d=dest.id: api.get(  # type: ignore[misc]
            f"/api/v1/parks/{d}/candidates", params={"top_k": c.MAX_TOP_K, "include_excluded": True}))
        assert response.status_code == 200, response.text
        assert cpu_s < CPU_LIMIT_S and rss_mb < RSS_GROWTH_LIMIT_MB, (dest.code, cpu_s, rss_mb)


@pytest.mark.parametrize(("field", "value"), [
    ("description", "铝" * 4001),
    ("name", "名" * 201),
    ("town", "镇" * (c.REQUEST_CODE_MAX + 1)),
    ("industries", ["C3872"] * (c.REQUEST_LIST_MAX + 1)),
    ("industries", ["C" * (c.REQUEST_CODE_MAX + 1)]),
    ("inputs", [{"resource": "aluminium_ingot", "quantity": 1}] * (c.REQUEST_LIST_MAX + 1)),
    ("inputs", [{"resource": "r" * (c.REQUEST_CODE_MAX + 1), "quantity": 1}]),
    ("weights", {f"factor_{i}": 1.0 for i in range(c.REQUEST_LIST_MAX + 1)}),
    ("land_mu", "Infinity"),
])
def test_a_prospect_past_a_stated_limit_is_refused_naming_the_field(api: TestClient, field: str, value: Any) -> None:
    body = {"description": "古镇灯饰企业，灯体铝压铸", field: value}
    for lang, words in (("zh", "参数无效"), ("en", "invalid parameters")):
        response = api.post("/api/v1/match", json=body, headers={"Accept-Language": lang})
        assert response.status_code == 422, response.text
        assert words in response.json()["detail"] and field in response.json()["detail"]


def test_every_text_and_list_of_a_ranking_request_states_its_limit(api: TestClient) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]

    def bounded(prop: dict[str, Any]) -> bool:
        options = prop.get("anyOf", [prop])
        typed = [o for o in options if o.get("type") in ("string", "array", "object")]
        return all(("maxLength" in o) or ("maxItems" in o) or ("maxProperties" in o) or "enum" in o or "$ref" in o
                   for o in typed)

    for name in ("ProspectRequest", "ProspectInput", "PlanRequest"):
        unbounded = [k for k, prop in schemas[name]["properties"].items() if not bounded(prop)]
        assert unbounded == [], (name, unbounded)
