"""Writing an import in short transactions, all or nothing.

A long import must not hold the database's write lock (SQLite has one for the whole file) while
firms save their steps. So the rows are written in chunks, each in its own short transaction, as
STAGED assessments of an import batch: no read sees them (every read asks for SUBMITTED). One short
final transaction turns the whole batch SUBMITTED and applies the firms' new names; if anything
fails before or in that step, the batch's rows are removed again and nothing of the file is left.

The database enforces that a firm has one imported assessment per framework and year (a partial
unique index over submitted imported rows), so two officers confirming the same file at the same
moment write it once: the second final step fails on the index and its batch is discarded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from assessment import codes, identity
from assessment.errors import UserError
from assessment.models import (
    IMPORTED,
    STAGED,
    SUBMITTED,
    AnswerRow,
    AssessmentRow,
    FirmRow,
    ImportBatchRow,
    ScoreRow,
    utcnow,
)

CHUNK = 2_000  # rows per short transaction
STALE = dt.timedelta(hours=6)  # a batch still staging after this was cut off (a killed process)


class ImportConflict(UserError):
    """Rows of this file were imported meanwhile (another officer, the same moment)."""


def _profile_columns(profile) -> dict:
    return {"profile": profile.to_dict(), "sector": profile.sector, "locality": profile.locality,
            "size_class": profile.size_class.id}


def write_import(store, fw, rows, *, lang: str = "vi", who: str = "import", chunk: int = CHUNK,
                 progress: Callable[[int, int], None] | None = None) -> list[tuple[int, str, int, str]]:
    """Store validated rows (assessment.importer.ImportRow) as submitted assessments, all or nothing;
    returns (row, tax code, assessment id, access code) per row, in the file's order."""
    from assessment.scoring import score_codes
    from assessment.storage import score_columns

    if not rows:
        return []
    session = sessionmaker(store.engine, expire_on_commit=False)
    discard_stale(store)
    scores = score_codes(fw, np.stack([r.codes for r in rows]))
    access = codes.new_codes(len(rows))
    with session.begin() as s:
        batch = ImportBatchRow(framework=fw.key, status="staging", n_rows=len(rows), created_by=who[:120])
        s.add(batch)
        s.flush()
        batch_id = batch.id
    created: list[int] = []
    try:
        firm_id, names = _firms(session, rows, created)
        out: list[tuple[int, str, int, str]] = []
        for start in range(0, len(rows), chunk):
            part = range(start, min(start + chunk, len(rows)))
            with store.engine.begin() as conn:
                ids = conn.execute(insert(AssessmentRow.__table__).returning(AssessmentRow.id, sort_by_parameter_order=True), [
                    {"firm_id": firm_id[rows[k].profile.tax_code], "framework_id": fw.id,
                     "framework_version": fw.version, "status": STAGED, "lang": lang,
                     "resume_hash": codes.code_hash(access[k]), "previous_id": None, "claim": None,
                     "source": IMPORTED, "period": rows[k].submitted_at.year, "import_batch": batch_id, "step": 0,
                     "created_at": rows[k].submitted_at, "updated_at": rows[k].submitted_at,
                     "submitted_at": rows[k].submitted_at, "total": int(scores.total[k]), "level": int(scores.level[k]),
                     "results": scores.firm(k).to_dict(), **_profile_columns(rows[k].profile)}
                    for k in part]).scalars().all()
                conn.execute(insert(ScoreRow.__table__), [
                    {"assessment_id": aid, **score_columns(scores.firm(k))} for k, aid in zip(part, ids)])
                conn.execute(insert(AnswerRow.__table__), [
                    {"assessment_id": aid, "criterion_id": cid, "code": a.code, "numerator": a.numerator,
                     "denominator": a.denominator, "value": a.value, "updated_at": rows[k].submitted_at}
                    for k, aid in zip(part, ids) for cid, a in rows[k].answers(fw).items()])
            out.extend((rows[k].row, rows[k].profile.tax_code, aid, access[k]) for k, aid in zip(part, ids))
            if progress is not None:
                progress(part.stop, len(rows))
        _finish(session, batch_id, names, who)
    except IntegrityError:
        discard(store, batch_id, created)
        raise ImportConflict("imp.conflict") from None
    except BaseException:
        discard(store, batch_id, created)
        raise
    return sorted(out)


