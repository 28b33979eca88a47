"""Each firm's latest assessment, and its latest of each year, flagged on the rows.

Revision ID: 0012
Revises: 0011

``latest`` and ``year_latest`` (assessment.states) are set here for the stored data and kept right by
every write after; two partial indexes hold only the flagged rows with the columns the department's
figures, its firm table and a firm's peers read, so none of them works out each firm's latest
assessment again on each read (at a million firms that took seconds per page).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PILLARS = [f"pillar_{k}" for k in range(1, 13)]
YEAR = ["framework_id", "framework_version", "submitted_at", "locality", "sector", "sector_version", "size_class",
        "kind", "level", "total", "firm_id", "id", *PILLARS]
LATEST = ["framework_id", "framework_version", "sector", "sector_version", "size_class", "locality", "firm_id", "total",
          *PILLARS]


def upgrade() -> None:
    from assessment import states

    op.add_column("assessments", sa.Column("latest", sa.SmallInteger(), nullable=False, server_default="0"))
    op.add_column("assessments", sa.Column("year_latest", sa.SmallInteger(), nullable=False, server_default="0"))
    states.refresh(op.get_bind(), cells=False)  # the cube's table comes with 0015
    where = {"sqlite_where": sa.text("year_latest = 1"), "postgresql_where": sa.text("year_latest = 1")}
    op.create_index("ix_assessments_year_latest", "assessments", YEAR, unique=False, **where)
    where = {"sqlite_where": sa.text("latest = 1"), "postgresql_where": sa.text("latest = 1")}
    op.create_index("ix_assessments_latest", "assessments", LATEST, unique=False, **where)


def downgrade() -> None:
    op.drop_index("ix_assessments_latest", table_name="assessments")
    op.drop_index("ix_assessments_year_latest", table_name="assessments")
    op.drop_column("assessments", "year_latest")
    op.drop_column("assessments", "latest")
