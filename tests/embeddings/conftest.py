"""Shared fixtures for the embeddings tests: one real USE encoder per session and the fixture graph."""

from __future__ import annotations

import networkx as nx
import pytest

from embeddings import UseEncoder, build_graph
from tests.embeddings.graph_fixture import SCHEMA, records


@pytest.fixture(scope="session")
def use_encoder() -> UseEncoder:
    # Loading the weights takes about a second; every test that needs the real model shares one.
    return UseEncoder()


@pytest.fixture(scope="session")
def fixture_graph() -> nx.MultiDiGraph:
    nodes, edges = records()
    return build_graph(nodes, edges, SCHEMA)
