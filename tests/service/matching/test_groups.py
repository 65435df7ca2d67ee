"""Firm groups and their bounds: park → firms is the exhaustive top under any weighting, without scoring every firm."""

from __future__ import annotations

import numpy as np
import pytest

from service.bench.matching import exhaustive_top, scaled_engine
from service.matching.modes import DEFAULT_MODE, MODES, Mode
from service.matching.retrieval import candidates as cand
from service.matching.retrieval.candidates import exact_scores
from service.matching.scoring import FACTOR_NAMES
from service.matching.service import MatchService

FIRMS = 4_000


@pytest.fixture(scope="module")
def scaled(match_engine: MatchService) -> MatchService:
    return scaled_engine(match_engine, FIRMS)


def test_no_member_of_a_group_scores_above_its_bound_on_any_factor(scaled: MatchService) -> None:
    state = scaled.state
    groups = state.exact.groups(scaled.world, state.firm_vecs)
    assert sorted(groups.perm.tolist()) == list(range(FIRMS)), "every firm is in exactly one group"
    for p, dest in enumerate(scaled.world.destinations):
        bounds = state.exact.bounds(scaled.world, state.firm_vecs, state.dest_vecs[p], p)
        values = exact_scores(scaled.world, state.firm_vecs, state.dest_vecs[p], p).matrix
        best = np.maximum.reduceat(values[groups.perm], groups.starts[:-1], axis=0)
        over = np.argwhere(best > bounds)
        assert not len(over), (dest.code, [FACTOR_NAMES[j] for _, j in over[:5]])


def _exhaustive(engine: MatchService, park_id: int, mode: Mode, weights: dict[str, float], k: int) -> list[int]:
    from service.matching.modes import resolve_weights
    from service.matching.scoring.ranker import weight_vector

    state = engine.state
    p = state.world.dest_row[park_id]
    every = exact_scores(state.world, state.firm_vecs, state.dest_vecs[p], p)
    scores = every.matrix @ weight_vector(resolve_weights(mode=mode, overrides=weights))
    ok = np.flatnonzero(~every.excluded(MODES[mode].constraints))
    order = ok[np.lexsort((state.firm_ids[ok], -np.round(scores[ok], 12)))]
    return [int(state.firm_ids[i]) for i in order[:k]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_lead_list_is_the_exhaustive_top_under_any_weighting(scaled: MatchService, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mode = [Mode.relocation, Mode.joint_development, Mode.market][seed - 1]
    weights = {name: float(x) for name, x in zip(MODES[mode].factor_names, rng.uniform(0, 1, len(FACTOR_NAMES)),
                                                 strict=True)}
    for dest in scaled.world.destinations[::3]:
        got = [i.firm.id for i in scaled.candidates(park_id=dest.id, mode=mode, weights=weights, top_k=50).items]
        assert got == _exhaustive(scaled, dest.id, mode, weights, 50), dest.code


def test_most_firms_are_ruled_out_by_their_group_bound(scaled: MatchService, monkeypatch: pytest.MonkeyPatch) -> None:
    scored: list[int] = []
    original = cand.score_rows

    def counting(*args: object, **kwargs: object) -> cand.ExactScores:
        out = original(*args, **kwargs)  # type: ignore[arg-type]
        scored.append(out.matrix.shape[0])
        return out

    park = scaled.world.destinations[0]
    want = exhaustive_top(scaled, park.id)
    scaled.state.exact.clear()  # as after a data change: no group of this destination scored yet
    monkeypatch.setattr(cand, "score_rows", counting)
    # The best 1,000 go on to explanations, so a lead list needs at least 1,000 firms scored one by one.
    items = scaled.candidates(park_id=park.id, top_k=50).items
    assert items and [i.firm.id for i in items] == want
    assert 1_000 <= sum(scored) < FIRMS * 0.8, sum(scored)


def test_a_mode_that_ranks_the_destination_gets_the_same_top_as_the_bench_naive_way(scaled: MatchService) -> None:
    park = scaled.world.destinations[0]
    assert park.kind in MODES[DEFAULT_MODE].destination_kinds
    got = [i.firm.id for i in scaled.candidates(park_id=park.id, top_k=50).items]
    assert got == exhaustive_top(scaled, park.id)
