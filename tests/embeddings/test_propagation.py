"""Graph propagation with the real USE encoder on the realistic fixture: related firm–park pairs move closer."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from embeddings import UseEncoder, propagate
from embeddings.graph import evidence_paths
from tests.embeddings.graph_fixture import EXPECTED_PARK, FIRMS, METAPATHS, PARKS


@pytest.fixture(scope="module")
def vectors(
    use_encoder: UseEncoder, fixture_graph: nx.MultiDiGraph
) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    ids = list(fixture_graph.nodes)
    x = use_encoder.encode([fixture_graph.nodes[n]["text"] for n in ids])
    h = propagate(fixture_graph, ids, x, hops=2, alpha=0.35)
    return {n: i for i, n in enumerate(ids)}, x, h


def _sim(m: np.ndarray, index: dict[str, int], a: str, b: str) -> float:
    return float(m[index[a]] @ m[index[b]])


def test_related_firm_and_park_move_closer(vectors: tuple[dict[str, int], np.ndarray, np.ndarray]) -> None:
    index, x, h = vectors
    for firm, park in EXPECTED_PARK.items():
        before = _sim(x, index, f"firm:{firm}", f"park:{park}")
        after = _sim(h, index, f"firm:{firm}", f"park:{park}")
        assert after > before + 0.02, (firm, park, before, after)


def test_unrelated_pairs_are_not_pulled_together(
    vectors: tuple[dict[str, int], np.ndarray, np.ndarray], fixture_graph: nx.MultiDiGraph
) -> None:
    index, x, h = vectors
    related_gain = np.mean(
        [
            _sim(h, index, f"firm:{f}", f"park:{p}") - _sim(x, index, f"firm:{f}", f"park:{p}")
            for f, p in EXPECTED_PARK.items()
        ]
    )
    # "Unrelated" = no evidence path of any kind between them (e.g. the garment maker and the aluminium park).
    unrelated = [
        (f"firm:{f}", f"park:{p}")
        for f in FIRMS
        for p in PARKS
        if not evidence_paths(fixture_graph, f"firm:{f}", f"park:{p}", metapaths=METAPATHS)
    ]
    assert ("firm:2", "park:shuicheng_edz") in unrelated
    gains = [_sim(h, index, a, b) - _sim(x, index, a, b) for a, b in unrelated]
    assert np.mean(gains) < related_gain / 2, (np.mean(gains), related_gain)
    for firm, park in unrelated:
        expected = f"park:{EXPECTED_PARK[int(firm.split(':')[1])]}"
        assert _sim(h, index, firm, park) < _sim(h, index, firm, expected), (firm, park)


def test_expected_park_is_each_firms_nearest_after_propagation(
    vectors: tuple[dict[str, int], np.ndarray, np.ndarray],
) -> None:
    index, _, h = vectors
    for firm, park in EXPECTED_PARK.items():
        best = max(PARKS, key=lambda p: _sim(h, index, f"firm:{firm}", f"park:{p}"))
        assert best == park, firm


def test_alpha_one_and_zero_hops_leave_text_vectors_unchanged(
    vectors: tuple[dict[str, int], np.ndarray, np.ndarray], fixture_graph: nx.MultiDiGraph
) -> None:
    _, x, _ = vectors
    ids = list(fixture_graph.nodes)
    np.testing.assert_allclose(propagate(fixture_graph, ids, x, alpha=1.0), x, atol=1e-6)
    np.testing.assert_allclose(propagate(fixture_graph, ids, x, hops=0), x, atol=1e-6)
    out = propagate(fixture_graph, ids, x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_a_node_without_a_vector_is_an_error(fixture_graph: nx.MultiDiGraph) -> None:
    ids = list(fixture_graph.nodes)[:-1]
    with pytest.raises(ValueError, match="no vector"):
        propagate(fixture_graph, ids, np.ones((len(ids), 4), dtype=np.float32))
