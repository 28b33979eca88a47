"""Each submitted assessment's pillar points as integer columns, in the department's covering index.

Revision ID: 0011
Revises: 0010

The department's figures (mean points per pillar, per place, per sector) are computed by the
database (assessment.aggregates), which needs the pillar points as numbers it can add up: until now
they were only comma-separated text in assessment_scores. ``pillar_1`` .. ``pillar_12`` hold the
points of the framework's pillars in framework order (NULL past its last pillar, and for drafts);
a framework has at most 12 pillars (models.MAX_PILLARS). The covering index of 0009 gains them, so
the figures are read from the index alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MAX_PILLARS = 12
PILLARS = [f"pillar_{k}" for k in range(1, MAX_PILLARS + 1)]
INDEX = ["framework_id", "framework_version", "status", "claim", "firm_id", "submitted_at", "id", "level", "total",
         "kind", "size_class", "sector", "sector_version", "locality"]
BATCH = 20_000


def upgrade() -> None:
    for name in PILLARS:
        op.add_column("assessments", sa.Column(name, sa.Integer(), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":  # one statement: the text split by the database
        sets = ", ".join(f"{name} = NULLIF(split_part(s.pillar_points, ',', {k}), '')::int"
                         for k, name in enumerate(PILLARS, start=1))
        conn.execute(sa.text(f"UPDATE assessments a SET {sets} FROM assessment_scores s WHERE s.assessment_id = a.id"))
    else:
        rows = conn.execute(sa.text("SELECT assessment_id, pillar_points FROM assessment_scores")).all()
        table = sa.table("assessments", sa.column("id"), *(sa.column(name) for name in PILLARS))
        statement = sa.update(table).where(table.c.id == sa.bindparam("aid")).values(
            {name: sa.bindparam(f"v_{name}") for name in PILLARS})
        for start in range(0, len(rows), BATCH):
            values = []
            for aid, text in rows[start:start + BATCH]:
                points = [int(x) for x in text.split(",") if x != ""]
                values.append({"aid": aid, **{f"v_{name}": (points[k] if k < len(points) else None)
                                              for k, name in enumerate(PILLARS)}})
            conn.execute(statement, values)
    op.drop_index("ix_assessments_department", table_name="assessments")
    op.create_index("ix_assessments_department", "assessments", INDEX + PILLARS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_assessments_department", table_name="assessments")
    op.create_index("ix_assessments_department", "assessments", INDEX, unique=False)
    for name in PILLARS:
        op.drop_column("assessments", name)
