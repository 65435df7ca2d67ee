"""Park → firms at a scale where the vector and rule channels alone miss some of the best firms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from service.config import Settings
from service.database import make_engine, make_session_factory
from service.matching import constants as c
from service.matching.commands import synthetic_firms
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


@pytest.mark.parametrize("mode", [Mode.relocation, Mode.market])
def test_every_park_gets_the_exhaustive_top_fifty(big_engine: MatchService, mode: Mode) -> None:
    for p, park in enumerate(big_engine.world.destinations):
        if park.kind not in MODES[mode].destination_kinds:
            continue
        result = big_engine.candidates(park_id=park.id, mode=mode, top_k=50)
        assert result.considered == FIRMS
        assert [item.firm.id for item in result.items] == _exhaustive_top(big_engine, p, mode, 50), park.code


def test_beyond_the_exact_limit_the_channels_propose_and_miss_some(
    big_engine: MatchService, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reason the exact path exists: on near-identical firms the channels lose part of the top 50."""
    monkeypatch.setattr(c, "EXACT_CANDIDATES_MAX_FIRMS", FIRMS - 1)
    found = []
    for p, park in enumerate(big_engine.world.destinations):
        # Each destination in a mode that ranks its kind (the default mode first).
        mode = next(m for m in (DEFAULT_MODE, *Mode) if park.kind in MODES[m].destination_kinds)
        result = big_engine.candidates(park_id=park.id, mode=mode, top_k=50)
        assert result.considered <= 2 * c.VECTOR_CANDIDATES
        got = {item.firm.id for item in result.items}
        found.append(len(got & set(_exhaustive_top(big_engine, p, mode, 50))) / 50)
    assert min(found) < 1.0


def test_filters_apply_before_the_exact_top(big_engine: MatchService) -> None:
    park = big_engine.world.destinations[0]
    result = big_engine.candidates(park_id=park.id, top_k=30, town="guzhen", min_employees=50)
    towns = big_engine.world.firm_arrays.town
    allowed = int(np.sum((towns == big_engine.world.town_codes.index("guzhen"))
                         & (big_engine.world.firm_arrays.employees >= 50)))
    assert result.considered == allowed and result.items
    assert all(it.firm.town == "guzhen" and (it.firm.employees or 0) >= 50 for it in result.items)