def _firms(session, rows, created: list[int]) -> tuple[dict[str, int], dict[int, str]]:
    """Each tax code's firm id (new firms created in short transactions; their ids are added to
    ``created``), and the name each firm will carry: its latest row's."""
    latest_name: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: r.submitted_at):
        latest_name[r.profile.tax_code] = r.profile.name
    wanted = sorted(latest_name)
    firm_id: dict[str, int] = {}
    with session() as s:
        for start in range(0, len(wanted), 5_000):
            firm_id.update(s.execute(select(FirmRow.tax_code, FirmRow.id)
                                     .where(FirmRow.tax_code.in_(wanted[start:start + 5_000]))).all())
    missing = [c for c in wanted if c not in firm_id]
    for start in range(0, len(missing), 5_000):
        part = missing[start:start + 5_000]
        try:
            with session.begin() as s:
                new = s.execute(insert(FirmRow).returning(FirmRow.tax_code, FirmRow.id),
                                [{"tax_code": c, "name": latest_name[c]} for c in part]).all()
            created.extend(fid for _, fid in new)
        except IntegrityError:  # another writer created some of them meanwhile: take what exists
            pass
        with session() as s:
            firm_id.update(s.execute(select(FirmRow.tax_code, FirmRow.id).where(FirmRow.tax_code.in_(part))).all())
    return firm_id, {firm_id[c]: name for c, name in latest_name.items()}


def _finish(session, batch_id: int, names: dict[int, str], who: str) -> None:
    """The one short step that makes the whole batch visible, with the firms' names."""
    ids = list(names)
    current: dict[int, str] = {}
    with session() as s:
        for start in range(0, len(ids), 5_000):
            current.update(s.execute(select(FirmRow.id, FirmRow.name).where(FirmRow.id.in_(ids[start:start + 5_000]))).all())
    with session.begin() as s:
        s.execute(update(AssessmentRow).where(AssessmentRow.import_batch == batch_id, AssessmentRow.status == STAGED)
                  .values(status=SUBMITTED))
        for fid, name in names.items():
            if current.get(fid) != name:
                identity.rename_firm(s, s.get(FirmRow, fid), name, who)
        s.execute(update(ImportBatchRow).where(ImportBatchRow.id == batch_id)
                  .values(status="done", finished_at=utcnow()))


def discard(store, batch_id: int, created: list[int] = ()) -> None:
    """Remove whatever a batch staged, and the firms it created that hold nothing else."""
    session = sessionmaker(store.engine)
    with session.begin() as s:
        staged = select(AssessmentRow.id).where(AssessmentRow.import_batch == batch_id,
                                                AssessmentRow.status == STAGED)
        firms = set(created) | set(s.scalars(select(AssessmentRow.firm_id).where(
            AssessmentRow.import_batch == batch_id, AssessmentRow.status == STAGED).distinct()))
        s.execute(delete(AnswerRow).where(AnswerRow.assessment_id.in_(staged)))
        s.execute(delete(ScoreRow).where(ScoreRow.assessment_id.in_(staged)))
        s.execute(delete(AssessmentRow).where(AssessmentRow.import_batch == batch_id, AssessmentRow.status == STAGED))
        for fid in firms:
            if s.scalar(select(AssessmentRow.id).where(AssessmentRow.firm_id == fid).limit(1)) is None:
                s.execute(delete(FirmRow).where(FirmRow.id == fid, FirmRow.demo.is_(False)))
        s.execute(update(ImportBatchRow).where(ImportBatchRow.id == batch_id, ImportBatchRow.status == "staging")
                  .values(status="failed", finished_at=utcnow()))


def discard_stale(store) -> int:
    """Batches left staging by a process that was killed: their rows are removed."""
    session = sessionmaker(store.engine)
    with session() as s:
        stale = s.scalars(select(ImportBatchRow.id).where(ImportBatchRow.status == "staging",
                                                          ImportBatchRow.created_at < utcnow() - STALE)).all()
    for batch_id in stale:
        discard(store, batch_id)
    return len(stale)
