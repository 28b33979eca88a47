"""The database schema's version, kept with Alembic migrations (assessment/migrations/versions).

``migrate`` runs when a Store opens a database: an empty database gets every migration; a database
made before migrations existed is recognised by its tables and upgraded in place, its data kept;
a database already migrated is brought to the newest revision. A database written by a newer
version of the tool (an unknown revision) is refused with :class:`SchemaTooNew`, before anything
reads or writes it. On PostgreSQL an advisory lock makes app processes starting together migrate
one after the other.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
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


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(_config(None)).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


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
    """Bring the database to the newest schema; returns the revision it is at."""
    with _one_at_a_time(engine):
        return _migrate(engine)


def _migrate(engine: Engine) -> str:
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
