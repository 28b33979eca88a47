"""The Platforms in use page's counts kept in a table by every write.

Revision ID: 0016
Revises: 0015

The page read every submitted assessment's narrow row and every declared tool into the app's
memory on each data change: at 1,000,000 firms 16.6 s and 1.26 GB. ``platform_cells``
(assessment.platform_cells) holds its counts, kept by each write for the firms it touches, and
``assessments.prior_id`` the firm's own assessment just before each one (the tool's
recommendations then against what the firm uses now). Both are made here from the stored rows;
assessments stored before recommendations were recorded at submit (0010) get them now, ranked with
the catalogue as the page ranked them on every read until now.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

KEYS = ["framework_id", "framework_version", "scope", "locality", "sector", "sector_version", "size_class", "level",
        "item"]


def upgrade() -> None:
    from assessment import inventory, platform_cells, states

    op.add_column("assessments", sa.Column("prior_id", sa.Integer(), nullable=True))
    op.create_table(
        "platform_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.String(length=100), nullable=False),
        sa.Column("framework_version", sa.String(length=50), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("locality", sa.String(length=40), nullable=False),
        sa.Column("sector", sa.String(length=2), nullable=False),
        sa.Column("sector_version", sa.String(length=4), nullable=False),
        sa.Column("size_class", sa.String(length=10), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=70), nullable=False),
        sa.Column("firms", sa.BigInteger(), nullable=False),
        sa.Column("uses", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_platform_cells", "platform_cells", KEYS, unique=True)
    conn = op.get_bind()
    states._set(conn, None)  # prior_id of every row (the flags are right already)
    inventory.record_recommended(conn)
    platform_cells.rebuild(conn)


def downgrade() -> None:
    op.drop_index("uq_platform_cells", table_name="platform_cells")
    op.drop_table("platform_cells")
    op.drop_column("assessments", "prior_id")
