"""Answers as one document per assessment instead of one row per answer.

Revision ID: 0004
Revises: 0003

An imported or demo assessment was 60 rows of `answers`, each with a foreign key PostgreSQL checks
by a trigger per row: most of an import's time, and 81 million rows for a national demo. The
answers now live in `assessments.answers` as {criterion id: code}, or [code, numerator,
denominator, value] where figures were given (assessment.models.answers_document). Every answer
of the old table is carried over in SQL, exactly; the table is then dropped.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("assessments", sa.Column("answers", sa.JSON(), nullable=True))
    if op.get_context().dialect.name == "postgresql":
        op.execute("""
            UPDATE assessments AS a SET answers = d.doc FROM (
              SELECT assessment_id, json_object_agg(criterion_id,
                CASE WHEN numerator IS NULL AND denominator IS NULL AND value IS NULL THEN to_json(code)
                     ELSE json_build_array(code, numerator, denominator, value) END) AS doc
              FROM answers GROUP BY assessment_id) AS d
            WHERE a.id = d.assessment_id""")
    else:
        op.execute("""
            UPDATE assessments SET answers = (
              SELECT json_group_object(criterion_id,
                CASE WHEN numerator IS NULL AND denominator IS NULL AND value IS NULL THEN code
                     ELSE json_array(code, numerator, denominator, value) END)
              FROM answers WHERE answers.assessment_id = assessments.id)
            WHERE id IN (SELECT assessment_id FROM answers)""")
    op.drop_table("answers")


def downgrade() -> None:
    op.create_table("answers",
    sa.Column("assessment_id", sa.Integer(), nullable=False),
    sa.Column("criterion_id", sa.String(length=20), nullable=False),
    sa.Column("code", sa.Integer(), nullable=False),
    sa.Column("numerator", sa.Float(), nullable=True),
    sa.Column("denominator", sa.Float(), nullable=True),
    sa.Column("value", sa.Float(), nullable=True),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"], ),
    sa.PrimaryKeyConstraint("assessment_id", "criterion_id")
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute("""
            INSERT INTO answers (assessment_id, criterion_id, code, numerator, denominator, value, updated_at)
            SELECT a.id, e.key,
              CASE WHEN json_typeof(e.value) = 'array' THEN (e.value->>0)::int ELSE (e.value#>>'{}')::int END,
              CASE WHEN json_typeof(e.value) = 'array' THEN (e.value->>1)::float8 END,
              CASE WHEN json_typeof(e.value) = 'array' THEN (e.value->>2)::float8 END,
              CASE WHEN json_typeof(e.value) = 'array' THEN (e.value->>3)::float8 END,
              a.updated_at
            FROM assessments AS a, json_each(a.answers) AS e WHERE a.answers IS NOT NULL""")
    else:
        op.execute("""
            INSERT INTO answers (assessment_id, criterion_id, code, numerator, denominator, value, updated_at)
            SELECT a.id, e.key,
              CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[0]') ELSE e.value END,
              CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[1]') END,
              CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[2]') END,
              CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[3]') END,
              a.updated_at
            FROM assessments AS a, json_each(a.answers) AS e WHERE a.answers IS NOT NULL""")
    op.drop_column("assessments", "answers")  # plain DROP COLUMN (SQLite 3.35+): others point at this table
