"""The digital platforms a firm says it uses, per assessment.

Revision ID: 0008
Revises: 0007

Older assessments simply have none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("platform_uses",
                    sa.Column("assessment_id", sa.Integer(), nullable=False),
                    sa.Column("seq", sa.Integer(), nullable=False),
                    sa.Column("category", sa.String(length=20), nullable=False),
                    sa.Column("entry_id", sa.String(length=60), nullable=True),
                    sa.Column("name", sa.String(length=120), nullable=False),
                    sa.Column("since", sa.Integer(), nullable=True),
                    sa.Column("linked", sa.String(length=200), nullable=False),
                    sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"]),
                    sa.PrimaryKeyConstraint("assessment_id", "seq"))
    op.create_index(op.f("ix_platform_uses_category"), "platform_uses", ["category"], unique=False)
    op.create_index(op.f("ix_platform_uses_entry_id"), "platform_uses", ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_platform_uses_entry_id"), table_name="platform_uses")
    op.drop_index(op.f("ix_platform_uses_category"), table_name="platform_uses")
    op.drop_table("platform_uses")
