"""A firm's records belong to the firm: claims, firm codes, the department's decisions, the audit log.

On SQLite and PostgreSQL. A tax code identifies; only one of the firm's codes (a resume code of one
of its own assessments, or the access code of an imported one) lets someone speak for the firm.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from assessment import frames, identity, workflow
from assessment.answers import Answer
from assessment.firms import FirmProfile
from assessment.identity import ClaimError, Claims
from assessment.peers import benchmark
from assessment.storage import PENDING, REJECTED
from tests.conftest import tax_code, latest_records

OWNER = FirmProfile(tax_code=tax_code(0), name="HTX Chè Tà Xùa", sector="A", employees=8, revenue_bn=2.0,
                    capital_bn=None, locality="SL-BY")


def _answers(fw, level: int) -> dict[str, Answer]:
    return {c.id: Answer(min(level, len(c.choices) - 1)) for c in fw.criteria}


def _submitted(store, fw, profile, level, **kwargs) -> tuple[int, str]:
    aid, code = store.create_assessment(profile, fw.key, **kwargs)
    store.save_answers(aid, _answers(fw, level))
    workflow.submit(store, fw, aid)
    return aid, code


def _stranger(**changes) -> FirmProfile:
    return FirmProfile(**{**OWNER.to_dict(), "name": "Công ty Mạo Danh", "employees": 3, **changes})


def test_a_stranger_naming_a_registered_tax_code_makes_a_claim_that_changes_nothing_of_the_firm(store, dbi):
    own, _ = _submitted(store, dbi, OWNER, 1)
    claim, claim_code = _submitted(store, dbi, _stranger(), 4)
    rec = store.get(claim)
    # saved, scored and shown to the person who made it (their code opens it) ...
    assert rec.submitted and rec.claim == PENDING and rec.result.level > store.get(own).result.level
    assert store.find_by_code(claim_code) == claim
    # ... but the firm keeps its name, and its latest is still its own assessment everywhere
    frame = frames.submitted_frame(store, dbi.key)
    assert frame["assessment_id"].tolist() == [own] and frame["name"].tolist() == ["HTX Chè Tà Xùa"]
    assert [r.id for r in latest_records(store, dbi)] == [own]
    assert frames.latest(frame)["assessment_id"].tolist() == [own]
    assert store.submitted_periods(dbi.key, {OWNER.tax_code}) == {(OWNER.tax_code, store.get(own).submitted_at.year)}
    # the claim sees no history of the firm, the firm's own record none of the claim
    assert store.history(claim) == [] and store.history(own) == []
    assert store.is_registered(OWNER.tax_code)
    assert [c.assessment_id for c in Claims(store).pending()] == [claim]


def test_peers_never_count_a_claim(store, dbi):
    for i in range(6):
        _submitted(store, dbi, FirmProfile(**{**OWNER.to_dict(), "tax_code": tax_code(10 + i)}), 1 + i % 3)
    before = frames.latest_frame(store, dbi.key)
    _submitted(store, dbi, _stranger(tax_code=tax_code(10)), 5)
    after = frames.latest_frame(store, dbi.key)
    firm = {"firm_id": -1, "section": "A", "size_class": "micro", "locality": "SL-BY", "area": "SL-BY", "total": 100,
            **{f"{p.id}_points": 10 for p in dbi.pillars}}
    assert after.equals(before) and benchmark(dbi, after, firm) == benchmark(dbi, before, firm)


@pytest.mark.parametrize("how", ["resume code", "import access code"])
def test_one_of_the_firms_codes_makes_the_assessment_the_firms_own(store, dbi, how):
    if how == "resume code":
        own, firm_code = _submitted(store, dbi, OWNER, 1)
    else:
        from assessment.importer import ImportRow
        from assessment.scoring import score_codes  # noqa: F401 - the import scores as the app does

        codes = np.ones(len(dbi.criteria), dtype=np.int16)
        row = ImportRow(2, OWNER, workflow_date(), codes)
        (_, _, own, firm_code), = store.import_assessments(dbi, [row], who="can.bo")
    new, _ = _submitted(store, dbi, _stranger(name="HTX Chè Tà Xùa Mới"), 3, firm_code=firm_code)
    rec = store.get(new)
    assert rec.claim is None
    frame = frames.submitted_frame(store, dbi.key)
    latest = frames.latest(frame)
    assert latest["assessment_id"].tolist() == [new] and latest["name"].tolist() == ["HTX Chè Tà Xùa Mới"]
    assert [h.id for h in store.history(new)] == [own]  # the firm's history
    assert store.code_opens_firm(firm_code, OWNER.tax_code) and not store.code_opens_firm(firm_code, tax_code(5))


def workflow_date():
    import datetime as dt

    return dt.datetime(2025, 10, 1, 9, 0)


def test_a_claims_code_is_not_a_firm_code_and_its_reassessment_stays_a_claim(store, dbi):
    _submitted(store, dbi, OWNER, 1)
    claim, claim_code = _submitted(store, dbi, _stranger(), 2)
    again, _ = _submitted(store, dbi, _stranger(), 3, firm_code=claim_code)
    assert store.get(again).claim == PENDING
    re_id, _ = store.start_reassessment(claim, dbi.key)
    assert store.get(re_id).claim == PENDING
    store.save_answers(re_id, _answers(dbi, 4))
    workflow.submit(store, dbi, re_id)
    assert [h.id for h in store.history(re_id)] == [claim]  # its own chain only
    assert len(frames.submitted_frame(store, dbi.key)) == 1


def test_reassessing_from_the_firms_own_record_stays_the_firms(store, dbi):
    own, _ = _submitted(store, dbi, OWNER, 1)
    second, _ = store.start_reassessment(own, dbi.key)
    assert store.get(second).claim is None


def test_the_department_confirms_a_claim_into_the_firms_history_and_may_rename(store, dbi):
    own, _ = _submitted(store, dbi, OWNER, 1)
    claim, _ = _submitted(store, dbi, _stranger(name="HTX Chè Shan Tuyết Tà Xùa"), 3)
    claims = Claims(store)
    claims.confirm(claim, "lo.minh", rename=True)
    assert store.get(claim).claim is None and claims.pending() == []
    latest = frames.latest_frame(store, dbi.key)
    assert latest["assessment_id"].tolist() == [claim] and latest["name"].tolist() == ["HTX Chè Shan Tuyết Tà Xùa"]
    assert [h.id for h in store.history(claim)] == [own]
    log = claims.log()
    assert [(e.action, e.who) for e in log[:2]] == [("firm_name", "lo.minh"), ("claim_confirm", "lo.minh")]
    assert log[0].before == {"name": "HTX Chè Tà Xùa"} and log[0].after == {"name": "HTX Chè Shan Tuyết Tà Xùa"}
    with pytest.raises(ClaimError) as err:
        claims.reject(claim, "other.admin")  # already decided
    assert err.value.key == "claim.not_pending"


def test_confirming_without_renaming_keeps_the_name(store, dbi):
    _submitted(store, dbi, OWNER, 1)
    claim, _ = _submitted(store, dbi, _stranger(), 3)
    Claims(store).confirm(claim, "lo.minh")
    assert frames.submitted_frame(store, dbi.key)["name"].unique().tolist() == ["HTX Chè Tà Xùa"]


def test_a_rejected_claim_stays_out_and_stays_visible_to_its_maker(store, dbi):
    own, _ = _submitted(store, dbi, OWNER, 1)
    claim, code = _submitted(store, dbi, _stranger(), 3)
    Claims(store).reject(claim, "lo.minh")
    assert store.get(claim).claim == REJECTED and store.find_by_code(code) == claim
    assert frames.submitted_frame(store, dbi.key)["assessment_id"].tolist() == [own]
    assert Claims(store).log()[0].action == "claim_reject" and Claims(store).log()[0].who == "lo.minh"


def test_the_claimant_links_with_a_firm_code_later(store, dbi):
    _own, firm_code = _submitted(store, dbi, OWNER, 1)
    claim, claim_code = _submitted(store, dbi, _stranger(name="HTX Chè Tà Xùa (mới)"), 3)
    claims = Claims(store)
    assert not claims.link_with_code(claim, claim_code)  # a claim's own code proves nothing
    assert store.get(claim).claim == PENDING
    assert claims.link_with_code(claim, firm_code)
    assert store.get(claim).claim is None
    assert frames.submitted_frame(store, dbi.key)["name"].tolist()[-1] == "HTX Chè Tà Xùa (mới)"
    assert claims.log()[1].action == "claim_linked" and claims.log()[1].who == identity.firm_who(claim)


def test_changing_a_drafts_tax_code_to_a_registered_one_makes_it_a_claim(store, dbi):
    _submitted(store, dbi, OWNER, 1)
    other = FirmProfile(**{**OWNER.to_dict(), "tax_code": tax_code(7), "name": "Cửa hàng Bản Mòng"})
    aid, _ = store.create_assessment(other, dbi.key)
    assert store.get(aid).claim is None
    store.update_profile(aid, FirmProfile(**{**other.to_dict(), "tax_code": OWNER.tax_code}))
    rec = store.get(aid)
    assert rec.claim == PENDING and rec.firm_id == store.get(_own_id(store, dbi)).firm_id
    assert not store.is_registered(tax_code(7))  # the firm row it left had nothing else


def _own_id(store, dbi) -> int:
    return latest_records(store, dbi)[0].id


def test_every_profile_change_is_recorded_with_before_after_and_who(store, dbi):
    aid, _ = store.create_assessment(OWNER, dbi.key)
    store.update_profile(aid, FirmProfile(**{**OWNER.to_dict(), "employees": 12, "name": "HTX Chè Tà Xùa Bắc Yên"}))
    store.update_profile(aid, FirmProfile(**{**OWNER.to_dict(), "employees": 12, "name": "HTX Chè Tà Xùa Bắc Yên"}))
    log = Claims(store).log()
    assert len(log) == 1  # nothing changed the second time
    entry = log[0]
    assert entry.action == "profile" and entry.who == identity.firm_who(aid) and entry.assessment_id == aid
    assert entry.before == {"name": "HTX Chè Tà Xùa", "employees": 8}
    assert entry.after == {"name": "HTX Chè Tà Xùa Bắc Yên", "employees": 12}
    store.save_answers(aid, _answers(dbi, 1))
    workflow.submit(store, dbi, aid)  # the firm's name follows its own submitted profile, recorded
    assert Claims(store).log()[0].action == "firm_name"


def test_two_admins_deciding_the_same_claim_at_once_decide_it_once(store, dbi):
    _submitted(store, dbi, OWNER, 1)
    claim, _ = _submitted(store, dbi, _stranger(), 3)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def decide(action):
        barrier.wait()
        try:
            getattr(Claims(store), action)(claim, f"admin.{action}")
            results.append(action)
        except ClaimError:
            results.append("refused")

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("confirm", "reject")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) in (["confirm", "refused"], ["refused", "reject"])
    decisions = [e for e in Claims(store).log() if e.action.startswith("claim_")]
    assert len(decisions) == 1
