"""The kind of unit (enterprise, cooperative, branch, household business) and the sector system
version (VSIC 2018 or 2025) beside each assessment's sector.

Revision ID: 0007
Revises: 0006

Every assessment stored so far was answered by an enterprise or cooperative (the only kinds the
profile knew, told apart by nobody) with a VSIC 2018 section: they get "enterprise" and "2018".
Nothing else is rewritten; a stored locality code keeps its meaning (the localities file keeps
the former district-level units with their end date).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("assessments", sa.Column("kind", sa.String(length=12), server_default="enterprise", nullable=False))
    op.add_column("assessments", sa.Column("sector_version", sa.String(length=4), server_default="2018",
                                           nullable=False))


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would fail on the keys that point at it
    op.drop_column("assessments", "sector_version")
    op.drop_column("assessments", "kind")
