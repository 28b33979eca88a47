"""Each firm's state, kept on its assessment rows: which one is its latest.

``latest`` = 1 on each firm's latest own submitted assessment of a framework (the latest date; of two
on the same date the later one stored: the order of a firm's history); ``year_latest`` = 1 on its
latest of each calendar year. Claims and staged imports never carry a flag (they are not the firm's
records). The department's figures, its firm table and a firm's peers read the flagged rows through
partial indexes (migration 0012) instead of working out each firm's latest on every read.

Every write that changes which assessments are a firm's own submitted ones calls :func:`refresh`
for those firms inside its own transaction: a submit, a claim confirmed or linked, an import's final
step, a demo load. ``frames.latest`` is the same definition over a frame (the tests hold the flags
to it after each kind of write).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from assessment.models import SUBMITTED, AssessmentRow

BATCH = 5_000  # firms per statement: under every database's limit of bound parameters


def _winners(firm_ids: list[int] | None, *, per_year: bool):
    """The ids of the flagged rows of these firms (every firm when None)."""
    a = AssessmentRow.__table__.alias("w")  # not correlated with the UPDATE's own table
    part = [a.c.firm_id, a.c.framework_id, a.c.framework_version]
    if per_year:
        part.append(func.extract("year", a.c.submitted_at))
    rank = func.row_number().over(partition_by=part, order_by=[a.c.submitted_at.desc(), a.c.id.desc()])
    inner = select(a.c.id, rank.label("rn")).where(a.c.status == SUBMITTED, a.c.claim.is_(None))
    if firm_ids is not None:
        inner = inner.where(a.c.firm_id.in_(firm_ids))
    ranked = inner.subquery("ranked")
    return select(ranked.c.id).where(ranked.c.rn == 1)


def refresh(conn, firm_ids: Iterable[int] | None = None) -> None:
    """Set ``latest`` and ``year_latest`` right for these firms' assessments (all firms when None),
    in the caller's transaction (a Connection or Session). Only rows whose flag changes are written."""
    a = AssessmentRow
    if firm_ids is None:
        groups = [None]
    else:
        wanted = sorted({int(f) for f in firm_ids})
        groups = [wanted[k:k + BATCH] for k in range(0, len(wanted), BATCH)]
    for chunk in groups:
        mine = [] if chunk is None else [a.firm_id.in_(chunk)]
        for column, per_year in ((a.latest, False), (a.year_latest, True)):
            winners = _winners(chunk, per_year=per_year)
            conn.execute(update(a).where(*mine, column == 1, a.id.not_in(winners)).values({column: 0}))
            conn.execute(update(a).where(*mine, column == 0, a.id.in_(winners)).values({column: 1}))
