"""Backups restore into an empty database on either backend, every row identical."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from sqlalchemy import select

from assessment import aggregates, demo, frames, year_cells
from assessment.accounts import Accounts
from assessment.backup import NOT_BACKED_UP, TABLES, BackupError, backup, restore
from assessment.catalogue_store import CatalogueStore
from assessment.cli import main
from assessment.clustering import fit_clusters
from assessment.department import Department
from assessment.storage import Base, Store
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, _postgres_schema_url, assert_same_adoption, latest_records


def _dump(store):
    out = {}
    with store.engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            out[name] = [dict(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()]
    return out


@pytest.fixture
def source(tmp_path, dbi):
    store = Store.from_url(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    store.replace_demo(dbi, demo.generate(dbi, 30, seed=4, localities=["SL-MC", "SL-BY"]))
    Accounts(store).add("lan", "mot mat khau dai", role="admin")
    CatalogueStore(store, dbi).seed_if_empty()
    Department(store).save_target(dbi, metric="share_at_level", level=2, value=40, year=2027, note="KH", who="lan")
    frame = frames.submitted_frame(store, dbi.key)
    from assessment.clustering import pillar_percent_of

    model, _ = fit_clusters(dbi, pillar_percent_of(dbi, frame), k=2)
    Department(store).keep_cluster_model(model, n_firms=len(frame), who="lan")
    yield store
    store.engine.dispose()


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_backup_restores_every_row_on_either_backend(source, tmp_path, dbi, target):
    archive = tmp_path / "backup.zip"
    counts = backup(source, archive)
    assert counts["assessments"] > 30 and counts["users"] == 1
    assert all(len(a["answers"]) == 60 for a in _dump(source)["assessments"])
    if target == "sqlite":
        urls = iter([f"sqlite:///{tmp_path / 'target.sqlite3'}"])
    else:
        if not POSTGRES_URL:
            pytest.skip(POSTGRES_SKIP)
        urls = _postgres_schema_url()
    url = next(urls)
    try:
        dest = Store.from_url(url)
        assert restore(dest, archive) == counts
        assert _dump(dest) == _dump(source)
        # the department's cube, not in the archive, built again with the kept clustering's clusters
        model = Department(dest).cluster_model(dbi).model
        with dest.engine.connect() as conn:
            cells = year_cells.read(conn, dbi, model)
        assert cells is not None
        keys = aggregates.GROUPS + ["cluster"]
        pd.testing.assert_frame_equal(aggregates.cube(dest, dbi, model).sort_values(keys).reset_index(drop=True),
                                      aggregates.grouped(source, dbi, model).sort_values(keys).reset_index(drop=True))
        assert set(aggregates.cube(dest, dbi, model)["cluster"]) == {0, 1}
        assert_same_adoption(dest, dbi)  # the platforms' counts too, built again from the rows
        # the restored database keeps working: new ids follow the restored ones, sign-in works
        aid, _ = dest.start_reassessment(latest_records(dest, dbi)[0].id, dbi.key)
        assert aid > max(r["id"] for r in _dump(source)["assessments"])
        assert Accounts(dest).authenticate("lan", "mot mat khau dai").role == "admin"
        with pytest.raises(BackupError, match="not empty"):
            restore(dest, archive)
        dest.engine.dispose()
    finally:
        for _ in urls:  # drops the PostgreSQL schema
            pass


def test_damaged_archives_are_refused_and_write_nothing(source, tmp_path):
    archive = tmp_path / "b.zip"
    backup(source, archive)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "assessments.jsonl":
                data = data[: len(data) // 2].rsplit(b"\n", 1)[0] + b"\n"  # rows lost
            zout.writestr(item, data)
    dest = Store.from_url(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    with pytest.raises(BackupError, match="assessments holds"):
        restore(dest, broken)
    assert all(not rows for rows in _dump(dest).values())  # one transaction: nothing half-restored
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(BackupError, match="not a backup archive"):
        restore(dest, tmp_path / "junk.zip")


def test_backup_and_restore_commands(source, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DBI_DATABASE_URL", str(source.engine.url))
    assert main(["backup", "-o", str(tmp_path / "x.zip")]) == 0
    monkeypatch.setenv("DBI_DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert main(["restore", str(tmp_path / "x.zip")]) == 0
    assert main(["restore", str(tmp_path / "x.zip")]) == 1
    assert "not empty" in capsys.readouterr().err


def test_every_table_of_the_schema_is_in_a_backup():
    assert set(TABLES) | NOT_BACKED_UP == set(Base.metadata.tables), \
        "a new table must be added to backup.TABLES (parents first)"
    assert not set(TABLES) & NOT_BACKED_UP


def _consistent(store, dbi) -> None:
    """Every key points at a row that exists and every submitted assessment is whole."""
    rows = _dump(store)
    ids = {r["id"] for r in rows["assessments"]}
    submitted = {r["id"] for r in rows["assessments"] if r["status"] == "submitted"}
    assert {r["assessment_id"] for r in rows["assessment_scores"]} == submitted
    assert {r["previous_id"] for r in rows["assessments"] if r["previous_id"]} <= ids
    answered = {r["id"]: len(r["answers"] or {}) for r in rows["assessments"]}
    assert all(answered[i] == len(dbi.criteria) for i in submitted)


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_a_backup_taken_while_firms_write_restores_whole(db_url, tmp_path, dbi, target):
    """One snapshot for every table: rows written during the backup are either all in it or not."""
    import threading

    from assessment import workflow
    from assessment.answers import Answer
    from assessment.firms import FirmProfile
    from tests.conftest import tax_code

    if target == "postgresql" and not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    source = Store.from_url(db_url)
    source.replace_demo(dbi, demo.generate(dbi, 600, seed=5, localities=["SL-MC", "SL-BY"]))
    stop, written = threading.Event(), []

    def writer():
        writer_store = Store.from_url(db_url)
        i = 0
        while not stop.is_set():
            profile = FirmProfile(tax_code(i, "5600"), f"Cửa hàng {i}", "G", 3, 1.0, None, "SL-MC")
            aid, _ = writer_store.create_assessment(profile, dbi.key)
            for pillar in dbi.pillars:  # step by step, as a firm saves
                writer_store.save_answers(aid, {c.id: Answer(1) for c in pillar.criteria})
            workflow.submit(writer_store, dbi, aid)
            written.append(aid)
            i += 1
        writer_store.engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 2:
            pass
        archive = tmp_path / "live.zip"
        counts = backup(source, archive)
    finally:
        stop.set()
        thread.join()
    assert len(written) >= 3  # the writer kept submitting while the backup read
    urls = iter([f"sqlite:///{tmp_path / 'target.sqlite3'}"]) if target == "sqlite" else _postgres_schema_url()
    url = next(urls)
    try:
        dest = Store.from_url(url)
        assert restore(dest, archive) == counts
        _consistent(dest, dbi)
        dest.engine.dispose()
    finally:
        for _ in urls:
            pass
    source.engine.dispose()


def test_a_broken_archive_is_reported_in_one_line(source, tmp_path, capsys, monkeypatch):
    archive = tmp_path / "b.zip"
    backup(source, archive)
    data = bytearray(archive.read_bytes())
    member = data.find(b"assessments.jsonl")
    data[member + 200: member + 260] = b"\x00" * 60  # bytes flipped inside a compressed member
    broken = tmp_path / "flipped.zip"
    broken.write_bytes(bytes(data))
    monkeypatch.setenv("DBI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert main(["restore", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err
    dest = Store.from_url(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert all(not rows for rows in _dump(dest).values())
