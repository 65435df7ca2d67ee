"""Models are built on first use, except in a server: there every one is built before the first request."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from service.schema import all_models, build_all


def test_importing_the_ranking_schemas_builds_none_of_them() -> None:
    script = ("from service.matching import schemas\n"
              "print(schemas.Recommendations.__pydantic_complete__, schemas.ProspectRequest.__pydantic_complete__)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_server_has_built_every_model_before_it_answers(client: TestClient) -> None:
    models = all_models()
    assert len(models) > 80
    assert [m.__qualname__ for m in models if not m.__pydantic_complete__] == []
    assert build_all() == 0
    # A model built late validates as one built on import: the bounds of a prospect still hold.
    response = client.post("/api/v1/match", json={"description": "x" * 5000})
    assert response.status_code == 422 and "description" in response.text


def test_the_api_document_is_written_without_warnings(app_settings: Settings) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        document = create_app(app_settings).openapi()
    assert [str(w.message) for w in caught] == []
    assert document["components"]["schemas"]["ProspectRequest"]["properties"]["description"]["maxLength"] == 4000
