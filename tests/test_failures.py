"""No traceback ever reaches a user: a database that fails under each page gives a message in the
user's language that says what was kept, and no exception element; nothing saved is lost.

The failure is real: the tables a page reads are renamed away underneath the running app (SQLite
and PostgreSQL), or another writer holds SQLite's lock while a firm saves a step.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import streamlit as st
import tomllib
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from assessment import workflow
from assessment.accounts import Accounts
from assessment.answers import Answer
from assessment.firms import FirmProfile
from assessment.i18n import translate
from assessment.storage import Store
from tests.conftest import tax_code
from tests.test_app_flow import PASSWORD, _sign_in, db  # noqa: F401 - db is a fixture

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ("assessments", "catalogue_entries", "targets", "cluster_models", "audit_log")
PROFILE = FirmProfile(tax_code=tax_code(0), name="HTX Chè Tà Xùa", sector="A", employees=8, revenue_bn=2.0,
                      capital_bn=None, locality="SL-BY")


def _page_script():
    """One page inside the same wrapper app.py puts around every page."""
    import importlib
    import os

    import streamlit as st

    from assessment.ui import common, state

    st.session_state.setdefault("lang", os.environ.get("TEST_LANG", "vi"))
    if os.environ.get("TEST_ASSESSMENT"):
        st.session_state.setdefault("assessment_id", int(os.environ["TEST_ASSESSMENT"]))
    with common.page_errors():
        state.pages(st.session_state["lang"])
        importlib.import_module(f"assessment.ui.{os.environ['TEST_PAGE']}_page").render()


def _rename(url: str, *, away: bool, tables=BROKEN) -> None:
    """Take the tables a page reads away from under the running app (away=False brings them back)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in tables:
            old, new = (table, f"{table}_gone") if away else (f"{table}_gone", table)
            conn.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
    engine.dispose()


def _break(url: str, tables=BROKEN) -> None:
    _rename(url, away=True, tables=tables)


def _mend(url: str, tables=BROKEN) -> None:
    _rename(url, away=False, tables=tables)


def _no_machinery(at, lang: str) -> None:
    assert not at.exception
    shown = " ".join(str(e.value) for e in [*at.error, *at.markdown, *at.info, *at.warning, *at.caption])
    for leak in ("Traceback", "sqlalchemy", "SELECT", "sqlite3", "psycopg", "/work/", ".py", "relation"):
        assert leak not in shown, leak
    messages = [e.value for e in at.error]
    assert any(translate("err.storage", lang) in m for m in messages), messages


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", ["assess", "results", "resume", "dashboard", "clusters", "catalogue", "claims",
                                  "import", "accounts"])
def test_a_failing_database_under_each_page_gives_a_translated_message(db, dbi, monkeypatch, page, lang):  # noqa: F811
    store = Store.from_url(db)
    Accounts(store).add("admin", PASSWORD, role="admin")
    aid, _ = store.create_assessment(PROFILE, dbi.key)
    store.save_answers(aid, {c: Answer(1) for c in dbi.criterion_ids})
    if page == "results":
        workflow.submit(store, dbi, aid)
    monkeypatch.setenv("TEST_PAGE", page)
    monkeypatch.setenv("TEST_LANG", lang)
    monkeypatch.setenv("TEST_ASSESSMENT", str(aid))
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    if page not in ("assess", "results", "resume"):
        _sign_in(at)
    assert not at.exception
    tables = ("users",) if page == "accounts" else BROKEN  # what that page reads
    _break(db, tables)
    st.cache_data.clear()  # as when a cached read expires: the page must read the database again
    try:
        if page == "import":  # the import page reads the database once a file is given
            import pandas as pd

            from tests.test_import import _row

            data = pd.DataFrame([_row(dbi)]).to_csv(index=False).encode("utf-8")
            at.get("file_uploader")[0].upload("phieu.csv", data, "text/csv")
        if page == "resume":  # the resume page reads the database once a code is given
            at.text_input(key="resume_code").input("ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ")
            at.button(key="resume_open").click()
        at.run()
        _no_machinery(at, lang)
    finally:
        _mend(db, tables)
    # nothing saved was lost
    assert Store.from_url(db).get(aid).answers == {c: Answer(1) for c in dbi.criterion_ids}


def test_the_real_app_shows_a_translated_message_when_the_database_fails(db, dbi, monkeypatch):  # noqa: F811
    store = Store.from_url(db)
    aid, code = store.create_assessment(PROFILE, dbi.key)
    _break(db)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["code"] = code
        at.run()
        _no_machinery(at, "vi")
    finally:
        _mend(db)
    assert Store.from_url(db).get(aid).profile == PROFILE


def test_a_step_saved_while_another_writer_holds_the_lock_says_what_was_kept(tmp_path, dbi, monkeypatch):
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    monkeypatch.setenv("DBI_DATABASE_URL", url)
    monkeypatch.setenv("DBI_SQLITE_TIMEOUT", "0.3")
    store = Store.from_url(url)
    aid, _ = store.create_assessment(PROFILE, dbi.key)
    monkeypatch.setenv("TEST_PAGE", "assess")
    monkeypatch.setenv("TEST_ASSESSMENT", str(aid))
    at = AppTest.from_function(_page_script, default_timeout=60)
    at.session_state["step"] = 1
    at.run()
    pillar = dbi.pillars[0]
    for crit in pillar.criteria:
        if crit.type == "count":
            at.number_input(key=f"q_{aid}_{crit.id}").set_value(1)
        else:
            at.radio(key=f"q_{aid}_{crit.id}").set_value(1)
    holder = sqlite3.connect(tmp_path / "busy.sqlite3")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        at.button(key=f"next_{pillar.id}").click().run()
        assert not at.exception
        assert [e.value for e in at.error] == [translate("err.storage", "vi") + " " + translate("err.kept.step", "vi")]
    finally:
        holder.rollback()
        holder.close()
    assert Store.from_url(url).get(aid).answers == {}  # nothing half-written
    at.button(key=f"next_{pillar.id}").click().run()  # the lock is gone: the same answers go through
    assert not at.error and len(Store.from_url(url).get(aid).answers) == len(pillar.criteria)


def test_the_shipped_configuration_hides_error_details_and_the_table_download():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    assert 'st.set_option("client.showErrorDetails", "none")' in app
    assert 'st.set_option("client.disableDataExport", True)' in app
