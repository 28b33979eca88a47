"""Access control, tried as an attacker would: every department page without an account, an expired
session, a disabled account, a viewer on admin actions, and query parameters that name other firms."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assessment import codes, demo
from assessment.accounts import Accounts
from assessment.storage import Store
from tests.app_support import tables
from tests.conftest import latest_records

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "mat khau du dai 2026"
PAGES = ["dashboard_page", "clusters_page", "import_page", "catalogue_page", "claims_page", "accounts_page"]


@pytest.fixture
def db(tmp_path, monkeypatch, dbi):
    url = f"sqlite:///{tmp_path / 'access.sqlite3'}"
    monkeypatch.setenv("DBI_DATABASE_URL", url)
    store = Store.from_url(url)
    store.replace_demo(dbi, demo.generate(dbi, 40, seed=1, localities=["SL-MC", "SL-BY"]))
    Accounts(store).add("admin", PASSWORD, role="admin")
    Accounts(store).add("xem", PASSWORD, role="viewer")
    return store


def _page_script():
    import importlib
    import os

    import streamlit as st

    from assessment.ui import state

    st.session_state.setdefault("lang", "vi")
    state.pages("vi")
    importlib.import_module(f"assessment.ui.{os.environ['TEST_PAGE']}").render()


def _shows_firm_data(at) -> bool:
    text = " ".join(str(x.value) for x in [*at.markdown, *at.caption, *at.text, *at.metric])
    return bool(at.dataframe) or bool(tables(at)) or bool(at.metric) or "[DEMO]" in text


def _sign_in(at, user):
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button(key="signin_button").click().run()


@pytest.mark.parametrize("page", PAGES)
def test_every_department_page_refuses_visitors(db, monkeypatch, page):
    monkeypatch.setenv("TEST_PAGE", page)
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    assert not at.exception
    assert at.text_input(key="signin_user") is not None and not _shows_firm_data(at)
    assert not at.get("file_uploader") and not at.get("download_button")
    # a wrong password is refused the same way for a known and an unknown name
    at.text_input(key="signin_user").input("admin")
    at.text_input(key="signin_password").input("sai mat khau")
    at.button(key="signin_button").click().run()
    known = [e.value for e in at.error]
    at.text_input(key="signin_user").input("khong-ton-tai")
    at.button(key="signin_button").click().run()
    assert known and [e.value for e in at.error] == known and not _shows_firm_data(at)


@pytest.mark.parametrize("page", PAGES)
def test_an_idle_session_or_a_disabled_account_ends_access_on_every_page(db, monkeypatch, page):
    monkeypatch.setenv("TEST_PAGE", page)
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    _sign_in(at, "xem")
    assert not at.exception and at.button(key="dept_sign_out") is not None
    at.session_state["dept_seen"] = time.time() - 31 * 60  # 31 minutes without activity
    at.run()
    assert at.text_input(key="signin_user") is not None and not _shows_firm_data(at)
    _sign_in(at, "xem")
    Accounts(db).set_active("xem", False)  # an admin disables the account meanwhile
    at.run()
    assert at.text_input(key="signin_user") is not None and not _shows_firm_data(at)


def test_a_viewer_promoted_or_demoted_sees_it_at_once(db, monkeypatch):
    monkeypatch.setenv("TEST_PAGE", "import_page")
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    _sign_in(at, "xem")
    assert not at.get("file_uploader")
    Accounts(db).set_role("xem", "admin")
    at.run()
    assert at.get("file_uploader")
    Accounts(db).set_role("xem", "viewer")
    at.run()
    assert not at.get("file_uploader")


def test_query_parameters_never_open_another_firm(db, dbi):
    aid = latest_records(db, dbi)[0].id
    for params in ({"assessment_id": str(aid)}, {"firm": "9901000001"}, {"id": str(aid)},
                   {"code": codes.new_code()}, {"code": "' OR 1=1 --"}, {"code": "A" * 5000}):
        at = AppTest.from_file(APP, default_timeout=60)
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception
        assert "assessment_id" not in at.session_state or at.session_state["assessment_id"] is None
        assert not _shows_firm_data(at)


def test_resume_codes_are_unguessable_and_only_hashes_are_kept(db):
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    sample = next(iter(made))
    assert len(codes.normalise(sample)) * 5 >= 100  # 100 bits, Crockford base-32
    assert codes.code_hash(sample) != codes.code_hash(next(iter(made - {sample})))
    with db.engine.connect() as conn:
        stored = {r[0] for r in conn.exec_driver_sql("SELECT resume_hash FROM assessments")}
    assert all(len(h) == 64 for h in stored)


def _results_script():
    import os

    import streamlit as st

    from assessment.ui import state, results_page

    st.session_state.setdefault("lang", "vi")
    st.session_state.setdefault("assessment_id", int(os.environ["TEST_ASSESSMENT"]))
    state.pages("vi")
    results_page.render()


def test_names_with_html_or_markdown_are_shown_literally(db, dbi, monkeypatch):
    import numpy as np

    from assessment.answers import Answer
    from assessment.firms import FirmProfile
    from assessment.scoring import score_codes
    from assessment.ui.text import plain

    name = "**Đậm** <script>alert(1)</script> [bấm](http://evil.example) <img src=x onerror=alert(1)>"
    profile = FirmProfile(tax_code="5500123464", name=name, sector="G", employees=3, revenue_bn=1.0,
                          capital_bn=None, locality="SL-MC")
    aid, _ = db.create_assessment(profile, dbi.key)
    codes = np.ones(len(dbi.criteria), dtype=np.int16)
    db.save_answers(aid, {c.id: Answer(1) for c in dbi.criteria})
    db.submit(aid, score_codes(dbi, codes[None, :]).firm(0))
    monkeypatch.setenv("TEST_ASSESSMENT", str(aid))
    at = AppTest.from_function(_results_script, default_timeout=60).run()
    assert not at.exception
    heading = at.markdown[0].value
    assert heading == "### " + plain(name)
    assert "\\<script\\>" in heading and "\\[bấm\\]\\(http" in heading and "\\*\\*Đậm\\*\\*" in heading
    assert not any("<script>" in m.value.replace("\\<script\\>", "") for m in at.markdown)
