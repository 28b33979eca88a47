"""A department target is kept once: the same target saved again (a double click, a form sent
twice, two administrators at once) is not stored a second time; on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from assessment.department import Department
from assessment.storage import Store


def _rows(dept, fw):
    return [(t.metric, t.level, t.value, t.year, t.note) for t in dept.targets(fw)]


def test_the_same_target_saved_twice_is_kept_once(store, dbi):
    dept = Department(store)
    first = dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, note="KH 811", who="an")
    again = dept.save_target(dbi, metric="share_at_level", level=2, value=50.0, year=2027, note="KH 811", who="an")
    assert again == first and _rows(dept, dbi) == [("share_at_level", 2, 50.0, 2027, "KH 811")]
    # saved again by someone else with no note: still one, the note kept, who set it last recorded
    assert dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, who="binh") == first
    (kept,) = dept.targets(dbi)
    assert (kept.note, kept.updated_by) == ("KH 811", "binh")
    # with a new note: still one, the new note
    dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, note="QĐ 33", who="an")
    assert _rows(dept, dbi) == [("share_at_level", 2, 50.0, 2027, "QĐ 33")]
    # a target without a level (the level is not part of it, whatever the form sent)
    count = dept.save_target(dbi, metric="firms_assessed", value=400, year=2026, who="an")
    assert dept.save_target(dbi, metric="firms_assessed", value=400, year=2026, level=3, who="an") == count
    assert len(dept.targets(dbi)) == 2
    # a different figure, level, year or metric is another target
    dept.save_target(dbi, metric="share_at_level", level=2, value=60, year=2027, who="an")
    dept.save_target(dbi, metric="share_at_level", level=3, value=50, year=2027, who="an")
    dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2028, who="an")
    dept.save_target(dbi, metric="mean_total", value=50, year=2027, who="an")
    assert len(dept.targets(dbi)) == 6


def test_the_same_target_in_another_framework_is_another_target(store, dbi, mini):
    dept = Department(store)
    dept.save_target(dbi, metric="firms_assessed", value=400, year=2026, who="an")
    dept.save_target(mini, metric="firms_assessed", value=400, year=2026, who="an")
    assert len(dept.targets(dbi)) == 1 and len(dept.targets(mini)) == 1


def test_changing_a_target_into_one_that_exists_merges_them(store, dbi):
    dept = Department(store)
    keep = dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, note="KH 811", who="an")
    other = dept.save_target(dbi, metric="share_at_level", level=3, value=30, year=2027, note="nháp", who="an")
    assert dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, who="binh",
                            target_id=other) == keep
    assert [(t.id, t.level, t.note, t.updated_by) for t in dept.targets(dbi)] == [(keep, 2, "KH 811", "binh")]
    # changing a target into itself is a plain change
    assert dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, note="QĐ 33", who="an",
                            target_id=keep) == keep
    assert _rows(dept, dbi) == [("share_at_level", 2, 50.0, 2027, "QĐ 33")]


def test_two_administrators_saving_the_same_target_at_once_store_it_once(db_url, dbi):
    stores = [Store.from_url(db_url) for _ in range(2)]  # two app processes' connection pools
    try:
        def save(i: int) -> int:
            return Department(stores[i % 2]).save_target(dbi, metric="mean_total", value=128, year=2027,
                                                         who=f"admin{i}")

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = set(pool.map(save, range(16)))
        assert len(ids) == 1
        assert len(Department(stores[0]).targets(dbi)) == 1
    finally:
        for s in stores:
            s.engine.dispose()
