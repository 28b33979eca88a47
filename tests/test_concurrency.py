"""Many firms at once, two tabs of one firm, a server killed mid-assessment: on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from assessment import workflow
from assessment.answers import Answer
from assessment.firms import FirmProfile
from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
from assessment.storage import Store
from assessment import aggregates, frames, inventory, year_cells
from assessment.catalogue_store import CatalogueStore
from assessment.inventory import PlatformUse
from tests.conftest import assert_same_adoption, tax_code

N_FIRMS = 200


def _profile(i: int) -> FirmProfile:
    return FirmProfile(tax_code=tax_code(i), name=f"Công ty Số {i}", sector="G", employees=5 + i % 40,
                       revenue_bn=1.0 + i % 30, capital_bn=None, locality="SL-MC")


def _codes(fw, i: int) -> dict[str, int]:
    rng = np.random.default_rng(i)
    return {c.id: int(rng.integers(0, len(c.choices))) for c in fw.criteria}


def _one_firm(url: str, i: int) -> int:
    """What a firm's browser session does: profile, a save per pillar, submit."""
    fw = _framework()
    store = _STORES.get(url) or _STORES.setdefault(url, Store.from_url(url))
    aid, _code = store.create_assessment(_profile(i), fw.key)
    if i % 2:  # half of them use KiotViet (the platforms' counts are kept side by side too)
        store.save_platforms(aid, [PlatformUse("sales", "KiotViet", "kiotviet")])
    codes = _codes(fw, i)
    for k, pillar in enumerate(fw.pillars, start=1):
        store.save_answers(aid, {c.id: Answer(codes[c.id]) for c in pillar.criteria}, step=k)
    workflow.submit(store, fw, aid)
    return aid


_STORES: dict[str, Store] = {}


@__import__("functools").lru_cache(maxsize=1)
def _framework():
    return load_framework(DEFAULT_FRAMEWORK_FILE)


def _process_batch(args: tuple[str, list[int]]) -> list[int]:
    _STORES.clear()  # a fresh connection pool in each process
    url, firms = args
    return [_one_firm(url, i) for i in firms]


def _check(store: Store, fw, ids_by_firm: dict[int, int]) -> None:
    assert store.count_assessments() == N_FIRMS and len(set(ids_by_firm.values())) == N_FIRMS
    frame = frames.submitted_frame(store, fw.key)
    assert len(frame) == N_FIRMS and frame["tax_code"].nunique() == N_FIRMS
    for i, aid in ids_by_firm.items():
        rec = store.get(aid)
        assert rec.profile.tax_code == tax_code(i) and rec.submitted
        assert {c: a.code for c, a in rec.answers.items()} == _codes(fw, i)  # nobody else's answers


def _check_cube(store: Store, fw, model=None) -> None:
    """The department's cube kept by the submits that ran side by side (all in one commune and
    sector: the same cells) is the grouping of the rows."""
    keys = aggregates.GROUPS + (["cluster"] if model is not None else [])
    with store.engine.connect() as conn:
        assert year_cells.read(conn, fw, model) is not None
    kept = aggregates.cube(store, fw, model).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, aggregates.grouped(store, fw, model).sort_values(keys).reset_index(drop=True))
    assert kept["firms"].sum() == N_FIRMS
    assert_same_adoption(store, fw, years=False)


