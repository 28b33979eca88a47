"""Score rows for every submitted assessment, written once here rather than on every dashboard read.

Revision ID: 0005
Revises: 0004

Assessments submitted before the compact score rows existed (0002) got theirs written by the first
dashboard read of each process; this migration writes the missing ones once, from each results
document (pillars and criteria in the document's order, which is the framework's).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT a.id, a.results FROM assessments a LEFT JOIN assessment_scores s ON s.assessment_id = a.id "
        "WHERE a.status = 'submitted' AND s.assessment_id IS NULL AND a.results IS NOT NULL")).all()
    scores = sa.table("assessment_scores", sa.column("assessment_id"), sa.column("pillar_points"),
                      sa.column("pillar_levels"), sa.column("criterion_points"))
    values = []
    for aid, results in rows:
        doc = json.loads(results) if isinstance(results, str) else results
        values.append({"assessment_id": aid,
                       "pillar_points": ",".join(str(p["points"]) for p in doc["pillars"]),
                       "pillar_levels": ",".join(str(p["level"]) for p in doc["pillars"]),
                       "criterion_points": ",".join(str(v) for v in doc["criterion_points"].values())})
    for start in range(0, len(values), BATCH):
        op.bulk_insert(scores, values[start:start + BATCH])


def downgrade() -> None:
    pass  # the rows are right under the older schema too
