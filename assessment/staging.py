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
import json
import time
from collections.abc import Callable

import numpy as np
from sqlalchemy import JSON, DateTime, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from assessment import codes, identity, inventory, states, versions
from assessment.errors import UserError
from assessment.storage import profile_columns, score_forms
from assessment.models import (
    IMPORTED,
    STAGED,
    SUBMITTED,
    AssessmentRow,
    FirmRow,
    ImportBatchRow,
    PlatformUseRow,
    ScoreRow,
    utcnow,
)

# the bulk writes below name these tables and their columns in SQL of their own
assert (ScoreRow.__tablename__, AssessmentRow.__tablename__, FirmRow.__tablename__, PlatformUseRow.__tablename__) == (
    "assessment_scores", "assessments", "firms", "platform_uses")

CHUNK = 2_000  # rows per short transaction (SQLite on 2 cores: well under a second)
PAUSE = 0.05  # s between chunks, so that a firm's save waiting for the lock gets it
STALE = dt.timedelta(hours=6)  # a batch still staging after this was cut off (a killed process)


class ImportConflict(UserError):
    """Rows of this file were imported meanwhile (another officer, the same moment)."""


def write_import(store, fw, rows, *, lang: str = "vi", who: str = "import", chunk: int = CHUNK,
                 progress: Callable[[int, int], None] | None = None) -> list[tuple[int, str, int, str]]:
    """Store validated rows (assessment.importer.ImportRow) as submitted assessments, all or nothing;
    returns (row, tax code, assessment id, access code) per row, in the file's order."""
    from assessment.catalogue_store import CatalogueStore
    from assessment.recommend import shown
    from assessment.scoring import score_codes

    if not rows:
        return []
    # what each firm's results page recommends, recorded with it (not recorded while the catalogue is empty)
    entries = CatalogueStore(store, fw).published()
    session = sessionmaker(store.engine, expire_on_commit=False)
    discard_stale(store)
    all_codes = np.stack([r.codes for r in rows])
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
            # scored a chunk at a time: 200,000 results documents never sit in memory together
            scores = score_codes(fw, all_codes[part.start:part.stop])
            forms = [score_forms(document) for document in scores.to_dicts()]
            chunk_rows = [rows[k] for k in part]
            recommended = shown(fw, entries, scores.criterion_points,
                                size_classes=[r.profile.size_class.id for r in chunk_rows],
                                sectors=[r.profile.sector for r in chunk_rows],
                                inventories=[inventory.Inventory(list(r.platforms)) for r in chunk_rows]
                                ) if entries else [None] * len(chunk_rows)
            assessments = []
            for k in part:
                r = rows[k]
                columns, _score = forms[k - start]
                assessments.append({
                    "firm_id": firm_id[r.profile.tax_code], "framework_id": fw.id, "framework_version": fw.version,
                    "status": STAGED, "lang": lang, "resume_hash": codes.code_hash(access[k]), "previous_id": None,
                    "claim": None, "source": IMPORTED, "period": r.submitted_at.year, "import_batch": batch_id,
                    "step": 0, "created_at": r.submitted_at, "updated_at": r.submitted_at,
                    "submitted_at": r.submitted_at, **columns, "answers": r.document(fw),
                    "recommended": recommended[k - start], **profile_columns(r.profile)})
            with store.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # staged rows are invisible and discarded if lost: no need to wait for the disk
                    # on each chunk (the final step commits synchronously)
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                _bulk(conn, "assessments", tuple(assessments[0]), [_row(conn, a) for a in assessments])
                # ids by resume hash (unique): RETURNING in parameter order makes SQLite insert row by row
                # (probes of the unique index on resume_hash: no other condition, so no planner strays)
                id_of = dict(conn.execute(select(AssessmentRow.resume_hash, AssessmentRow.id).where(
                    AssessmentRow.resume_hash.in_([a["resume_hash"] for a in assessments]))).all())
                ids = [id_of[a["resume_hash"]] for a in assessments]
                _bulk(conn, "assessment_scores", ("assessment_id", "pillar_points", "pillar_levels", "criterion_points"),
                      [(aid, *forms[k - start][1].values()) for k, aid in zip(part, ids)])
                _bulk(conn, "platform_uses", ("assessment_id", "seq", "category", "entry_id", "name", "since", "linked"),
                      [(aid, *row.values()) for k, aid in zip(part, ids)
                       for row in inventory.rows_of(rows[k].platforms)])
            out.extend((rows[k].row, rows[k].profile.tax_code, aid, access[k]) for k, aid in zip(part, ids))
            if progress is not None:
                progress(part.stop, len(rows))
            time.sleep(PAUSE)
        _finish(session, batch_id, names, who)
    except IntegrityError:
        discard(store, batch_id, created)
        raise ImportConflict("imp.conflict") from None
    except BaseException:
        discard(store, batch_id, created)
        raise
    return sorted(out)


