"""Park → firms at a scale where firm groups are pruned by their bounds: the top stays the exhaustive one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from service.bench.matching import synthetic_firms
from service.config import Settings
from service.database import make_engine, make_session_factory
from service.matching.modes import DEFAULT_MODE, MODES, Mode
from service.matching.service import MatchService

pytestmark = pytest.mark.slow

FIRMS = 6_000  # six channel-fulls: 1,000 from the vector index plus 1,000 from the pre-score cannot cover them


@pytest.fixture(scope="module")
def big_engine(match_engine: MatchService, loaded_template: dict[str, str],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[MatchService]:
    var = tmp_path_factory.mktemp("scale-var")
    settings = Settings(database_url=loaded_template["sqlite"], var_dir=Path(var))
    engine = make_engine(settings.database_url)
    firms = synthetic_firms(match_engine.world.firms, count=FIRMS)
    yield MatchService.build(session_factory=make_session_factory(engine), settings=settings, firms=firms,
                            persist_index=False)
    engine.dispose()


def _exhaustive_top(engine: MatchService, dest_row: int, mode: Mode, k: int) -> list[int]:
    """The naive way: every firm against every park, sorted by score then id, excluded pairs dropped."""
    state = engine.state
    rows = np.arange(len(state.world.firm_arrays), dtype=np.intp)
    scores, excluded, _, dest_rows = engine.pair_scores(firm_rows=rows, mode=mode, weights={})
    column = list(dest_rows).index(dest_row)  # the columns are the destinations the mode ranks
    col, bad = scores[:, column], excluded[:, column]
    ok = np.flatnonzero(~bad)
    order = ok[np.lexsort((state.firm_ids[ok], -np.round(col[ok], 12)))]
    return [int(state.firm_ids[i]) for i in order[:k]]


# Market mode ignores size, so the 6,000 copies tie in runs of equal scores and the order among them is
# the firm ids'. Both ways must compute a pair's semantic value the same way wherever the pair sits in a
# batch (a matrix-vector product once gave two copies values a bit apart, and the tie broke the wrong way).
@pytest.mark.parametrize("mode", [Mode.relocation, Mode.market])
def test_every_park_gets_the_exhaustive_top_fifty(big_engine: MatchService, mode: Mode) -> None:
    for p, park in enumerate(big_engine.world.destinations):
        if park.kind not in MODES[mode].destination_kinds:
            continue
        result = big_engine.candidates(park_id=park.id, mode=mode, top_k=50)
        assert result.considered == FIRMS
        assert [item.firm.id for item in result.items] == _exhaustive_top(big_engine, p, mode, 50), park.code


def test_a_firm_changed_after_the_first_view_is_ranked_exactly(big_engine: MatchService) -> None:
    """The bounds of a changed firm's group are redone: a firm made the best fit enters the exact top at once."""
    park = big_engine.world.destinations[0]
    before = big_engine.candidates(park_id=park.id, top_k=50)
    last = before.items[-1].firm.id
    assert last is not None
    profile = big_engine.world.firms[big_engine.world.firm_row[last]]
    bigger = dataclasses.replace(profile, revenue_10k_yuan=(profile.revenue_10k_yuan or 100.0) * 0.2, expansion=True)
    big_engine.refresh_firm(firm_id=last, profile=bigger)
    p = big_engine.world.dest_row[park.id]
    after = [item.firm.id for item in big_engine.candidates(park_id=park.id, top_k=50).items]
    assert after == _exhaustive_top(big_engine, p, DEFAULT_MODE, 50)
    assert after.index(last) < 49, "the changed firm kept its old place"


def test_filters_apply_before_the_exact_top(big_engine: MatchService) -> None:
    park = big_engine.world.destinations[0]
    result = big_engine.candidates(park_id=park.id, top_k=30, town="guzhen", min_employees=50)
    towns = big_engine.world.firm_arrays.town
    allowed = int(np.sum((towns == big_engine.world.town_codes.index("guzhen"))
                         & (big_engine.world.firm_arrays.employees >= 50)))
    assert result.considered == allowed and result.items
    assert all(it.firm.town == "guzhen" and (it.firm.employees or 0) >= 50 for it in result.items)


def test_a_pairs_semantic_value_does_not_depend_on_its_place_in_the_batch(big_engine: MatchService) -> None:
    from service.matching.retrieval.candidates import semantic_values

    state = big_engine.state
    dest = state.dest_vecs[0]
    rows = np.arange(len(state.firm_vecs), dtype=np.intp)
    whole = semantic_values(state.firm_vecs[rows], dest)
    rng = np.random.default_rng(7)
    for size in (1, 3, 17, 1024):
        picked = rng.choice(rows, size=size, replace=False)
        assert np.array_equal(semantic_values(state.firm_vecs[picked], dest), whole[picked])
    pairs = semantic_values(state.firm_vecs[rows], np.broadcast_to(dest, state.firm_vecs.shape))
    assert np.array_equal(pairs, whole)
