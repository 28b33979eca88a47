"""Compact score rows for the dashboard, the department's targets and its kept clustering.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cluster_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework', sa.String(length=160), nullable=False),
    sa.Column('model', sa.String(length=20000), nullable=False),
    sa.Column('n_firms', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_cluster_models_framework'), 'cluster_models', ['framework'], unique=False)
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework', sa.String(length=160), nullable=False),
    sa.Column('metric', sa.String(length=30), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_targets_framework'), 'targets', ['framework'], unique=False)
    op.create_table('assessment_scores',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('pillar_points', sa.String(length=200), nullable=False),
    sa.Column('pillar_levels', sa.String(length=100), nullable=False),
    sa.Column('criterion_points', sa.String(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ),
    sa.PrimaryKeyConstraint('assessment_id')
    )


def downgrade() -> None:
    for table in ("assessment_scores", "targets", "cluster_models"):
        op.drop_table(table)
