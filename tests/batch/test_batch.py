"""Batch scoring: the lists it writes are the service's own rankings; stored lists are served until a change."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from service.batch.engines import FirmSource, run_local, run_ray
from service.batch.models import DestinationTop, FirmTop
from service.batch.scoring import ScoringSpec
from service.batch.store import firm_destinations, save_run
from service.bench.matching import scaled_engine, synthetic_plan
from service.changes import Changed
from service.config import Settings, get_settings
from service.database import unit_of_work
from service.events import latest_change_id, publish
from service.matching.modes import Mode, resolve_weights
from service.matching.service import MatchService

HAS_RAY = importlib.util.find_spec("ray") is not None and importlib.util.find_spec("pyarrow") is not None


def _spec(engine: MatchService, mode: Mode, top_n: int) -> ScoringSpec:
    return ScoringSpec(world=engine.world, dest_vecs=engine.state.dest_vecs, mode=mode,
                       weights=resolve_weights(mode=mode), top_n=top_n)


def _firm_list(result_top: dict[str, np.ndarray], firm_id: int) -> list[int]:
    return result_top["destination_id"][result_top["firm_id"] == firm_id].tolist()


def _dest_list(result_top: dict[str, np.ndarray], dest_id: int) -> list[int]:
    return result_top["firm_id"][result_top["destination_id"] == dest_id].tolist()


@pytest.mark.parametrize("mode", [Mode.relocation, Mode.market])
def test_each_firms_top_is_its_recommendation_and_each_destinations_top_its_lead_list(
    match_engine: MatchService, mode: Mode,
) -> None:
    result = run_local(FirmSource(world=match_engine.world, vecs=match_engine.state.firm_vecs),
                       _spec(match_engine, mode, 5), block=97)  # a block size that leaves a ragged last block
    for firm in match_engine.world.firms[::7]:
        assert firm.id is not None
        want = [it.park.id for it in match_engine.recommend(firm_id=firm.id, mode=mode, top_k=5).items]
        assert _firm_list(result.firm_top, firm.id) == want, firm.id
    spec = _spec(match_engine, mode, 5)
    for p in spec.dest_rows():  # the destinations the mode ranks
        dest = match_engine.world.destinations[int(p)]
        leads = match_engine.candidates(park_id=dest.id, mode=mode, top_k=5).items
        assert _dest_list(result.destination_top, dest.id) == [it.firm.id for it in leads], dest.code
    assert result.pairs == len(match_engine.world.firms) * len(_spec(match_engine, mode, 5).dest_rows())


def test_destination_tops_over_synthetic_firms_match_the_exact_lead_list(match_engine: MatchService) -> None:
    count = 3_000
    picks, scale, expand = synthetic_plan(count, len(match_engine.world.firms))
    source = FirmSource(world=match_engine.world, vecs=match_engine.state.firm_vecs, picks=picks, scale=scale,
                        expand=expand)
    result = run_local(source, _spec(match_engine, Mode.relocation, 20), block=512)
    big = scaled_engine(match_engine, count)  # the same synthetic firms, ranked by the service
    for dest in big.world.destinations[:6]:
        want = [it.firm.id for it in big.candidates(park_id=dest.id, top_k=20).items]
        assert _dest_list(result.destination_top, dest.id) == want, dest.code


def test_a_stored_list_is_served_until_the_firm_changes_then_it_is_ranked_live(
    match_engine: MatchService, db_url: str, sessions: Callable[[str], sessionmaker[Session]],
) -> None:
    factory = sessions(db_url)
    firm = match_engine.world.firms[3]
    other = match_engine.world.firms[4]
    assert firm.id is not None and other.id is not None
    result = run_local(FirmSource(world=match_engine.world, vecs=match_engine.state.firm_vecs),
                       _spec(match_engine, Mode.relocation, 5), block=256)
    with unit_of_work(factory) as session:
        save_run(session, result, mode=Mode.relocation, engine="local", source="database", top_n=5,
                 change_id=latest_change_id(session))
    with unit_of_work(factory) as session:
        kind, items = firm_destinations(match_engine, session, firm_id=firm.id, mode=Mode.relocation, top_n=5)
        assert kind == "precomputed"
        assert [d for d, _ in items] == _firm_list(result.firm_top, firm.id)
        assert session.scalar(select(func.count()).select_from(FirmTop)) == len(result.firm_top["firm_id"])
        assert session.scalar(select(func.count()).select_from(DestinationTop)) == len(result.destination_top["firm_id"])
    with unit_of_work(factory) as session:
        publish(session, Changed("firm", (firm.id,)))
    with unit_of_work(factory) as session:
        kind, items = firm_destinations(match_engine, session, firm_id=firm.id, mode=Mode.relocation, top_n=5)
        assert kind == "live"
        assert [d for d, _ in items] == [it.park.id for it in match_engine.recommend(firm_id=firm.id, top_k=5).items]
        assert firm_destinations(match_engine, session, firm_id=other.id, mode=Mode.relocation, top_n=5)[0] == \
            "precomputed", "another firm's list stays precomputed"
    with unit_of_work(factory) as session:
        publish(session, Changed("destination", (match_engine.world.destinations[0].id,)))
    with unit_of_work(factory) as session:
        assert firm_destinations(match_engine, session, firm_id=other.id, mode=Mode.relocation, top_n=5)[0] == "live"


@pytest.mark.ray
@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow comes with the ray extra")
def test_the_command_writes_parquet_and_the_database(
    match_settings_env: Settings, tmp_path: Path, sessions: Callable[[str], sessionmaker[Session]],
) -> None:
    import pyarrow.parquet as pq

    from service.cli import app

    out = tmp_path / "lists"
    done = CliRunner().invoke(app, ["batch", "score", "--engine", "local", "--out", str(out), "--top", "3",
                                    "--sample", "50", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["sample_identical_share"] == 1.0 and report["pairs_per_s"] > 0
    firms = pq.read_table(out / "firm_top.parquet").to_pydict()
    assert set(firms) == {"firm_id", "rank", "destination_id", "score"}
    assert max(firms["rank"]) == 3 and len(set(firms["firm_id"])) == report["firms"]
    factory = sessions(match_settings_env.database_url)
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(FirmTop)
                              .where(FirmTop.run_id == report["run_id"])) == len(firms["firm_id"])


def test_an_unknown_mode_is_refused_in_both_languages(match_settings_env: Settings, tmp_path: Path) -> None:
    from service.cli import app

    done = CliRunner().invoke(app, ["batch", "score", "--engine", "local", "--out", str(tmp_path), "--mode", "moving"])
    assert done.exit_code != 0
    assert "未知模式 moving" in done.output and "unknown mode moving" in done.output


@pytest.mark.ray
@pytest.mark.skipif(not HAS_RAY, reason="需要 ray 扩展 / needs the ray extra: pip install -e '.[ray]'")
def test_ray_gives_the_same_lists_as_the_local_scorer(match_engine: MatchService) -> None:
    count = 2_000
    picks, scale, expand = synthetic_plan(count, len(match_engine.world.firms))
    source = FirmSource(world=match_engine.world, vecs=match_engine.state.firm_vecs, picks=picks, scale=scale,
                        expand=expand)
    spec = _spec(match_engine, Mode.relocation, 10)
    local = run_local(source, spec, block=256)
    on_ray = run_ray(source, spec, block=256, address=None)
    for key in ("firm_top", "destination_top"):
        a, b = getattr(local, key), getattr(on_ray, key)
        assert set(a) == set(b)
        for col in a:
            np.testing.assert_array_equal(a[col], b[col], err_msg=f"{key}.{col}")
    assert on_ray.pairs == count * len(spec.dest_rows())


@pytest.fixture
def match_settings_env(loaded_template: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       match_engine: MatchService) -> Iterator[Settings]:
    """The command line pointed at a copy of the starter database (the encoder cache of the session engine)."""
    import shutil

    from sqlalchemy.engine import make_url

    source = Path(make_url(loaded_template["sqlite"]).database or "")
    db = tmp_path / "batch.db"
    shutil.copy(source, db)
    assert match_engine.settings is not None
    settings = Settings(database_url=f"sqlite:///{db}", var_dir=match_engine.settings.var_dir)
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PARKMATCH_VAR_DIR", str(settings.var_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_the_app_and_the_command_line_never_import_ray() -> None:
    import subprocess
    import sys

    code = ("import sys, service.main, service.cli, service.batch.cli, service.batch.engines; "
            "bad = [m for m in ('ray', 'pyarrow') if m in sys.modules]; sys.exit(f'imported {bad}' if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
