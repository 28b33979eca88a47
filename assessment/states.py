"""Each firm's state, kept on its assessment rows: which one is its latest.

``latest`` = 1 on each firm's latest own submitted assessment of a framework (the latest date; of two
on the same date the later one stored: the order of a firm's history); ``year_latest`` = 1 on its
latest of each calendar year. Claims and staged imports never carry a flag (they are not the firm's
records). The department's figures, its firm table and a firm's peers read the flagged rows through
partial indexes (migration 0012) instead of working out each firm's latest on every read.

Every write that changes which assessments are a firm's own submitted ones calls :func:`refresh`
for those firms inside its own transaction: a submit, a claim confirmed or linked, an import's final
step, a demo load; the department's cube (assessment.year_cells) and the platforms' counts
(assessment.platform_cells) follow the flags. ``prior_id`` (the firm's own submitted assessment
just before each) is kept with them. ``frames.latest``
is the same definition over a frame (the tests hold the flags and the cube to it after each kind of
write).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack, contextmanager

from sqlalchemy import and_, case, func, or_, select, update

from assessment import platform_cells, year_cells
from assessment.models import SUBMITTED, AssessmentRow

BATCH = 5_000  # firms per statement: under every database's limit of bound parameters


def _ranked(firm_ids: list[int] | None):
    """Every row of these firms (all firms when None) with the flags it should carry (``new_latest``,
    ``new_year``): 1 on the first of its firm's own submitted rows of the framework (of the year),
    newest first; and ``new_prior``, the own submitted row just before it (None for the first, and
    for a row not the firm's own submitted one)."""
    a = AssessmentRow.__table__.alias("w")  # not correlated with the UPDATE's own table
    own = case((and_(a.c.status == SUBMITTED, a.c.claim.is_(None)), 1), else_=0)
    order = [a.c.submitted_at.desc(), a.c.id.desc()]
    firm = [a.c.firm_id, a.c.framework_id, a.c.framework_version, own]
    first = func.row_number().over(partition_by=firm, order_by=order)
    first_of_year = func.row_number().over(partition_by=[*firm, func.extract("year", a.c.submitted_at)],
                                           order_by=order)
    before = func.lead(a.c.id).over(partition_by=firm, order_by=order)  # the next one, newest first
    query = select(a.c.id, (own * case((first == 1, 1), else_=0)).label("new_latest"),
                   (own * case((first_of_year == 1, 1), else_=0)).label("new_year"),
                   case((own == 1, before), else_=None).label("new_prior"))
    if firm_ids is not None:
        query = query.where(a.c.firm_id.in_(firm_ids))
    return query.subquery("ranked")


def refresh(conn, firm_ids: Iterable[int] | None = None, *, cells: bool = True) -> None:
    """Set ``latest`` and ``year_latest`` right for these firms' assessments (all firms when None),
    in the caller's transaction (a Connection). One UPDATE ... FROM per 5,000 firms, writing only
    the rows whose flags change. The department's cube follows (assessment.year_cells: these firms'
    cells updated, or the whole table rebuilt for all firms), and so do the platforms' counts
    (assessment.platform_cells); ``cells`` False only before those tables and ``prior_id`` exist
    (migration 0012): the flags alone."""
    if firm_ids is None:
        _set(conn, None, prior=cells)
        if cells:
            recount(conn)
        return
    wanted = sorted({int(f) for f in firm_ids})
    for chunk in (wanted[k:k + BATCH] for k in range(0, len(wanted), BATCH)):
        if cells:
            with year_cells.update(conn, chunk), platform_cells.update(conn, chunk):
                _set(conn, chunk)
        else:
            _set(conn, chunk, prior=False)


@contextmanager
def kept(conn, firm_ids: Iterable[int]):
    """``with kept(conn, firm_ids): <write these firms' rows, flags and prior_id set>``: the cube and
    the platforms' counts follow these firms' change (their cells read before the block and after),
    for a writer that knows the flags itself and so skips :func:`refresh`'s window over the rows: a
    demo load, whose firms are new (a firm's one or two assessments, the later one its latest)."""
    wanted = sorted({int(f) for f in firm_ids})
    with ExitStack() as stack:
        for chunk in (wanted[k:k + BATCH] for k in range(0, len(wanted), BATCH)):
            stack.enter_context(year_cells.update(conn, chunk))
            stack.enter_context(platform_cells.update(conn, chunk))
        yield


def recount(conn) -> None:
    """The cube and the platforms' counts rebuilt from the flagged rows, in the caller's transaction
    (a large demo loaded without :func:`kept`, a demo cleared, a backup restored)."""
    year_cells.rebuild(conn)
    platform_cells.rebuild(conn)


def _set(conn, chunk: list[int] | None, *, prior: bool = True) -> None:
    a = AssessmentRow
    ranked = _ranked(chunk)
    changed = [a.latest != ranked.c.new_latest, a.year_latest != ranked.c.new_year]
    values = {"latest": ranked.c.new_latest, "year_latest": ranked.c.new_year}
    if prior:
        changed.append(a.prior_id.is_distinct_from(ranked.c.new_prior))
        values["prior_id"] = ranked.c.new_prior
    conn.execute(update(a).where(a.id == ranked.c.id, or_(*changed)).values(**values))
