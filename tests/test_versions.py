"""Data versions (assessment.versions): every write that changes what department pages read raises
its counter, in the writer's transaction; drafts do not."""

from __future__ import annotations

import numpy as np

from assessment import demo, versions, workflow
from assessment.answers import Answer
from assessment.catalogue_store import CatalogueStore
from assessment.clustering import fit_clusters
from assessment.department import Department
from assessment.firms import FirmProfile
from assessment.identity import Claims
from tests.conftest import tax_code


def _changed(store, before):
    now = versions.read(store.engine)
    return {k for k in now if now[k] != before[k]}


def test_each_kind_of_write_raises_its_counter(store, dbi):
    v = versions.read(store.engine)
    assert set(v) == set(versions.KINDS)
    profile = FirmProfile(tax_code(1), "HTX Chè Tà Xùa", "A", 8, 2.0, None, "SL-BY")
    aid, _ = store.create_assessment(profile, dbi.key)
    store.save_answers(aid, {c: Answer(1) for c in dbi.criterion_ids})
    assert _changed(store, v) == set()  # a draft is nobody else's business
    workflow.submit(store, dbi, aid)
    assert _changed(store, v) == {"assessments"}
    v = versions.read(store.engine)
    claim, _ = store.create_assessment(FirmProfile(tax_code(1), "Người khác", "A", 3, 1.0, None, "SL-BY"), dbi.key)
    store.save_answers(claim, {c: Answer(0) for c in dbi.criterion_ids})
    workflow.submit(store, dbi, claim)
    v = versions.read(store.engine)
    Claims(store).reject(claim, "lan")
    assert _changed(store, v) == {"assessments"}
    v = versions.read(store.engine)
    cat = CatalogueStore(store, dbi)
    cat.seed_if_empty()
    assert _changed(store, v) == {"catalogue"}
    v = versions.read(store.engine)
    cat.set_status(cat.published()[0].id, "retired", "lan")
    assert _changed(store, v) == {"catalogue"}
    v = versions.read(store.engine)
    dept = Department(store)
    dept.save_target(dbi, metric="mean_total", value=100, year=2027, who="lan")
    model, _ = fit_clusters(dbi, np.random.default_rng(0).uniform(0, 100, (30, 6)), k=2)
    dept.keep_cluster_model(model, n_firms=30, who="lan")
    assert _changed(store, v) == {"department"}
    v = versions.read(store.engine)
    store.replace_demo(dbi, demo.generate(dbi, 5, seed=1, localities=["SL-BY"]))
    assert _changed(store, v) == {"assessments"}
