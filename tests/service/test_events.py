"""Change events: a change-log row per change in the change's transaction, subscribers after the commit only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

from service.changes import ChangeCursor, Changed
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.events import (
    ChangeLog,
    changes_since,
    latest_change_id,
    publish,
    subscribe,
)
from service.firms import service as firm_service
from service.firms.schemas import FirmCreate, FirmUpdate
from service.main import create_app


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def heard(engine: Engine) -> Iterator[list[Changed]]:
    """Events the subscribers of this database received."""
    got: list[Changed] = []

    def handler(events: Sequence[Changed]) -> None:
        got.extend(events)

    unsubscribe = subscribe(handler, engine=engine)
    yield got
    unsubscribe()


def _firm(name: str = "中山市事件测试有限公司") -> FirmCreate:
    return FirmCreate(name_zh=name, town="guzhen", industries=["C3872"], employees=5)


def test_a_committed_change_writes_one_row_and_reaches_subscribers_after_the_commit(
    factory: sessionmaker[Session], heard: list[Changed],
) -> None:
    with unit_of_work(factory) as session:
        start = latest_change_id(session)
        firm = firm_service.create(session=session, firm=_firm())
        assert heard == []  # nothing is dispatched before the commit
    assert heard == [Changed("firm", (firm.id,))]
    with unit_of_work(factory) as session:
        entries = changes_since(session, after=start)
    assert [(e.change, e.created_at is not None) for e in entries] == [(Changed("firm", (firm.id,)), True)]


def test_a_rolled_back_change_leaves_no_row_and_no_event(
    factory: sessionmaker[Session], heard: list[Changed],
) -> None:
    with unit_of_work(factory) as session:
        start = latest_change_id(session)
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        firm_service.create(session=session, firm=_firm())
        raise RuntimeError("interrupted")
    with unit_of_work(factory) as session:
        assert changes_since(session, after=start) == []
    assert heard == []


def test_update_and_delete_publish_with_the_deleted_flag(
    factory: sessionmaker[Session], heard: list[Changed],
) -> None:
    with unit_of_work(factory) as session:
        firm = firm_service.create(session=session, firm=_firm())
    with unit_of_work(factory) as session:
        firm_service.update(session=session, firm_id=firm.id, changes=FirmUpdate(employees=50))
        firm_service.update(session=session, firm_id=firm.id, changes=FirmUpdate(employees=50))  # no change
    with unit_of_work(factory) as session:
        firm_service.delete(session=session, firm_id=firm.id)
    assert heard == [Changed("firm", (firm.id,)), Changed("firm", (firm.id,)),
                     Changed("firm", (firm.id,), deleted=True)]


def test_an_upsert_of_many_firms_is_one_event_and_an_unchanged_batch_none(
    factory: sessionmaker[Session], heard: list[Changed],
) -> None:
    firms = [_firm(f"中山市批量{n}有限公司") for n in range(3)]
    with unit_of_work(factory) as session:
        result = firm_service.upsert_many(session=session, firms=firms)
    with unit_of_work(factory) as session:
        firm_service.upsert_many(session=session, firms=firms)
    assert heard == [Changed("firm", tuple(result.created))]


def test_a_failing_subscriber_is_logged_and_the_others_still_hear(
    factory: sessionmaker[Session], engine: Engine, heard: list[Changed],
) -> None:
    def broken(events: Sequence[Changed]) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = subscribe(broken, engine=engine)
    try:
        with unit_of_work(factory) as session:
            publish(session, Changed("catalog", ()))
    finally:
        unsubscribe()
    assert heard == [Changed("catalog", ())]


def test_a_subscriber_of_another_database_hears_nothing(factory: sessionmaker[Session]) -> None:
    other = make_engine("sqlite:///:memory:")
    got: list[Changed] = []
    unsubscribe = subscribe(got.extend, engine=other)
    try:
        with unit_of_work(factory) as session:
            publish(session, Changed("catalog", ()))
    finally:
        unsubscribe()
        other.dispose()
    assert got == []


def test_an_unknown_entity_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown entity"):
        Changed("park", (1,))  # type: ignore[arg-type]


def _log(session: Session, entry_id: int, ids: tuple[int, ...]) -> None:
    session.execute(insert(ChangeLog).values(id=entry_id, entity="firm", ids=list(ids), deleted=False))


def test_a_cursor_returns_a_late_commit_below_its_position_once(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        cursor = ChangeCursor.at_latest(session, lookback=50)
        base = cursor.position
        assert cursor.poll(session) == []  # what was there at the start is not returned
    with unit_of_work(factory) as session:
        _log(session, base + 10, (1,))
        _log(session, base + 12, (2,))
    with unit_of_work(factory) as session:
        assert [e.id for e in cursor.poll(session)] == [base + 10, base + 12]
    # A transaction that took id base + 11 earlier commits only now (PostgreSQL hands ids out at insert time).
    with unit_of_work(factory) as session:
        _log(session, base + 11, (3,))
    with unit_of_work(factory) as session:
        late = cursor.poll(session)
        again = cursor.poll(session)
    assert [(e.id, e.change.ids) for e in late] == [(base + 11, (3,))]
    assert again == []
    assert cursor.position == base + 12


def test_a_cursor_pages_through_a_backlog_without_losing_rows(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        cursor = ChangeCursor.at_latest(session, lookback=5)
        base = cursor.position
    with unit_of_work(factory) as session:
        for n in range(1, 8):
            _log(session, base + n, (n,))
    seen: list[int] = []
    with unit_of_work(factory) as session:
        while batch := cursor.poll(session, limit=3):
            seen.extend(e.id for e in batch)
    assert seen == [base + n for n in range(1, 8)]


def test_a_cursor_from_an_id_returns_only_what_is_above_it(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        start = latest_change_id(session)
        publish(session, Changed("destination", (3,), deleted=True))
    cursor = ChangeCursor(after=start)
    with unit_of_work(factory) as session:
        entries = cursor.poll(session)
    assert [e.change for e in entries] == [Changed("destination", (3,), deleted=True)]


class RecordingService:
    """Stands in for the matching service: records the changes the lifespan hands to it."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[int], bool]] = []

    def on_change(self, changes: Sequence[Changed]) -> None:
        self.calls += [(list(change.ids), change.deleted) for change in changes if change.entity == "firm"]

    def close(self) -> None:
        pass


def test_firm_writes_over_http_reach_the_ranking_engine_after_the_commit(
    app_settings: Settings, keys: dict[str, str],
) -> None:
    app = create_app(app_settings)
    recorder = RecordingService()
    app.state.match_service = recorder
    with TestClient(app, headers={"X-API-Key": keys["editor"]}) as client:
        firm = client.post("/api/v1/firms", json=_firm().model_dump(mode="json", exclude_none=True))
        assert firm.status_code == 201, firm.text
        firm_id = firm.json()["id"]
        client.patch(f"/api/v1/firms/{firm_id}", json={"employees": 9})
        refused = client.post("/api/v1/firms", json=_firm().model_dump(mode="json", exclude_none=True))
        assert refused.status_code == 409  # a refused write tells the engine nothing
        client.delete(f"/api/v1/firms/{firm_id}")
    assert recorder.calls == [([firm_id], False), ([firm_id], False), ([firm_id], True)]
