"""Alembic environment: runs migrations on the engine the service uses."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from service.database import make_engine
from service.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/parkmatch.db")
    with engine.begin() as conn:
        run(conn)
    engine.dispose()
