"""Each framework its own catalogue; counters of data versions for cached reads.

Revision ID: 0006
Revises: 0005

Catalogue entries lift criteria of one framework: the entries and their change log get the
framework they belong to (every entry stored so far belongs to dbi-2021-sme@2021, the only
catalogue shipped), and an entry id is unique within its framework. `data_versions` holds one
counter per kind of data (assessment.versions).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SHIPPED = "dbi-2021-sme@2021"


def _entries_table(name: str, with_framework: bool) -> None:
    op.create_table(name,
                    *([sa.Column("framework", sa.String(length=160), nullable=False)] if with_framework else []),
                    sa.Column("id", sa.String(length=60), nullable=False),
                    sa.Column("status", sa.String(length=12), nullable=False),
                    sa.Column("data", sa.JSON(), nullable=False),
                    sa.Column("updated_at", sa.DateTime(), nullable=False),
                    sa.Column("updated_by", sa.String(length=100), nullable=False),
                    sa.PrimaryKeyConstraint(*(["framework", "id"] if with_framework else ["id"])))


def _swap_entries(with_framework: bool) -> None:
    """A new primary key: a new table with the rows copied over (no table references this one)."""
    _entries_table("catalogue_entries_new", with_framework)
    columns = "id, status, data, updated_at, updated_by"
    if with_framework:
        op.execute(f"INSERT INTO catalogue_entries_new (framework, {columns}) "
                   f"SELECT '{SHIPPED}', {columns} FROM catalogue_entries")
    else:
        op.execute(f"INSERT INTO catalogue_entries_new ({columns}) SELECT {columns} FROM catalogue_entries "
                   f"WHERE framework = '{SHIPPED}'")
    op.drop_index(op.f("ix_catalogue_entries_status"), table_name="catalogue_entries")
    op.drop_table("catalogue_entries")
    op.rename_table("catalogue_entries_new", "catalogue_entries")
    op.create_index(op.f("ix_catalogue_entries_status"), "catalogue_entries", ["status"], unique=False)


def upgrade() -> None:
    _swap_entries(with_framework=True)
    op.add_column("catalogue_changes", sa.Column("framework", sa.String(length=160), nullable=False,
                                                 server_default=SHIPPED))
    with op.batch_alter_table("catalogue_changes") as batch:
        batch.alter_column("framework", server_default=None, existing_type=sa.String(length=160),
                           existing_nullable=False)
    op.create_index(op.f("ix_catalogue_changes_framework"), "catalogue_changes", ["framework"], unique=False)
    versions = op.create_table("data_versions",
                               sa.Column("name", sa.String(length=20), nullable=False),
                               sa.Column("n", sa.Integer(), nullable=False),
                               sa.PrimaryKeyConstraint("name"))
    op.bulk_insert(versions, [{"name": kind, "n": 0} for kind in ("assessments", "catalogue", "department")])


def downgrade() -> None:
    op.drop_table("data_versions")
    op.drop_index(op.f("ix_catalogue_changes_framework"), table_name="catalogue_changes")
    with op.batch_alter_table("catalogue_changes") as batch:
        batch.drop_column("framework")
    _swap_entries(with_framework=False)
