"""The department's targets and kept clustering, stored on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment import dashboard
from assessment.clustering import fit_clusters
from assessment.department import Department, TargetError, progress


def test_targets_are_validated_stored_changed_and_deleted(store, dbi):
    dept = Department(store)
    tid = dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, note="KH 2025", who="an")
    dept.save_target(dbi, metric="firms_assessed", value=400, year=2026, who="an")
    assert [(t.metric, t.level, t.value, t.year) for t in dept.targets(dbi)] == [
        ("firms_assessed", None, 400.0, 2026), ("share_at_level", 2, 50.0, 2027)]
    dept.save_target(dbi, metric="share_at_level", level=3, value=30, year=2027, who="binh", target_id=tid)
    changed = next(t for t in dept.targets(dbi) if t.id == tid)
    assert (changed.level, changed.value, changed.updated_by) == (3, 30.0, "binh")
    for kwargs, key in [
        ({"metric": "share_at_level", "level": 9, "value": 50}, "tgt.err.level"),
        ({"metric": "share_at_level", "level": 2, "value": 120}, "tgt.err.share"),
        ({"metric": "mean_total", "value": 400}, "tgt.err.total"),
        ({"metric": "firms_assessed", "value": 2.5}, "tgt.err.count"),
        ({"metric": "bogus", "value": 1}, "tgt.err.metric"),
    ]:
        with pytest.raises(TargetError) as err:
            dept.save_target(dbi, year=2027, who="an", **kwargs)
        assert err.value.key == key
    with pytest.raises(TargetError):
        dept.save_target(dbi, metric="mean_total", value=100, year=1999, who="an")
    dept.delete_target(tid)
    assert len(dept.targets(dbi)) == 1


def test_progress_against_each_kind_of_target(store, dbi):
    dept = Department(store)
    now = pd.DataFrame({"level": [0, 1, 2, 2, 3], "total": [20, 50, 100, 110, 170]})
    dept.save_target(dbi, metric="share_at_level", level=2, value=50, year=2027, who="an")
    dept.save_target(dbi, metric="mean_total", value=100, year=2027, who="an")
    dept.save_target(dbi, metric="firms_assessed", value=10, year=2027, who="an")
    got = {t.metric: progress(dbi, t, now) for t in dept.targets(dbi)}
    assert got["share_at_level"].current == pytest.approx(60.0) and got["share_at_level"].reached
    assert got["mean_total"].current == pytest.approx(90.0) and not got["mean_total"].reached
    assert got["mean_total"].ratio == pytest.approx(0.9)
    assert got["firms_assessed"].current == 5 and got["firms_assessed"].ratio == 0.5


def test_a_kept_clustering_places_firms_without_refitting(store, dbi):
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(15, 3, (60, 6)), rng.normal(70, 3, (60, 6))])
    model, labels = fit_clusters(dbi, x, k=2)
    dept = Department(store)
    assert dept.cluster_model(dbi) is None
    dept.keep_cluster_model(model, n_firms=120, who="an")
    newer, _ = fit_clusters(dbi, x[:90], k=2)
    dept.keep_cluster_model(newer, n_firms=90, who="binh")
    kept = dept.cluster_model(dbi)
    assert kept.created_by == "binh" and kept.n_firms == 90 and kept.model == newer
    kept = kept.model
    frame = pd.DataFrame({f"{p.id}_points": x[:, i] * p.max_points / 100 for i, p in enumerate(dbi.pillars)})
    placed = dashboard.with_clusters(dbi, frame, kept)["cluster"].to_numpy()
    assert (placed == labels).mean() == 1.0  # the same two groups, found again by the kept centres