def test_200_firms_in_threads(db_url, dbi):
    """200 firms submit at once; a clustering is kept while most of them do."""
    from assessment.clustering import fit_clusters, pillar_percent_of
    from assessment.department import Department

    with ThreadPoolExecutor(max_workers=24) as pool:
        ids = dict(zip(range(40), pool.map(lambda i: _one_firm(db_url, i), range(40))))
        store = Store.from_url(db_url)
        model, _ = fit_clusters(dbi, pillar_percent_of(dbi, frames.submitted_frame(store, dbi.key)), k=3, bootstrap=1)
        later = {i: pool.submit(_one_firm, db_url, i) for i in range(40, N_FIRMS)}
        keep = pool.submit(Department(store).keep_cluster_model, model, n_firms=40, who="can.bo")
        # the department marks KiotViet Make in Vietnam while firms submit: counted again at once
        cat = CatalogueStore(store, dbi)
        cat.seed_if_empty()
        kiotviet = next(e for e in cat.published() if e.id == "kiotviet")
        mark = pool.submit(cat.save, kiotviet.model_copy(update={"make_in_vietnam": "yes"}), "can.bo")
        ids |= {i: job.result() for i, job in later.items()}
        keep.result()
        mark.result()
    _STORES.clear()
    _check(store, dbi, ids)
    _check_cube(store, dbi)
    _check_cube(store, dbi, model)
    marked = inventory.read_adoption(store, dbi, CatalogueStore(store, dbi).published()).make_in_vietnam
    assert marked["marked"] == 1 and marked["firms"] == N_FIRMS // 2


def test_200_firms_in_separate_processes(db_url, dbi):
    Store.from_url(db_url).engine.dispose()  # schema ready before the processes start
    batches = [(db_url, list(range(k, N_FIRMS, 4))) for k in range(4)]
    with mp.get_context("fork").Pool(4) as pool:  # spawn would re-import __main__ (AppTest replaces it)
        results = pool.map(_process_batch, batches)
    ids = {i: aid for (_, firms), aids in zip(batches, results) for i, aid in zip(firms, aids)}
    _check(Store.from_url(db_url), dbi, ids)
    _check_cube(Store.from_url(db_url), dbi)


def test_two_tabs_of_one_firm_keep_each_others_answers(store, dbi):
    aid, _ = store.create_assessment(_profile(1), dbi.key)
    p1, p2 = dbi.pillars[0], dbi.pillars[1]
    tab_a = store.get(aid)  # both tabs opened the empty draft
    tab_b = store.get(aid)
    store.save_answers(aid, {c.id: Answer(1) for c in p1.criteria}, step=1)  # tab A saves pillar 1
    store.save_answers(aid, {c.id: Answer(0) for c in p2.criteria}, step=2)  # tab B, unaware, saves pillar 2
    answers = store.get(aid).answers
    assert {c.id for c in p1.criteria} | {c.id for c in p2.criteria} == set(answers)
    assert all(answers[c.id].code == 1 for c in p1.criteria) and tab_a.answers == tab_b.answers == {}
    # the same question changed in both tabs: the later save wins, the rest stays
    store.save_answers(aid, {p1.criteria[0].id: Answer(3)})
    after = store.get(aid).answers
    assert after[p1.criteria[0].id].code == 3 and after[p1.criteria[1].id].code == 1 and len(after) == len(answers)


KILLED = textwrap.dedent("""
    import sys, time
    from assessment.answers import Answer
    from assessment.firms import FirmProfile
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
    from assessment.storage import Store
    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    store = Store.from_url(sys.argv[1])
    profile = FirmProfile(tax_code="5500123464", name="HTX", sector="A", employees=3, revenue_bn=1.0,
                          capital_bn=None, locality="SL-MC")
    aid, code = store.create_assessment(profile, fw.key)
    for k, pillar in enumerate(fw.pillars[:3], start=1):
        store.save_answers(aid, {c.id: Answer(1) for c in pillar.criteria}, step=k)
    print(code, flush=True)
    while True:  # the fourth step is being filled in when the server dies
        time.sleep(0.05)
""")


def test_a_server_killed_mid_assessment_loses_no_completed_step(db_url, dbi):
    Store.from_url(db_url).engine.dispose()
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-c", KILLED, db_url], stdout=subprocess.PIPE, text=True, cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root)})
    try:
        code = proc.stdout.readline().strip()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and code
    store = Store.from_url(db_url)  # the restarted server
    aid = store.find_by_code(code)
    rec = store.get(aid)
    assert rec.step == 3 and set(rec.answers) == {c.id for p in dbi.pillars[:3] for c in p.criteria}
    store.save_answers(aid, {c.id: Answer(0) for c in dbi.pillars[3].criteria}, step=4)  # and carries on
    assert len(store.get(aid).answers) == sum(len(p.criteria) for p in dbi.pillars[:4])
