"""api keys keep no part of the secret

Keys made before this revision kept their first 10 characters as a "prefix", 7 of them from the secret.
Those are replaced by a label; the keys keep working by their hash. Keys made from now on read
pm_<lookup>_<secret> and keep only pm_<lookup>, which is random but not secret.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_PREFIX = "legacy"


def upgrade() -> None:
    # Every key existing at this point has the old form; none of the new form can exist yet.
    op.execute(sa.text("UPDATE api_keys SET prefix = :label").bindparams(label=LEGACY_PREFIX))


def downgrade() -> None:
    # The removed characters cannot be restored, and no older code needs them: it authenticates by hash.
    pass
