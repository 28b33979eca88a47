"""Schema migrations: a new database, a database of the first release upgraded with its data, and a
database of a newer version refused; on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from assessment import schema
from assessment.answers import Answer
from assessment.cli import main
from assessment.scoring import score_codes
from assessment.storage import Base, Store
from assessment import frames


def _raw_engine(url):
    return create_engine(url)


def test_a_new_database_gets_every_migration_and_matches_the_models(db_url):
    store = Store.from_url(db_url)
    assert schema.current(store.engine) == schema.head()
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    store.engine.dispose()


def test_a_first_release_database_upgrades_in_place_with_its_data(db_url, dbi):
    engine = _raw_engine(db_url)
    with engine.begin() as conn:  # the first release's tables, as it created them (no version table)
        command.upgrade(schema._config(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO firms (tax_code, name, created_at, updated_at) "
                          "VALUES ('5500123464', 'HTX Chè Tà Xùa', '2025-10-01 09:00:00', '2025-10-01 09:00:00')"))
        firm_id = conn.execute(text("SELECT id FROM firms")).scalar_one()
        codes = [len(c.choices) - 1 if i % 3 == 0 else 1 for i, c in enumerate(dbi.criteria)]
        import numpy as np

        result = score_codes(dbi, np.array([codes], dtype=np.int16)).firm(0)
        profile = {"tax_code": "5500123464", "name": "HTX Chè Tà Xùa", "sector": "A", "employees": 8,
                   "revenue_bn": 2.0, "capital_bn": None, "locality": "SL-MC", "contact_name": "",
                   "contact_phone": "", "contact_email": ""}
        conn.execute(text(
            "INSERT INTO assessments (firm_id, framework_id, framework_version, status, lang, resume_hash, "
            "previous_id, profile, sector, locality, size_class, step, created_at, updated_at, submitted_at, total, "
            "level, results) VALUES (:firm, 'dbi-2021-sme', '2021', 'submitted', 'vi', :h, NULL, :p, 'A', 'SL-MC', "
            "'micro', 0, '2025-10-01 09:00:00', '2025-10-01 09:00:00', '2025-10-01 09:00:00', :total, :level, :r)"),
            {"firm": firm_id, "h": "a" * 64, "p": json.dumps(profile, ensure_ascii=False), "total": result.total, "level": result.level,
             "r": json.dumps(result.to_dict())})
        aid = conn.execute(text("SELECT id FROM assessments")).scalar_one()
        share = next(c.id for c in dbi.criteria if c.type == "share")
        count = next(c.id for c in dbi.criteria if c.type == "count")
        figures = {share: (35.5, 100.0, None), count: (None, None, 3.0)}  # carried over exactly (0004)
        for cid, code in zip(dbi.criterion_ids, codes):
            numerator, denominator, value = figures.get(cid, (None, None, None))
            conn.execute(text("INSERT INTO answers (assessment_id, criterion_id, code, numerator, denominator, value, "
                              "updated_at) VALUES (:a, :c, :code, :n, :d, :v, '2025-10-01 09:00:00')"),
                         {"a": aid, "c": cid, "code": code, "n": numerator, "d": denominator, "v": value})
    engine.dispose()

    store = Store.from_url(db_url)  # the new version opens it
    assert schema.current(store.engine) == schema.head()
    record = store.get(aid)
    assert record.profile.name == "HTX Chè Tà Xùa" and record.result.total == result.total
    assert {c: a.code for c, a in record.answers.items()} == dict(zip(dbi.criterion_ids, codes))
    assert record.answers[share] == Answer(record.answers[share].code, 35.5, 100.0)
    assert record.answers[count] == Answer(record.answers[count].code, value=3.0)
    frame = frames.submitted_frame(store, dbi.key)  # compact score rows written for the old assessment
    assert frame["P1_points"].tolist() == [result.pillars[0].points]
    # and it keeps working: a new assessment for the same firm
    new_id, _ = store.start_reassessment(aid, dbi.key)
    assert store.get(new_id).answers == record.answers
    store.engine.dispose()


def test_a_newer_schema_is_refused_before_anything_is_read(db_url, tmp_path, monkeypatch, capsys):
    Store.from_url(db_url).engine.dispose()
    engine = _raw_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(schema.SchemaTooNew) as err:
        Store.from_url(db_url)
    assert "9999" in str(err.value) and schema.head() in str(err.value)
    monkeypatch.setenv("DBI_DATABASE_URL", db_url)
    assert main(["cluster", "--db"]) == 1
    assert "newer version of this tool" in capsys.readouterr().err
    if db_url.startswith("sqlite"):
        at = AppTest.from_file(str(__import__("pathlib").Path(__file__).resolve().parent.parent / "app.py"),
                               default_timeout=60).run()
        assert not at.exception
        assert "phiên bản mới hơn của công cụ (lược đồ 9999" in at.error[0].value


def test_the_pillar_points_columns_are_filled_from_the_score_rows_on_upgrade(store, dbi):
    """Migration 0011 on a database with submitted assessments: each one's pillar_1..6 equal its
    compact score row's points (then the database's figures use them: tests/test_aggregates.py)."""
    import pandas as pd

    from assessment import demo
    from assessment.frames import int_matrix

    store.replace_demo(dbi, demo.generate(dbi, 30, seed=4))
    with store.engine.begin() as conn:
        command.downgrade(schema._config(conn), "0010")
    assert schema.current(store.engine) == "0010"
    schema.migrate(store.engine)
    assert schema.current(store.engine) == schema.head()
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.pillar_points, a.pillar_1, a.pillar_2, a.pillar_3, a.pillar_4, a.pillar_5, a.pillar_6, a.pillar_7 "
            "FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id ORDER BY a.id")).all()
    assert len(rows) >= 30
    want = int_matrix(pd.Series([r[0] for r in rows]))
    assert [list(r[1:7]) for r in rows] == want.tolist()
    assert all(r[7] is None for r in rows)  # past the framework's six pillars


def test_the_migration_files_are_one_chain_named_by_their_revisions():
    """The fast check at a process's start (schema.newest_file) reads the newest revision off the
    files' names: each file NNNN_*.py holds revision NNNN and revises the file before it."""
    import re

    from alembic.script import ScriptDirectory

    files = sorted(f for f in (schema.MIGRATIONS / "versions").glob("*.py") if re.match(r"\d{4}_", f.name))
    script = ScriptDirectory.from_config(schema._config(None))
    previous = None
    for f in files:
        rev = script.get_revision(f.name[:4])
        assert rev is not None and rev.path == str(f) and rev.down_revision == previous, f.name
        previous = f.name[:4]
    assert schema.newest_file() == previous == schema.head()


