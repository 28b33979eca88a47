"""Data versions: one counter per kind of data, raised by every write of that kind in its own
transaction, so that cached reads keyed on the counter are never older than the last write that
any app process made.

Kinds: ``assessments`` (a submit, an import, a demo load, a claim decided), ``catalogue`` (any
catalogue change) and ``department`` (targets, kept clusterings). Reading all counters is one
query on a table of three rows.
"""

from __future__ import annotations

from sqlalchemy import select, update

from assessment.models import DataVersionRow

KINDS = ("assessments", "catalogue", "department")


def bump(session, *kinds: str) -> None:
    """Raise the counters of ``kinds`` inside the caller's transaction (a Session or Connection)."""
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown data kind {kind!r}")
        # the rows exist from the migration that made the table (0006) on
        session.execute(update(DataVersionRow).where(DataVersionRow.name == kind).values(n=DataVersionRow.n + 1))


def read(engine) -> dict[str, int]:
    """Every counter (0 for a kind never written)."""
    with engine.connect() as conn:
        found = dict(conn.execute(select(DataVersionRow.name, DataVersionRow.n)).all())
    return {kind: int(found.get(kind, 0)) for kind in KINDS}
