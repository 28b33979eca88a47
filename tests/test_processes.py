"""Several app processes on one PostgreSQL database (issue 15): what one changes, the others show.

Three long-lived worker processes (tests/process_worker.py) draw the real pages with AppTest and
keep their Streamlit caches between commands, as app processes behind a proxy do. After each has
drawn the dashboard and the catalogue (caches filled), a catalogue change, a new target and a kept
clustering are made by another process, and an account is locked out through one of the workers;
the others show each change at their next page run. The README states the cache lifetime: none, a
page run reads the data versions (one small query) and recomputes what another process changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, _postgres_schema_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "mật-khẩu-đủ-dài"

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP)


class Worker:
    def __init__(self, url: str):
        env = {"DBI_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": "/tmp"}
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "process_worker.py")], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)

    def ask(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the worker process ended"
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def pg_url():
    yield from _postgres_schema_url()


def test_three_app_processes_show_what_another_one_changed(pg_url, dbi):
    import numpy as np

    from assessment import demo, frames
    from assessment.accounts import Accounts
    from assessment.catalogue_store import CatalogueStore
    from assessment.clustering import fit_clusters
    from assessment.department import Department
    from assessment.storage import Store

    store = Store.from_url(pg_url)
    accounts = Accounts(store)
    for name in ("lan", "minh", "hoa"):
        accounts.add(name, PASSWORD, role="admin")
    catalogue = CatalogueStore(store, dbi)
    catalogue.seed_if_empty()
    store.replace_demo(dbi, demo.generate(dbi, 60, seed=2, entries=catalogue.published()), catalogue.published())
    workers = [Worker(pg_url) for _ in range(3)]
    try:
        entry = catalogue.published()[0].id
        for w in workers:  # every process draws both pages once: its caches hold them now
            seen = w.ask(page="dashboard", user="lan", password=PASSWORD)
            assert seen["signed_in"] and not seen["exception"] and not seen["cluster_filter"]
            assert not any("Mục tiêu của ba tiến trình" in x for x in seen["targets"])
            listed = w.ask(page="catalogue", user="lan", password=PASSWORD)
            assert listed["status_of"][entry] == "đã công bố"

        # another process changes the catalogue, adds a target and keeps a clustering
        catalogue.set_status(entry, "retired", "minh")
        Department(store).save_target(dbi, metric="firms_assessed", value=100, year=2027,
                                      note="Mục tiêu của ba tiến trình", who="minh")
        now = frames.latest(frames.submitted_frame(store, dbi))
        pct = now[[f"{p.id}_points" for p in dbi.pillars]].to_numpy(dtype=float) / np.array(
            [p.max_points for p in dbi.pillars]) * 100
        model, _ = fit_clusters(dbi, pct, k=3)
        Department(store).keep_cluster_model(model, n_firms=len(now), who="minh")
        # and one worker takes five wrong passwords for "hoa": the account is locked everywhere
        for _ in range(5):
            assert not workers[0].ask(page="dashboard", user="hoa", password="sai-mật-khẩu-rồi")["signed_in"]

        for w in workers:
            seen = w.ask(page="dashboard", user="lan", password=PASSWORD)
            assert seen["cluster_filter"], "a clustering kept elsewhere filters this process's dashboard"
            assert any("Mục tiêu của ba tiến trình" in x for x in seen["targets"])
            assert w.ask(page="catalogue", user="lan", password=PASSWORD)["status_of"][entry] == "ngừng dùng"
            assert not w.ask(page="dashboard", user="hoa", password=PASSWORD)["signed_in"]  # locked
    finally:
        for w in workers:
            w.close()
        store.engine.dispose()
