"""firm contacts, pipeline owner and follow-up as columns, import jobs in the database

Firms gain contact fields (联系人, 电话, 地址, 备注). Feedback gains `owner` and `follow_up`: until this
revision the UI stored both in a closing line of the note (`[负责人 owner: …; 下次跟进 follow-up: YYYY-MM-DD]`);
that line is read into the new columns and taken off the note. Import checks keep their state in
`import_jobs`, so any worker process can answer a status poll or commit a checked file.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import datetime as dt
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY_TEXT = sa.text("''")
# The closing line the pipeline board wrote into notes before this revision.
TRAILER = re.compile(r"\s*\[负责人 owner: (?P<owner>[^;\]]*); 下次跟进 follow-up: (?P<due>[0-9-]*)\]\s*$")
OWNER_MAX = 60


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def upgrade() -> None:
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_name", sa.String(length=100), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("phone", sa.String(length=60), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("address", sa.String(length=300), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=EMPTY_TEXT))
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=OWNER_MAX), nullable=False, server_default=EMPTY_TEXT))
        batch_op.add_column(sa.Column("follow_up", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_feedback_owner"), ["owner"])

    feedback = sa.table("feedback", sa.column("id", sa.Integer), sa.column("note", sa.Text),
                        sa.column("owner", sa.String), sa.column("follow_up", sa.Date))
    bind = op.get_bind()
    rows = bind.execute(sa.select(feedback.c.id, feedback.c.note).where(feedback.c.note.like("%[负责人 owner:%"))).all()
    for row_id, note in rows:
        match = TRAILER.search(note or "")
        if match is None:
            continue
        bind.execute(feedback.update().where(feedback.c.id == row_id).values(
            note=note[: match.start()], owner=match.group("owner").strip()[:OWNER_MAX],
            follow_up=_date(match.group("due"))))

    op.create_table(
        "import_jobs",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_import_jobs_key_id_api_keys"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_import_jobs")),
    )
    op.create_index(op.f("ix_import_jobs_started_at"), "import_jobs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_import_jobs_started_at", table_name="import_jobs")
    op.drop_table("import_jobs")
    feedback = sa.table("feedback", sa.column("id", sa.Integer), sa.column("note", sa.Text),
                        sa.column("owner", sa.String), sa.column("follow_up", sa.Date))
    bind = op.get_bind()
    rows = bind.execute(sa.select(feedback.c.id, feedback.c.note, feedback.c.owner, feedback.c.follow_up).where(
        sa.or_(feedback.c.owner != "", feedback.c.follow_up.is_not(None)))).all()
    for row_id, note, owner, follow_up in rows:
        trailer = f"[负责人 owner: {owner}; 下次跟进 follow-up: {follow_up.isoformat() if follow_up else ''}]"
        bind.execute(feedback.update().where(feedback.c.id == row_id).values(
            note=(f"{note}\n{trailer}" if note else trailer)))
    with op.batch_alter_table("feedback", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_feedback_owner")
        batch_op.drop_column("follow_up")
        batch_op.drop_column("owner")
    with op.batch_alter_table("firms", schema=None, recreate="never") as batch_op:
        for name in ("notes", "address", "phone", "contact_name"):
            batch_op.drop_column(name)
