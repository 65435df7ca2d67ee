"""Fixtures for the web UI and brief tests: one starter database and one matching engine per test session."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.auth.service import Role, create_key, revoke
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.firms import service as firm_service
from service.firms.schemas import FirmCreate
from service.main import create_app
from service.matching.service import MatchService

XSS_NAME = "<script>alert(1)</script>"
FORMULA_NAME = '=HYPERLINK("http://evil.example","灯饰")'  # a spreadsheet would run this as a formula


@dataclass(frozen=True)
class World:
    """A database with the starter data, keys of every role, a hostile firm name, and the engine over it."""

    settings: Settings
    keys: dict[str, str]
    engine: MatchService
    xss_firm_id: int


@pytest.fixture(scope="session")
def ui_world(loaded_template: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
             embedding_cache: Path) -> World:
    # The engine takes seconds to build (encoder, propagation, index), so the UI and brief tests share one.
    root = tmp_path_factory.mktemp("ui")
    source = Path(loaded_template["sqlite"].removeprefix("sqlite:///"))
    shutil.copyfile(source, root / "parkmatch.db")
    settings = Settings(database_url=f"sqlite:///{root / 'parkmatch.db'}", var_dir=root / "var",
                        embedding_cache_dir=embedding_cache)
    factory = make_session_factory(make_engine(settings.database_url))
    keys: dict[str, str] = {}
    with unit_of_work(factory) as session:
        for role in Role:
            _, keys[role.value] = create_key(session=session, name=f"ui-{role.value}", role=role)
        row, keys["revoked"] = create_key(session=session, name="ui-revoked", role=Role.viewer)
        revoke(session=session, key_id=row.id)
        xss = firm_service.create(session=session, firm=FirmCreate(
            name_zh=XSS_NAME, name_en=XSS_NAME, town="guzhen", industries=["C3872"], products=["<b>灯</b>"],
            employees=80, land_mu=10, description_zh="<img src=x onerror=alert(2)> 灯饰", synthetic=True))
        firm_service.create(session=session, firm=FirmCreate(
            name_zh=FORMULA_NAME, town="guzhen", industries=["C3872"], employees=90, land_mu=12, synthetic=True))
    engine = MatchService.build(session_factory=factory, settings=settings)
    return World(settings=settings, keys=keys, engine=engine, xss_firm_id=xss.id)


def build_app(world: World) -> FastAPI:
    """The application over the shared world's database (its engine is attached by the caller)."""
    return create_app(world.settings)


@contextmanager
def api_client(world: World, role: str = "viewer") -> Iterator[TestClient]:
    """An API client with the shared engine attached (before start-up too) and a key of the given role."""
    app = build_app(world)
    app.state.match_service = world.engine
    with TestClient(app, headers={"X-API-Key": world.keys[role]}) as client:
        app.state.match_service = world.engine
        yield client


@pytest.fixture
def ui_app(ui_world: World) -> Iterator[TestClient]:
    """A client with the engine attached; not signed in."""
    app = build_app(ui_world)
    app.state.match_service = ui_world.engine  # before start-up too, so a lifespan can reuse it instead of rebuilding
    with TestClient(app, follow_redirects=False) as client:
        app.state.match_service = ui_world.engine
        yield client


def sign_in(client: TestClient, key: str) -> Any:
    # The form's token and its pre-session cookie come from opening the form first, as in a browser.
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/signin").text)
    assert token
    return client.post("/ui/signin", data={"key": key, "next": "/ui/", "csrf": token.group(1)})
