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


def _warnings_but_leaks(caught: list[warnings.WarningMessage]) -> list[str]:
    """Every warning but ResourceWarnings: a connection another test left open, found by the collector meanwhile."""
    return [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_server_has_built_every_model_before_it_answers(client: TestClient, keys: dict[str, str]) -> None:
    models = all_models()
    assert len(models) > 80
    assert [m.__qualname__ for m in models if not m.__pydantic_complete__] == []
    assert build_all() == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # A model built late validates as one built on import: the bounds of a prospect still hold.
        response = client.post("/api/v1/match", json={"description": "x" * 5000})
        assert response.status_code == 422 and "description" in response.text
        assert client.patch("/api/v1/parks/1", json={"name_zh": None}, headers={"X-API-Key": keys["editor"]}).status_code == 422
        assert "ProspectRequest" in client.get("/openapi.json").json()["components"]["schemas"]
    # The server's log stays clean: no body or document builds a schema, and so none warns, once it is up.
    assert _warnings_but_leaks(caught) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_api_document_is_written_without_warnings(app_settings: Settings) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        before = list(warnings.filters)
        document = create_app(app_settings).openapi()
        after = list(warnings.filters)
    assert _warnings_but_leaks(caught) == []
    assert document["components"]["schemas"]["ProspectRequest"]["properties"]["description"]["maxLength"] == 4000
    # The warning is silenced for that build alone: the process's filters are as they were.
    assert after == before
