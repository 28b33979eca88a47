"""Portable backups: every table as JSON Lines in one ZIP, restorable into an empty database on
SQLite or PostgreSQL.

The archive holds ``manifest.json`` (format, schema revision, time, row counts) and one
``<table>.jsonl`` per table: firms, assessments (with their answers), score rows, the catalogue and its change
log, accounts (password hashes only, as stored), targets, kept clusterings, the audit log, import
batches and code attempts. Dates are ISO text.

Every table is read in one consistent snapshot, so a backup taken while firms save and imports run
holds a database as it was at one moment: one read transaction (REPEATABLE READ on PostgreSQL; on
SQLite one read transaction, which WAL keeps consistent while writers go on).

Restoring first checks the archive whole (every member's checksum, the manifest, every table's file
and row count) and refuses a damaged one in one line, refuses a database that already holds data,
then writes everything in one transaction (nothing is left half-restored) and moves PostgreSQL's id
sequences past the restored ids so new rows do not collide.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import DateTime, func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from assessment import schema, states, versions
from assessment.models import Base
from assessment.storage import Store

FORMAT = "dbi-backup/1"
# parents before children
TABLES = ["firms", "assessments", "platform_uses", "assessment_scores", "catalogue_entries", "catalogue_changes", "users",
          "targets", "cluster_models", "audit_log", "import_batches", "code_attempts"]
# bookkeeping rather than data: counters that cached reads are keyed on (raised by a restore), and
# the department's cube and the platforms' counts, built again from the restored rows
# (assessment.year_cells, assessment.platform_cells)
NOT_BACKED_UP = {"data_versions", "year_cells", "platform_cells"}
BATCH = 5_000


class BackupError(ValueError):
    pass


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


@contextmanager
def snapshot(engine):
    """A connection whose reads all see the database at one moment."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")  # pysqlite starts no transaction for reads by itself
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")  # the snapshot is taken here
            try:
                yield conn
            finally:
                conn.rollback()
        return
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        yield conn


def backup(store: Store, path: str | Path) -> dict[str, int]:
    """Write the archive from one consistent snapshot; returns the row count of each table."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf, snapshot(store.engine) as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            order = list(table.primary_key.columns)
            with zf.open(f"{name}.jsonl", "w") as fh:
                n = 0
                for row in conn.execute(select(table).order_by(*order)).mappings():
                    fh.write((json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False) + "\n").encode())
                    n += 1
            counts[name] = n
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        manifest = {"format": FORMAT, "schema": revision, "created_at": dt.datetime.now(dt.UTC)
                    .isoformat(timespec="seconds"), "counts": counts}
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
    return counts


def check(zf: zipfile.ZipFile, path) -> dict:
    """The manifest of a sound archive; BackupError (one line) for a damaged or foreign one."""
    try:
        bad = zf.testzip()  # every member's checksum
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        raise BackupError(f"{path}: the archive is damaged ({exc})") from None
    if bad is not None:
        raise BackupError(f"{path}: the archive is damaged ({bad} fails its checksum)")
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError(f"{path}: no readable manifest.json: not a backup made by this tool") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format') if isinstance(manifest, dict) else manifest!r}")
    counts = manifest.get("counts") or {}
    names = set(zf.namelist())
    for name in TABLES:
        if f"{name}.jsonl" not in names or name not in counts:
            raise BackupError(f"{path}: the table {name} is missing from the archive")
        with zf.open(f"{name}.jsonl") as fh:
            lines = sum(1 for _ in fh)
        if lines != counts[name]:
            raise BackupError(f"{path}: {name} holds {lines} rows, the manifest says {counts[name]}")
    return manifest


def restore(store: Store, path: str | Path) -> dict[str, int]:
    """Load an archive into an empty database (same schema revision); returns the row counts."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{path}: not a backup archive ({exc})") from None
    with zf:
        manifest = check(zf, path)
        here = schema.current(store.engine)
        if manifest.get("schema") != here:
            raise BackupError(f"{path}: made with schema revision {manifest.get('schema')}, this database is at "
                              f"{here}; restore with the version that made it, then upgrade")
        with store.engine.connect() as conn:
            used = [n for n in TABLES if conn.execute(select(func.count()).select_from(Base.metadata.tables[n]))
                    .scalar_one()]
        if used:
            raise BackupError(f"the database is not empty (rows in {', '.join(used)}); restore into an empty one")
        try:
            return _load(store, zf, manifest, path)
        except (ValueError, KeyError, TypeError) as exc:  # a line that is not a row of its table
            raise BackupError(f"{path}: a row cannot be read ({str(exc).splitlines()[0][:160]}); nothing was written") \
                from None
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).splitlines()[0][:160]
            raise BackupError(f"{path}: the rows do not fit together ({reason}); nothing was written") from None


def _load(store: Store, zf: zipfile.ZipFile, manifest: dict, path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with store.engine.begin() as conn:  # one transaction: nothing is left half-restored
        previous: list[tuple[int, int, object]] = []
        for name in TABLES:
            table = Base.metadata.tables[name]
            dates = {c.name for c in table.columns if isinstance(c.type, DateTime)}
            batch, n = [], 0
            with zf.open(f"{name}.jsonl") as fh:
                for line in io.TextIOWrapper(fh, encoding="utf-8"):
                    row = json.loads(line)
                    for col in dates & row.keys():
                        if row[col] is not None:
                            row[col] = dt.datetime.fromisoformat(row[col])
                    if name == "assessments" and row.get("previous_id") is not None:
                        previous.append((row["id"], row["previous_id"], row["updated_at"]))
                        row["previous_id"] = None  # set once every assessment exists
                    batch.append(row)
                    n += 1
                    if len(batch) >= BATCH:
                        conn.execute(insert(table), batch)
                        batch = []
            if batch:
                conn.execute(insert(table), batch)
            if n != manifest["counts"].get(name):
                raise BackupError(f"{path}: {name} holds {n} rows, the manifest says {manifest['counts'].get(name)}")
            counts[name] = n
        assessments = Base.metadata.tables["assessments"]
        for aid, prev, updated in previous:  # keeping updated_at (the column's onupdate would reset it)
            conn.execute(update(assessments).where(assessments.c.id == aid)
                         .values(previous_id=prev, updated_at=updated))
        # what is derived, from the restored rows (a backup made before one of them existed has
        # none of it): flags and prior assessments, both cubes
        states.refresh(conn)
        versions.bump(conn, *versions.KINDS)  # app processes drop what they cached of the empty database
        if conn.dialect.name == "postgresql":
            for name in TABLES:
                table = Base.metadata.tables[name]
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', '{pk[0].name}'), "
                        f"COALESCE((SELECT MAX({pk[0].name}) FROM {name}), 0) + 1, false)"))
    return counts