_JSON = {c.name for c in AssessmentRow.__table__.columns if isinstance(c.type, JSON)}
_DATES = {c.name for c in AssessmentRow.__table__.columns if isinstance(c.type, DateTime)}


def _row(conn, values: dict) -> tuple:
    """An assessment's values as the driver takes them in bulk: JSON as text, and on SQLite dates
    in the text form SQLAlchemy reads back (on PostgreSQL COPY takes datetimes as they are)."""
    sqlite = conn.dialect.name == "sqlite"
    out = []
    for name, value in values.items():
        if name in _JSON and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        elif sqlite and name in _DATES and value is not None:
            value = value.strftime("%Y-%m-%d %H:%M:%S.%f")
        out.append(value)
    return tuple(out)


def _bulk(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows at driver speed, inside the connection's transaction: COPY on PostgreSQL, one
    prepared executemany on SQLite (the ORM's per-row work would be most of an import's time)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        import psycopg

        raw = conn.connection.driver_connection
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        try:
            with raw.cursor() as cur, cur.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.IntegrityError as exc:  # as SQLAlchemy reports it for its own statements
            raise IntegrityError(statement, None, exc) from None
        return
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


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
                conn, now = s.connection(), utcnow()
                when = now.strftime("%Y-%m-%d %H:%M:%S.%f") if conn.dialect.name == "sqlite" else now
                _bulk(conn, "firms", ("tax_code", "name", "demo", "created_at", "updated_at"),
                      [(c, latest_name[c], False, when, when) for c in part])
                new = dict(s.execute(select(FirmRow.tax_code, FirmRow.id).where(FirmRow.tax_code.in_(part))).all())
            created.extend(new.values())
            firm_id.update(new)
            continue
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
        states.refresh(s.connection(), ids)
        for fid, name in names.items():
            if current.get(fid) != name:
                identity.rename_firm(s, s.get(FirmRow, fid), name, who)
        s.execute(update(ImportBatchRow).where(ImportBatchRow.id == batch_id)
                  .values(status="done", finished_at=utcnow()))
        versions.bump(s, "assessments")


def discard(store, batch_id: int, created: list[int] = ()) -> None:
    """Remove whatever a batch staged, and the firms it created that hold nothing else."""
    session = sessionmaker(store.engine)
    with session.begin() as s:
        staged = select(AssessmentRow.id).where(AssessmentRow.import_batch == batch_id,
                                                AssessmentRow.status == STAGED)
        firms = set(created) | set(s.scalars(select(AssessmentRow.firm_id).where(
            AssessmentRow.import_batch == batch_id, AssessmentRow.status == STAGED).distinct()))
        s.execute(delete(ScoreRow).where(ScoreRow.assessment_id.in_(staged)))
        s.execute(delete(PlatformUseRow).where(PlatformUseRow.assessment_id.in_(staged)))
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
