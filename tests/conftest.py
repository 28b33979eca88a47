"""Shared fixtures: the real framework files and real databases (a SQLite file; PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
from assessment.storage import Store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_URL = os.environ.get("DBI_TEST_POSTGRES_URL")
POSTGRES_SKIP = (
    "PostgreSQL tests need DBI_TEST_POSTGRES_URL, e.g. "
    "DBI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
)


@pytest.fixture(scope="session")
def dbi():
    return load_framework(DEFAULT_FRAMEWORK_FILE)


@pytest.fixture(scope="session")
def mini():
    return load_framework(FIXTURES / "mini-framework.yaml")


def _postgres_schema_url():
    """A fresh schema in the configured PostgreSQL database; yields its URL, drops it after."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each storage test runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dbi.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    yield from _postgres_schema_url()


@pytest.fixture
def store(db_url):
    s = Store.from_url(db_url)
    yield s
    s.engine.dispose()


_VALID_CODES: dict[str, list[str]] = {}


def tax_code(i: int, prefix: str = "55") -> str:
    """The i-th valid 10-digit tax code starting with ``prefix`` (test firms carry real-looking codes
    whose check digit matches, as the app and the import demand)."""
    from assessment.firms import complete_tax_code

    found = _VALID_CODES.setdefault(prefix, [])
    k = int(found[-1][len(prefix):9]) + 1 if found else 0
    while len(found) <= i:
        code = complete_tax_code(f"{prefix}{k:0{9 - len(prefix)}d}")
        if code is not None:
            found.append(code)
        k += 1
    return found[i]


def latest_records(store, fw):
    """Each firm's latest submitted assessment of ``fw``, as records (the dashboard's definition)."""
    from assessment.frames import latest_frame

    return store.get_many(latest_frame(store, fw)["assessment_id"].tolist())


def assert_same_adoption(store, fw, entries=None, *, years: bool = True) -> None:
    """The Platforms in use figures from the counts every write keeps (inventory.read_adoption) are
    those computed from every stored row (inventory.frame_adoption): each breakdown, for each
    firm's latest assessment and (``years``) for its latest of each year."""
    import pandas as pd

    from assessment import frames, inventory
    from assessment.catalogue_store import CatalogueStore

    entries = CatalogueStore(store, fw).published() if entries is None else entries
    rows = frames.department_rows(store, fw)
    uses = inventory.uses_frame(store, fw, rows["assessment_id"])
    scopes = [None] + (sorted(int(y) for y in rows["submitted_at"].dt.year.unique()) if years else [])
    for year in scopes:
        for by in inventory.BY if year is None else ("area", "level"):
            kept = inventory.read_adoption(store, fw, entries, by=by, year=year)
            want = inventory.frame_adoption(store, fw, entries, by=by, filters=frames.Filters(year=year), rows=rows,
                                            uses=uses)
            where = f"year {year}, by {by}"
            assert (kept.n_firms, kept.n_declared) == (want.n_firms, want.n_declared), where
            assert kept.make_in_vietnam == want.make_in_vietnam, where
            for name in ("by_entry", "by_category", "by_group", "recommended"):
                pd.testing.assert_frame_equal(getattr(kept, name), getattr(want, name), check_dtype=False,
                                              obj=f"{name}, {where}")
            pd.testing.assert_frame_equal(kept.users_vs_others, want.users_vs_others, check_dtype=False, atol=0.011,
                                          obj=f"users_vs_others, {where}")
