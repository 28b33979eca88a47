"""The database schema's version, kept with Alembic migrations (assessment/migrations/versions).

``migrate`` runs when a Store opens a database: an empty database gets every migration; a database
made before migrations existed is recognised by its tables and upgraded in place, its data kept;
a database already migrated is brought to the newest revision. A database written by a newer
version of the tool (an unknown revision) is refused with :class:`SchemaTooNew`, before anything
reads or writes it. On PostgreSQL an advisory lock makes app processes starting together migrate
one after the other.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_ID = 0x44424953  # "DBIS": the advisory lock serialising migrations on PostgreSQL


class SchemaTooNew(RuntimeError):
    def __init__(self, found: str, known: str):
        self.found, self.known = found, known
        super().__init__(
            f"the database was written by a newer version of this tool (schema revision {found}; this version "
            f"knows revisions up to {known}). Update the tool, or set DBI_DATABASE_URL to another database. "
            "Nothing was read or changed."
        )


def _config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(None)).get_current_head()


def current(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def newest_file() -> str:
    """The newest revision by the migration files' names (``0015_year_cells.py`` holds revision
    "0015", each revising the one before: tests/test_schema.py holds them to it), read without
    Alembic."""
    return max(m.group(1) for f in (MIGRATIONS / "versions").glob("*.py") if (m := re.match(r"(\d{4})_", f.name)))


def _stored(engine: Engine) -> str | None:
    """The database's revision read with one query (None: no version table, or not one row)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


_THREADS = threading.Lock()


@contextmanager
def _one_at_a_time(engine: Engine):
    """Threads of this process, and (SQLite) other processes on the same file, migrate in turn."""
    with _THREADS:
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:":
            yield
            return
        import fcntl

        with open(f"{database}.migrate-lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def migrate(engine: Engine) -> str:
    """Bring the database to the newest schema; returns the revision it is at. A database already at
    the newest revision (every process start but the first after an upgrade) is recognised by one
    query, without loading Alembic and every migration script (0.2-0.3 s of each new process)."""
    newest = newest_file()
    if _stored(engine) == newest:
        return newest
    with _one_at_a_time(engine):
        return _migrate(engine)


def _migrate(engine: Engine) -> str:
    from alembic import command
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config(None))
    newest = script.get_current_head()
    known = {rev.revision for rev in script.walk_revisions()}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        found = MigrationContext.configure(conn).get_current_revision()
        if found is not None and found not in known:
            raise SchemaTooNew(found, newest)
        if found == newest:
            return found
        cfg = _config(conn)
        if found is None:
            tables = set(inspect(conn).get_table_names())
            if "assessments" in tables:  # made by the first release, before migrations existed
                command.stamp(cfg, "0002" if "assessment_scores" in tables else "0001")
        command.upgrade(cfg, "head")
    return newest