def test_a_database_at_the_newest_revision_opens_without_alembic(tmp_path):
    """Every process start but the first after an upgrade: one query, no migration scripts loaded;
    an older revision still goes through Alembic and is upgraded."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    Store.from_url(url).engine.dispose()
    probe = ("import sys; from assessment.storage import Store; Store.from_url(sys.argv[1]); "
             "print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0014'"))
        conn.execute(text("DROP TABLE year_cells"))
        conn.execute(text("DROP TABLE platform_cells"))
        conn.execute(text("ALTER TABLE assessments DROP COLUMN prior_id"))
    engine.dispose()
    done = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
    assert schema.current(create_engine(url)) == schema.newest_file()


def test_a_connection_that_finds_the_file_locked_switches_it_to_wal_once_free(tmp_path):
    """SQLite answers "database is locked" at once (no busy wait) to some of the connections that
    open a new file together and switch it to write-ahead logging: the switch is tried again until
    the file is free. A connection with no busy wait at all (timeout 0) stands in for those, while
    another holds the file for 0.3 s."""
    import sqlite3
    import threading
    import time

    from assessment.storage import _wal

    path = tmp_path / "new.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    threading.Thread(target=lambda: (time.sleep(0.3), holder.execute("COMMIT"))).start()
    opener = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        opener.execute("PRAGMA journal_mode=WAL")  # once, as SQLite answers it
    cur = opener.cursor()
    _wal(cur, timeout=10)
    assert opener.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # and a lock never freed still fails
        blocker = sqlite3.connect(tmp_path / "other.sqlite3", isolation_level=None)
        blocker.execute("CREATE TABLE t (x INTEGER)")
        blocker.execute("BEGIN EXCLUSIVE")
        _wal(sqlite3.connect(tmp_path / "other.sqlite3", timeout=0).cursor(), timeout=0.3)
    holder.close()
    opener.close()
