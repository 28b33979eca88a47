"""A covering index for the department's views of submitted assessments.

Revision ID: 0009
Revises: 0008

The department's pages read a few narrow columns of every submitted assessment of a framework
(who, when, where, sector, size class, level, total). An assessment row also holds its answers and
results as documents, so a scan of the table reads far more than those columns; with every column
in one index the database answers from the index alone (on SQLite 0.2 s instead of 1.2 s for
135,000 assessments, bench/README.md).
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ["framework_id", "framework_version", "status", "claim", "firm_id", "submitted_at", "id", "level", "total",
           "kind", "size_class", "sector", "sector_version", "locality"]


def upgrade() -> None:
    op.create_index("ix_assessments_department", "assessments", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_assessments_department", table_name="assessments")
