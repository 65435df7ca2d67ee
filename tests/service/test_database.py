"""Storage: migrations match the models on every backend, and a failed unit of work leaves no trace."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from service.database import make_engine, make_session_factory, unit_of_work
from service.firms import service as firm_service
from service.firms.schemas import FirmCreate
from service.migrate import upgrade
from service.models import Base


def test_migrations_build_exactly_the_model_schema(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    upgrade(engine)  # a second run is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"firms", "destinations", "industries", "api_keys", "audit_log", "feedback", "change_log"} <= tables
    assert "parks" not in tables  # parks are destinations of kind park since 0004


def test_a_failed_unit_of_work_writes_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        before = firm_service.count(session=session)
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        firm_service.create(session=session, firm=FirmCreate(
            name_zh="中山市回滚测试有限公司", town="guzhen", industries=["C3872"], employees=5))
        raise RuntimeError("interrupted")
    with unit_of_work(factory) as session:
        assert firm_service.count(session=session) == before
    engine.dispose()
