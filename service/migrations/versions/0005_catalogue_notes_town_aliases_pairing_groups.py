"""full catalogue: industry notes and English-name source, input notes, town kind/aliases/history, pairing groups

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02

The revision number leaves room for the revisions other branches add after 0002; it is rechained onto
whatever is the head when the branches merge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY_TEXT = sa.text("''")
EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("industries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en_source", sa.String(length=16), nullable=False,
                                      server_default="translation"))
        batch_op.add_column(sa.Column("note_zh", sa.Text(), nullable=False, server_default=EMPTY_TEXT))
    with op.batch_alter_table("industry_inputs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=EMPTY_TEXT))
    with op.batch_alter_table("towns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default=EMPTY_LIST))
        batch_op.add_column(sa.Column("history", sa.JSON(), nullable=False, server_default=EMPTY_LIST))
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_zh", sa.String(length=100), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("group_en", sa.String(length=200), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("members", sa.JSON(), nullable=False, server_default=EMPTY_LIST))
        batch_op.add_column(sa.Column("members_note", sa.Text(), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("township_zh", sa.String(length=100), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("township_en", sa.String(length=200), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("sources", sa.JSON(), nullable=False, server_default=EMPTY_LIST))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): recreating a table that other tables reference would
    # trip their foreign keys.
    with op.batch_alter_table("pairings", schema=None, recreate="never") as batch_op:
        for name in ("sources", "township_en", "township_zh", "members_note", "members", "group_en", "group_zh"):
            batch_op.drop_column(name)
    with op.batch_alter_table("towns", schema=None, recreate="never") as batch_op:
        for name in ("history", "aliases", "kind"):
            batch_op.drop_column(name)
    with op.batch_alter_table("industry_inputs", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("industries", schema=None, recreate="never") as batch_op:
        for name in ("note_zh", "name_en_source"):
            batch_op.drop_column(name)
