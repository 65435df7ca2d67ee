"""`parkmatch graph stats|export` over the starter data: every node and edge type is populated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings


@pytest.fixture
def loaded(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_graph_stats_shows_every_type_populated(loaded: str) -> None:
    result = CliRunner().invoke(app, ["graph", "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    empty = [t for kind in ("node_types", "edge_types") for t, n in stats[kind].items() if n == 0]
    assert empty == []
    assert stats["node_types"]["park"] >= 7 and stats["node_types"]["firm"] >= 400


def test_graph_export_reads_back(loaded: str, tmp_path: Path) -> None:
    target = tmp_path / "graph.graphml"
    result = CliRunner().invoke(app, ["graph", "export", "-o", str(target)])
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(target)
    assert any(n.startswith("park:") for n in graph.nodes) and graph.number_of_edges() > 1000
    bad = CliRunner().invoke(app, ["graph", "export", "-o", str(tmp_path / "graph.txt")])
    assert bad.exit_code == 2 and ".graphml" in bad.output
