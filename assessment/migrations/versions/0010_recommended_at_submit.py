"""What the results page recommended when an assessment was submitted.

Revision ID: 0010
Revises: 0009

The department compares what the tool recommended at a firm's earlier assessment with what the firm
uses at its next one. Recorded at submit (with the catalogue published then), it needs no ranking of
every earlier assessment again, and says what the firm was shown, not what today's catalogue would
say. Older assessments have none (NULL): those are ranked when needed, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("assessments", sa.Column("recommended", sa.Text(), nullable=True))


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would fail on the keys that point at it
    op.drop_column("assessments", "recommended")
