"""Firm identity and claims, the audit log, demo marking, staged imports, code attempts.

Revision ID: 0003
Revises: 0002

Demo firms of earlier versions were told apart by their name ("[DEMO] ") and tax code (99...): they
are marked once here, with their assessments, so that `demo` never again looks at a name.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

IMPORTED_ONCE = "source = 'import' AND status = 'submitted'"


def upgrade() -> None:
    # plain ADD COLUMN (no table copy: SQLite would refuse to drop a table that others reference)
    op.add_column("firms", sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("assessments", sa.Column("claim", sa.String(length=10), nullable=True))
    op.add_column("assessments", sa.Column("source", sa.String(length=10), server_default="self", nullable=False))
    op.add_column("assessments", sa.Column("period", sa.Integer(), nullable=True))
    op.add_column("assessments", sa.Column("import_batch", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_assessments_claim"), "assessments", ["claim"], unique=False)
    op.create_index(op.f("ix_assessments_import_batch"), "assessments", ["import_batch"], unique=False)
    op.create_index("uq_imported_period", "assessments", ["firm_id", "framework_id", "framework_version", "period"],
                    unique=True, sqlite_where=sa.text(IMPORTED_ONCE), postgresql_where=sa.text(IMPORTED_ONCE))
    op.create_table("audit_log",
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("who", sa.String(length=120), nullable=False),
    sa.Column("action", sa.String(length=30), nullable=False),
    sa.Column("firm_id", sa.Integer(), nullable=True),
    sa.Column("assessment_id", sa.Integer(), nullable=True),
    sa.Column("before", sa.JSON(), nullable=True),
    sa.Column("after", sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint("seq")
    )
    op.create_index(op.f("ix_audit_log_firm_id"), "audit_log", ["firm_id"], unique=False)
    op.create_table("code_attempts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("client", sa.String(length=64), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_index(op.f("ix_code_attempts_client"), "code_attempts", ["client"], unique=False)
    op.create_table("import_batches",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("framework", sa.String(length=160), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("n_rows", sa.Integer(), nullable=False),
    sa.Column("created_by", sa.String(length=120), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("finished_at", sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    # demo data of earlier versions: a "[DEMO] " name AND a 99 tax code (no province uses 99)
    op.execute("UPDATE firms SET demo = TRUE WHERE name LIKE '[DEMO] %' AND tax_code LIKE '99%'")
    op.execute("UPDATE assessments SET source = 'demo' WHERE firm_id IN (SELECT id FROM firms WHERE demo = TRUE)")


def downgrade() -> None:
    for table in ("import_batches", "code_attempts", "audit_log"):
        op.drop_table(table)
    op.drop_index("uq_imported_period", table_name="assessments")
    op.drop_index(op.f("ix_assessments_import_batch"), table_name="assessments")
    op.drop_index(op.f("ix_assessments_claim"), table_name="assessments")
    with op.batch_alter_table("assessments") as batch:
        for col in ("import_batch", "period", "source", "claim"):
            batch.drop_column(col)
    with op.batch_alter_table("firms") as batch:
        batch.drop_column("demo")
