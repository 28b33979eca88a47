"""Storage on a real SQLite file and on PostgreSQL (when DBI_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import pytest

from assessment import codes, workflow
from assessment.answers import Answer
from assessment.firms import FirmProfile
from assessment.storage import AlreadySubmitted, NotFound, Store
from tests.conftest import tax_code

PROFILE = FirmProfile(
    tax_code="5500123464", name="Công ty TNHH Nông sản Mộc Châu", sector="A", employees=12,
    revenue_bn=8.0, capital_bn=None, locality="SL-MC",
)


def _complete(fw):
    return {c.id: Answer(len(c.choices) - 1) for c in fw.criteria}


def test_new_assessment_records_framework_and_profile(store, dbi):
    aid, code = store.create_assessment(PROFILE, dbi.key, lang="en")
    rec = store.get(aid)
    assert rec.framework_key == "dbi-2021-sme@2021"
    assert rec.status == "draft" and rec.lang == "en" and rec.answers == {}
    assert rec.profile == PROFILE
    assert codes.normalise(code) is not None


def test_resume_code_is_stored_only_as_a_hash(store, dbi):
    aid, code = store.create_assessment(PROFILE, dbi.key)
    with store.engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM assessments"))
    assert codes.normalise(code) not in dump and code not in dump
    assert store.find_by_code(code) == aid
    assert store.find_by_code(code.lower().replace("-", " ")) == aid  # typed loosely
    assert store.find_by_code(codes.new_code()) is None
    assert store.find_by_code("not a code") is None


def test_saving_a_step_keeps_other_steps(store, mini):
    aid, _ = store.create_assessment(PROFILE, mini.key)
    store.save_answers(aid, {"a1": Answer(2), "a2": Answer(1)}, step=1)
    store.save_answers(aid, {"b1": Answer(1, numerator=3.0, denominator=10.0)}, step=2)
    store.save_answers(aid, {"a1": Answer(1)})  # amend one answer
    rec = store.get(aid)
    assert rec.answers == {"a1": Answer(1), "a2": Answer(1), "b1": Answer(1, 3.0, 10.0)}
    assert rec.step == 2


def test_answers_survive_reopening_the_database(db_url, mini):
    first = Store.from_url(db_url)
    aid, code = first.create_assessment(PROFILE, mini.key)
    first.save_answers(aid, {"c1": Answer(2, value=5.0)}, step=3)
    first.engine.dispose()
    again = Store.from_url(db_url)
    assert again.find_by_code(code) == aid
    assert again.get(aid).answers == {"c1": Answer(2, value=5.0)}
    again.engine.dispose()


def test_submit_stores_results_and_freezes_the_draft(store, mini):
    aid, _ = store.create_assessment(PROFILE, mini.key)
    store.save_answers(aid, {"a1": Answer(2)})
    with pytest.raises(workflow.IncompleteAnswers) as info:
        workflow.submit(store, mini, aid)
    assert info.value.missing_ids == ["a2", "b1", "c1", "c2"]
    assert store.get(aid).status == "draft"
    store.save_answers(aid, _complete(mini))
    result = workflow.submit(store, mini, aid)
    rec = store.get(aid)
    assert rec.submitted and rec.result == result and result.total == 24 and result.level == 3
    assert rec.submitted_at is not None
    with pytest.raises(AlreadySubmitted):
        store.save_answers(aid, {"a1": Answer(0)})
    assert store.get(aid).answers["a1"] == Answer(2)


def test_submit_refuses_another_framework(store, mini, dbi):
    aid, _ = store.create_assessment(PROFILE, mini.key)
    store.save_answers(aid, _complete(mini))
    with pytest.raises(ValueError, match="answered with mini-test@0.1"):
        workflow.submit(store, dbi, aid)


def test_reassessment_chain_and_history(store, mini):
    first, _ = store.create_assessment(PROFILE, mini.key)
    store.save_answers(first, {**_complete(mini), "a1": Answer(0)})
    workflow.submit(store, mini, first)
    second, code2 = store.start_reassessment(first, mini.key)
    assert store.get(second).answers == store.get(first).answers  # pre-filled
    assert store.get(second).firm_id == store.get(first).firm_id
    store.save_answers(second, {"a1": Answer(2)})
    workflow.submit(store, mini, second)
    third, _ = store.start_reassessment(second, mini.key)
    history = store.history(third)
    assert [h.id for h in history] == [second, first]
    # a stranger typing the same tax code starts a separate chain that shows no history
    stranger, _ = store.create_assessment(PROFILE, mini.key)
    assert store.history(stranger) == []


def test_profile_update_and_unknown_ids(store, mini):
    aid, _ = store.create_assessment(PROFILE, mini.key)
    changed = FirmProfile(**{**PROFILE.to_dict(), "tax_code": "5500999999-002", "employees": 60})
    store.update_profile(aid, changed)
    rec = store.get(aid)
    assert rec.profile.tax_code == "5500999999-002" and rec.profile.size_class.id == "small"
    with pytest.raises(NotFound):
        store.get(10_000)
    assert store.count_assessments() == 1


def test_vietnamese_text_round_trips(store, mini):
    name = "Hộ kinh doanh Bánh cuốn Bà Lường – Thuận Châu"
    aid, _ = store.create_assessment(FirmProfile(**{**PROFILE.to_dict(), "name": name}), mini.key)
    assert store.get(aid).profile.name == name


def test_dashboard_frame_matches_stored_results_and_a_migration_backfills_old_rows(store, dbi):
    import numpy as np
    from alembic import command
    from sqlalchemy import delete, func, select

    from assessment import frames, schema

    from assessment.scoring import score_codes
    from assessment.storage import ScoreRow

    rng = np.random.default_rng(3)
    expected = {}
    for i in range(4):
        profile = FirmProfile(**{**PROFILE.to_dict(), "tax_code": tax_code(i, "5500"), "name": f"Firm {i}"})
        aid, _ = store.create_assessment(profile, dbi.key)
        codes_row = np.array([rng.integers(0, len(c.choices)) for c in dbi.criteria], dtype=np.int16)
        store.save_answers(aid, {c.id: Answer(int(v)) for c, v in zip(dbi.criteria, codes_row)})
        result = score_codes(dbi, codes_row[None, :]).firm(0)
        store.submit(aid, result)
        expected[aid] = result
    # an assessment stored before the compact score table existed has no row there: a dashboard
    # read leaves it missing (reads never write), the migration (0005) writes it
    with store.engine.begin() as conn:
        conn.execute(delete(ScoreRow).where(ScoreRow.assessment_id == min(expected)))
    assert min(expected) not in frames.submitted_frame(store, dbi)["assessment_id"].tolist()
    with store.engine.begin() as conn:
        command.downgrade(schema._config(conn), "0004")
    schema.migrate(store.engine)
    frame, points = frames.submitted_frame(store, dbi.key, criteria=True)
    assert sorted(frame["assessment_id"]) == sorted(expected)
    for k, row in enumerate(frame.itertuples()):
        result = expected[row.assessment_id]
        assert row.total == result.total and row.level == result.level
        for p in result.pillars:
            assert getattr(row, f"{p.id}_points") == p.points and getattr(row, f"{p.id}_level") == p.level
        assert points[k].tolist() == list(result.criterion_points.values())
    schema.migrate(store.engine)  # at the newest revision: nothing is written again
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ScoreRow)).scalar_one() == len(expected)


def test_get_many_keeps_the_order_asked(store, dbi):
    ids = [store.create_assessment(FirmProfile(**{**PROFILE.to_dict(), "tax_code": tax_code(i, "5500")}), dbi.key)[0]
           for i in range(3)]
    got = store.get_many([ids[2], ids[0], ids[1]])
    assert [r.id for r in got] == [ids[2], ids[0], ids[1]] and got[0].profile.tax_code == tax_code(2, "5500")
    with pytest.raises(NotFound):
        store.get_many([ids[0], 999_999])


def test_department_rows_are_the_frames_columns_for_own_submitted_assessments_only(store, dbi):
    import numpy as np

    from assessment import frames
    from assessment.scoring import score_codes

    rng = np.random.default_rng(5)
    submitted = []
    for i in range(5):
        profile = FirmProfile(**{**PROFILE.to_dict(), "tax_code": tax_code(i, "5500"), "name": f"Firm {i}"})
        aid, _ = store.create_assessment(profile, dbi.key)
        codes_row = np.array([rng.integers(0, len(c.choices)) for c in dbi.criteria], dtype=np.int16)
        store.save_answers(aid, {c.id: Answer(int(v)) for c, v in zip(dbi.criteria, codes_row)})
        if i < 4:  # the fifth stays a draft
            store.submit(aid, score_codes(dbi, codes_row[None, :]).firm(0))
            submitted.append(aid)
    frame, points = frames.submitted_frame(store, dbi, criteria=True)
    rows = frames.department_rows(store, dbi)
    assert rows["assessment_id"].tolist() == sorted(submitted) == frame["assessment_id"].tolist()
    for column in [*frames.DEPARTMENT_COLUMNS, "area", "section"]:
        assert rows[column].tolist() == frame[column].tolist(), column
    # an earlier assessment's criterion points, read alone, in the order asked
    wanted = [submitted[2], submitted[0]]
    assert frames.criterion_points(store, wanted).tolist() == points[[2, 0]].tolist()
