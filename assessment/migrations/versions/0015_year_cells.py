"""The department's cube kept in a table by every write.

Revision ID: 0015
Revises: 0014

The dashboard grouped each firm's latest assessment of each year on every data change: at
1,000,000 firms two to four seconds of the database's time before the first figure. ``year_cells``
(assessment.year_cells) holds that grouping, kept by each write for the firms it touches; it is
built here from the stored rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

KEYS = ["framework_id", "framework_version", "year", "locality", "sector", "sector_version", "size_class", "kind",
        "level", "cluster"]


def upgrade() -> None:
    from assessment import year_cells

    op.create_table(
        "year_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.String(length=100), nullable=False),
        sa.Column("framework_version", sa.String(length=50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("locality", sa.String(length=40), nullable=False),
        sa.Column("sector", sa.String(length=2), nullable=False),
        sa.Column("sector_version", sa.String(length=4), nullable=False),
        sa.Column("size_class", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("cluster", sa.Integer(), nullable=False),
        sa.Column("firms", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        *[sa.Column(f"pillar_{k}", sa.BigInteger(), nullable=False) for k in range(1, 13)],
        sa.Column("model", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_year_cells", "year_cells", KEYS, unique=True)
    year_cells.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("uq_year_cells", table_name="year_cells")
    op.drop_table("year_cells")
