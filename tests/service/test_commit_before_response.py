"""Over a real uvicorn server: what a write answered 2xx for is committed, so the very next request finds it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from service.config import Settings
from service.main import create_app

ROUNDS = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(app_settings: Settings) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(app_settings), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_new_key_works_on_its_very_first_request(server: str, keys: dict[str, str]) -> None:
    statuses = []
    with httpx.Client(base_url=server, timeout=10) as http:
        for n in range(ROUNDS):
            created = http.post("/api/v1/keys", json={"name": f"first-use {n}", "role": "viewer"},
                                headers={"X-API-Key": keys["admin"]})
            assert created.status_code == 201, created.text
            statuses.append(http.get("/api/v1/firms?limit=1",
                                     headers={"X-API-Key": created.json()["secret"]}).status_code)
    assert statuses == [200] * ROUNDS


def test_a_new_park_and_its_feedback_are_found_by_the_next_request(server: str, keys: dict[str, str]) -> None:
    editor = {"X-API-Key": keys["editor"]}
    with httpx.Client(base_url=server, timeout=10, headers=editor) as http:
        firm_id = http.get("/api/v1/firms?limit=1").json()["items"][0]["id"]
        for n in range(ROUNDS // 2):
            park = http.post("/api/v1/parks", json={"code": f"first_use_{n}", "name_zh": f"首用园区{n}",
                                                     "name_en": f"First-use park {n}", "county": "shuicheng"})
            assert park.status_code == 201, park.text
            assert http.get(f"/api/v1/parks/{park.json()['id']}").status_code == 200
            feedback = http.post("/api/v1/feedback", json={"firm_id": firm_id, "park_id": park.json()["id"],
                                                           "status": "contacted"})
            assert feedback.status_code == 201, feedback.text
            pipeline = http.get(f"/api/v1/pipeline?park_id={park.json()['id']}").json()
            assert [item["firm_id"] for item in pipeline] == [firm_id]
