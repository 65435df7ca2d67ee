"""destinations: parks become destinations of kind park, keeping every row and id; feedback points there

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

The park-only columns (level, free_factory_m2, anchors, policies) move into `details`, the kind-specific JSON.
A new table is built and filled rather than `parks` renamed, so that every constraint and index carries the
name the naming convention gives it on both SQLite and PostgreSQL.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED = ("id", "code", "name_zh", "name_en", "county_code", "location", "positioning_zh", "positioning_en",
          "target_industries", "free_land_mu", "labour_pool", "restrictions", "supplies", "facts", "sources",
          "updated_at")
PARK_ONLY = ("level", "free_factory_m2", "anchors", "policies")
JSON_COLUMNS = {"location", "target_industries", "free_land_mu", "free_factory_m2", "labour_pool", "anchors",
                "policies", "restrictions", "supplies", "facts", "sources", "details"}


def _table(name: str, columns: Sequence[str]) -> sa.TableClause:
    """A lightweight table for copying rows; JSON columns typed so values go in and out as Python objects."""
    return sa.table(name, *(sa.column(c, sa.JSON() if c in JSON_COLUMNS else None) for c in columns))


def _reset_sequence(table: str) -> None:
    # Rows were copied with their ids; PostgreSQL's sequence must continue after the highest one.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def _repoint_feedback(old: str, new: str) -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint(f"fk_feedback_park_id_{old}", type_="foreignkey")
        batch_op.create_foreign_key(f"fk_feedback_park_id_{new}", new, ["park_id"], ["id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "destinations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=64), nullable=False),
        sa.Column("township", sa.String(length=100), nullable=True),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("positioning_zh", sa.Text(), nullable=False),
        sa.Column("positioning_en", sa.Text(), nullable=False),
        sa.Column("target_industries", sa.JSON(), nullable=False),
        sa.Column("free_land_mu", sa.JSON(), nullable=True),
        sa.Column("labour_pool", sa.JSON(), nullable=True),
        sa.Column("restrictions", sa.JSON(), nullable=False),
        sa.Column("supplies", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["county_code"], ["counties.code"], name=op.f("fk_destinations_county_code_counties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destinations")),
        sa.UniqueConstraint("code", name=op.f("uq_destinations_code")),
    )
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_destinations_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_destinations_kind"), ["kind"], unique=False)

    bind = op.get_bind()
    parks = _table("parks", (*SHARED, *PARK_ONLY))
    rows: list[dict[str, Any]] = []
    for park in bind.execute(sa.select(parks).order_by(parks.c.id)).mappings():
        details = {"level": park["level"], "free_factory_m2": park["free_factory_m2"],
                   "anchors": park["anchors"] or [], "policies": park["policies"] or []}
        rows.append({**{c: park[c] for c in SHARED}, "kind": "park", "township": None, "details": details})
    if rows:
        bind.execute(sa.insert(_table("destinations", (*SHARED, "kind", "township", "details"))), rows)
    _reset_sequence("destinations")

    _repoint_feedback("parks", "destinations")
    with op.batch_alter_table("parks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parks_county_code"))
    op.drop_table("parks")


def downgrade() -> None:
    # Only parks fit the old table: feedback on other kinds goes with them.
    op.create_table(
        "parks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("positioning_zh", sa.Text(), nullable=False),
        sa.Column("positioning_en", sa.Text(), nullable=False),
        sa.Column("target_industries", sa.JSON(), nullable=False),
        sa.Column("free_land_mu", sa.JSON(), nullable=True),
        sa.Column("free_factory_m2", sa.JSON(), nullable=True),
        sa.Column("labour_pool", sa.JSON(), nullable=True),
        sa.Column("anchors", sa.JSON(), nullable=False),
        sa.Column("policies", sa.JSON(), nullable=False),
        sa.Column("restrictions", sa.JSON(), nullable=False),
        sa.Column("supplies", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["county_code"], ["counties.code"], name=op.f("fk_parks_county_code_counties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parks")),
        sa.UniqueConstraint("code", name=op.f("uq_parks_code")),
    )
    with op.batch_alter_table("parks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parks_county_code"), ["county_code"], unique=False)

    bind = op.get_bind()
    destinations = _table("destinations", (*SHARED, "kind", "details"))
    rows: list[dict[str, Any]] = []
    for row in bind.execute(sa.select(destinations).where(destinations.c.kind == "park")
                            .order_by(destinations.c.id)).mappings():
        details = row["details"] or {}
        rows.append({**{c: row[c] for c in SHARED}, "level": details.get("level", "unconfirmed"),
                     "free_factory_m2": details.get("free_factory_m2"), "anchors": details.get("anchors", []),
                     "policies": details.get("policies", [])})
    if rows:
        bind.execute(sa.insert(_table("parks", (*SHARED, *PARK_ONLY))), rows)
    _reset_sequence("parks")

    feedback = sa.table("feedback", sa.column("park_id"))
    bind.execute(sa.delete(feedback).where(
        feedback.c.park_id.in_(sa.select(destinations.c.id).where(destinations.c.kind != "park"))))
    _repoint_feedback("destinations", "parks")
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_destinations_kind"))
        batch_op.drop_index(batch_op.f("ix_destinations_county_code"))
    op.drop_table("destinations")
