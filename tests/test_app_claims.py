"""Firm identity in the real app: another firm's tax code typed on purpose, a firm's code, the
department's claims page (admin and viewer), in Vietnamese and English, on SQLite and PostgreSQL."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assessment import workflow
from assessment.accounts import Accounts
from assessment.answers import Answer
from assessment.firms import FirmProfile
from assessment.i18n import translate
from assessment.identity import Claims
from assessment.storage import PENDING, Store
from assessment import frames
from tests.conftest import tax_code, latest_records
from tests.test_app_flow import PASSWORD, _sign_in, db, errors, fill_profile, new_app  # noqa: F401 - db is a fixture

OWNER = FirmProfile(tax_code=tax_code(3), name="HTX Chè Tà Xùa", sector="A", employees=8, revenue_bn=2.0,
                    capital_bn=None, locality="SL-BY")


def _registered(url, dbi) -> tuple[int, str]:
    store = Store.from_url(url)
    aid, code = store.create_assessment(OWNER, dbi.key)
    store.save_answers(aid, {c: Answer(1) for c in dbi.criterion_ids})
    workflow.submit(store, dbi, aid)
    return aid, code


def _warnings(at):
    return [w.value for w in at.warning]


def test_typing_a_registered_tax_code_explains_and_makes_a_claim(db, dbi):  # noqa: F811
    _registered(db, dbi)
    at = new_app()
    fill_profile(at, tax_code=OWNER.tax_code, name="Công ty Mạo Danh")
    assert not at.exception
    assert translate("claim.registered", "vi", tax_code=OWNER.tax_code) in _warnings(at)
    store = Store.from_url(db)
    assert store.count_assessments() == 1  # nothing created before the person chooses
    at.button(key="claim_continue").click().run()
    assert not at.exception and not errors(at)
    aid = at.session_state["assessment_id"]
    rec = store.get(aid)
    assert rec.claim == PENDING and rec.firm_id == latest_records(store, dbi)[0].firm_id
    assert translate("claim.draft_notice", "vi", tax_code=OWNER.tax_code) in [c.value for c in at.caption]
    # finished and submitted, it is scored and shown to its maker, with the notice and a way to link
    store.save_answers(aid, {c: Answer(2) for c in dbi.criterion_ids})
    workflow.submit(store, dbi, aid)
    code = at.session_state["new_code"]
    results = new_app(code=code)
    assert not results.exception
    assert translate("claim.pending_notice", "vi", tax_code=OWNER.tax_code) in _warnings(results)
    assert {m.label for m in results.metric} >= {"Tổng điểm"}
    # the firm keeps its name and its latest assessment
    assert frames.submitted_frame(store, dbi.key)["name"].tolist() == ["HTX Chè Tà Xùa"]


def test_in_english_too(db, dbi):  # noqa: F811
    _registered(db, dbi)
    at = new_app(lang="en")
    fill_profile(at, tax_code=OWNER.tax_code, name="Someone Else Ltd")
    assert translate("claim.registered", "en", tax_code=OWNER.tax_code) in _warnings(at)
    assert "registered" in translate("claim.registered", "en", tax_code="x")


def test_the_firms_code_links_at_once_and_a_wrong_one_is_refused(db, dbi):  # noqa: F811
    own, firm_code = _registered(db, dbi)
    at = new_app()
    at.text_input(key="pf_firm_code").input("AAAA-BBBB-CCCC-DDDD-EEEE")
    fill_profile(at, tax_code=OWNER.tax_code, name="HTX Chè Tà Xùa")
    assert translate("claim.code_wrong", "vi") in errors(at)
    assert Store.from_url(db).count_assessments() == 1
    at.text_input(key="pf_firm_code").input(firm_code.lower())
    at.button(key="profile_next").click().run()
    assert not errors(at) and translate("claim.registered", "vi", tax_code=OWNER.tax_code) not in _warnings(at)
    rec = Store.from_url(db).get(at.session_state["assessment_id"])
    assert rec.claim is None and [h.id for h in Store.from_url(db).history(rec.id)] == [own]


def test_a_claim_is_linked_later_from_its_results(db, dbi):  # noqa: F811
    _own, firm_code = _registered(db, dbi)
    store = Store.from_url(db)
    aid, code = store.create_assessment(FirmProfile(**{**OWNER.to_dict(), "name": "HTX Chè Tà Xùa Mới"}), dbi.key,
                                        lang="en")  # the link reopens it in English
    store.save_answers(aid, {c: Answer(3) for c in dbi.criterion_ids})
    workflow.submit(store, dbi, aid)
    at = new_app(lang="en", code=code)
    assert translate("claim.pending_notice", "en", tax_code=OWNER.tax_code) in _warnings(at)
    at.text_input(key=f"claim_link_code_{aid}").input(code)  # its own code proves nothing
    at.button(key=f"claim_link_go_{aid}").click().run()
    assert translate("claim.code_wrong", "en") in errors(at)
    at.text_input(key=f"claim_link_code_{aid}").input(firm_code)
    at.button(key=f"claim_link_go_{aid}").click().run()
    assert not at.exception and not _warnings(at)
    assert store.get(aid).claim is None
    assert frames.submitted_frame(store, dbi.key).sort_values("submitted_at")["name"].tolist()[-1] == "HTX Chè Tà Xùa Mới"


def _claims_script():
    import os

    import streamlit as st

    from assessment.ui import claims_page, state

    st.session_state.setdefault("lang", os.environ.get("TEST_LANG", "vi"))
    state.pages(st.session_state["lang"])
    claims_page.render()


def test_admins_confirm_or_reject_claims_and_viewers_only_see_them(db, dbi, monkeypatch):  # noqa: F811
    store = Store.from_url(db)
    Accounts(store).add("admin", PASSWORD, role="admin")
    Accounts(store).add("xem", PASSWORD, role="viewer")
    _registered(db, dbi)
    claims = []
    for name in ("HTX Chè Shan Tuyết Tà Xùa", "Công ty Mạo Danh"):
        aid, _ = store.create_assessment(FirmProfile(**{**OWNER.to_dict(), "name": name}), dbi.key)
        store.save_answers(aid, {c: Answer(2) for c in dbi.criterion_ids})
        workflow.submit(store, dbi, aid)
        claims.append(aid)

    viewer = AppTest.from_function(_claims_script, default_timeout=60).run()
    _sign_in(viewer, "xem")
    assert not viewer.exception
    assert viewer.dataframe[0].value["#"].tolist() == claims
    assert translate("claims.viewer_note", "vi") in [i.value for i in viewer.info]
    assert not [b for b in viewer.button if b.key in ("claims_confirm", "claims_reject")]

    at = AppTest.from_function(_claims_script, default_timeout=60).run()
    _sign_in(at)
    at.selectbox(key="claims_pick").select(claims[0]).run()
    at.checkbox(key=f"claims_rename_{claims[0]}").check().run()
    at.button(key="claims_confirm").click().run()
    assert not at.exception
    at.selectbox(key="claims_pick").select(claims[1]).run()
    assert not at.checkbox(key=f"claims_rename_{claims[1]}").value  # the tick did not carry over
    at.button(key="claims_reject").click().run()
    assert not at.exception
    assert translate("claims.none", "vi") in [s.value for s in at.success]
    assert frames.submitted_frame(store, dbi.key)["name"].tolist()[-1] == "HTX Chè Shan Tuyết Tà Xùa"
    log = at.dataframe[-1].value
    assert log[translate("admin.col_who", "vi")].tolist()[:3] == ["admin", "admin", "admin"]
    assert log[translate("admin.col_action", "vi")].tolist()[:3] == [
        translate("claims.action.claim_reject", "vi"), translate("claims.action.firm_name", "vi"),
        translate("claims.action.claim_confirm", "vi")]
    assert Claims(store).pending() == []
    changes = log[translate("claims.change", "vi")].tolist()
    assert changes[0] == "trạng thái: chờ kiểm tra → bị từ chối"
    assert changes[1] == "tên: HTX Chè Tà Xùa → HTX Chè Shan Tuyết Tà Xùa"
