"""batch top lists: precomputed firm → destinations and destination → firms from `parkmatch batch score`

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("firms", sa.Integer, nullable=False),
        sa.Column("destinations", sa.Integer, nullable=False),
        sa.Column("top_n", sa.Integer, nullable=False),
        sa.Column("change_id", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "batch_firm_top",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("batch_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("firm_id", sa.Integer, primary_key=True),
        sa.Column("rank", sa.Integer, primary_key=True),
        sa.Column("destination_id", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_index("ix_batch_firm_top_firm", "batch_firm_top", ["run_id", "firm_id"])
    op.create_table(
        "batch_destination_top",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("batch_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("destination_id", sa.Integer, primary_key=True),
        sa.Column("rank", sa.Integer, primary_key=True),
        sa.Column("firm_id", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_destination_top")
    op.drop_index("ix_batch_firm_top_firm", table_name="batch_firm_top")
    op.drop_table("batch_firm_top")
    op.drop_table("batch_runs")
