"""Benchmark: the department's pages and a firm's results at national scale (issue 15).

Run from the project root, on a database filled with the demo (``python -m assessment demo
--firms N``; the benchmark does not fill it):

    .venv/bin/python bench/bench_scale.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench1m [--repeat 3]
    .venv/bin/python bench/bench_scale.py --db sqlite:////tmp/dbi-bench.sqlite3

Each figure comes from a fresh process (nothing cached, as a newly started app process):

- dashboard first render: the real dashboard page (AppTest), signed in as a viewer; the time of the
  run that draws it after the sign-in, then of a filter change (an area chosen), and the process's
  peak memory (RSS) at the end;
- the same for the page as it was before issue 15 (the whole frame of every submitted assessment in
  pandas: ``git show e04ed03:assessment/ui/dashboard_page.py``, with the pages' reads as they were at
  750dce8, ``assessment/ui/data.py``), the reference in the same run;
- a firm's results page with its peers (AppTest), peers counted by the database: the first of a new
  process, then another firm's (what later visitors wait for); the firm's view alone with peers
  counted by the database, against the same view with every firm's latest assessment read into a
  peer index (the earlier way, the reference);
- the whole province's CSV export (``python -m assessment export-firms``), the process's peak RSS;
- with a kept clustering (one is kept by the benchmark if the database has none): the dashboard's
  clusters filter (cluster 0 chosen after the area), and the clusters page (AppTest, automatic k)
  drawn after the sign-in in a fresh process with its peak memory; the reference for both is the
  code before the clusters were placed by the database (every firm's latest assessment with its
  criterion points in pandas, the clustering fitted on all of them: ``git show 750dce8``).

The app's own runs come first and the references last: those read every row (gigabytes at a million
firms) and push the app's indexes out of the database's and the system's caches, which no process
of the app does. Prints a Markdown block for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
USER, PASSWORD = "bench-viewer", "mật khẩu đo hiệu năng 2026"
OLD_PAGE = "e04ed03"  # the dashboard page before the database computed its figures
OLD_CLUSTERS = "750dce8"  # the clusters page and its data before they were fitted on a sample and placed by the database


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _page_script():
    import importlib
    import os

    import streamlit as st

    from assessment.ui import state

    st.session_state.setdefault("lang", "vi")
    state.pages("vi")
    if os.environ.get("BENCH_OLD_PAGE"):
        from bench_scale import old_page

        old_page(os.environ["BENCH_OLD_PAGE"], os.environ["BENCH_OLD_DATA"])()
    else:
        importlib.import_module(f"assessment.ui.{os.environ['BENCH_PAGE']}").render()


def old_page(page: str, data: str):
    """The render function of an earlier page's source, with the earlier pages' data module (the
    reads the page made then)."""
    import types

    old_data = types.ModuleType("old_data")
    exec(compile(open(data, encoding="utf-8").read(), "old_data", "exec"), old_data.__dict__)
    namespace = {"__name__": "old_page"}
    exec(compile(open(page, encoding="utf-8").read(), "old_page", "exec"), namespace)
    namespace["data"] = old_data
    return namespace["render"]


def _signed_in(url: str, page: str, old: str | None):
    """(AppTest of ``page`` after a viewer's sign-in, seconds the sign-in's run took) in this process;
    ``old``: "page source,data source" of the earlier code instead."""
    from streamlit.testing.v1 import AppTest

    os.environ["DBI_DATABASE_URL"], os.environ["BENCH_PAGE"] = url, page
    if old:
        os.environ["BENCH_OLD_PAGE"], os.environ["BENCH_OLD_DATA"] = old.split(",")
    at = AppTest.from_function(_page_script, default_timeout=1800).run()
    at.text_input(key="signin_user").input(USER)
    at.text_input(key="signin_password").input(PASSWORD)
    start = time.perf_counter()
    at.button(key="signin_button").click().run()
    took = time.perf_counter() - start
    assert not at.exception, at.exception
    return at, took


def dashboard(url: str, old: str | None) -> dict:
    at, first = _signed_in(url, "dashboard_page", old)
    firms = {m.label: m.value for m in at.metric}["Doanh nghiệp đã đánh giá"]
    start = time.perf_counter()
    at.multiselect(key="dash_area").select("SL-MC").run()  # Mộc Châu, a former district
    change = time.perf_counter() - start
    assert not at.exception, at.exception
    out = {"first_s": first, "change_s": change, "firms": firms}
    if any(m.key == "dash_clu" for m in at.multiselect):
        start = time.perf_counter()
        at.multiselect(key="dash_clu").select(0).run()
        out["cluster_s"] = time.perf_counter() - start
        assert not at.exception, at.exception
        out["cluster_firms"] = {m.label: m.value for m in at.metric}["Doanh nghiệp đã đánh giá"]
    return {**out, "rss_mib": _rss()}


def clusters(url: str, old: str | None) -> dict:
    """The clusters page (automatic k) drawn after the sign-in in a fresh process, and its peak RSS."""
    at, took = _signed_in(url, "clusters_page", old)
    groups = [e.label for e in at.expander if e.label[:1].isdigit()]
    assert len(groups) >= 2, groups
    return {"s": took, "rss_mib": _rss(), "k": len(groups), "groups": groups}


def keep_a_clustering(url: str) -> dict:
    """Keep a clustering (fitted as the clusters page fits one) if the database has none."""
    from assessment import province_clusters
    from assessment.config import settings
    from assessment.department import Department
    from assessment.framework import get_framework
    from assessment.storage import Store

    store = Store.from_url(url)
    fw = get_framework(settings().default_framework)
    dept = Department(store)
    if dept.cluster_model(fw) is None:
        found = province_clusters.build(store, fw)
        dept.keep_cluster_model(found.model, n_firms=found.fitted_on, who="bench")
    store.engine.dispose()
    return {}


def _results_script():
    import streamlit as st

    from assessment.ui import results_page, state

    st.session_state.setdefault("lang", "vi")
    state.pages("vi")
    results_page.render()


def results(url: str, first_id: int, then_id: int) -> dict:
    """Results pages in a fresh process: a first run without an assessment (the app's code loaded),
    then a firm's results (the first of the process: framework files read, the PDF library loaded,
    the catalogue and kept clustering read), then another firm's (what every later visitor waits
    for: peers counted for that firm, nothing of it cached), each timed."""
    from streamlit.testing.v1 import AppTest

    os.environ["DBI_DATABASE_URL"] = url
    at = AppTest.from_function(_results_script, default_timeout=600).run()
    assert not at.exception, at.exception
    took = []
    for assessment_id in (first_id, then_id):
        at.session_state["assessment_id"] = assessment_id
        start = time.perf_counter()
        at.run()
        took.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        assert "So với các doanh nghiệp tương tự" in [s.value for s in at.subheader]
    return {"first_s": took[0], "s": took[1], "rss_mib": _rss()}


def results_view(url: str, first_id: int, then_id: int, index: bool) -> dict:
    """The firm's view alone (roadmap, recommendations, peers, history) for the second firm after
    the first, peers counted by the database (``index`` False, as the page does) or from an index
    of every firm's latest assessment read into memory (True: the earlier way, the reference)."""
    from assessment import firm_view
    from assessment.framework import get_framework
    from assessment.storage import Store

    store = Store.from_url(url)
    fw = get_framework(store.get(first_id).framework_key)
    firm_view.view(fw, store.get(first_id), firm_view.Context.read(store, fw, index_peers=index))
    start = time.perf_counter()
    record = store.get(then_id)
    view = firm_view.view(fw, record, firm_view.Context.read(store, fw, index_peers=index))
    took = time.perf_counter() - start
    assert view.peers is not None
    return {"s": took, "rss_mib": _rss()}


def _child(kind: str, url: str, arg: str = "") -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--db", url, "--arg", arg], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export(url: str, path: Path) -> dict:
    """The whole province's firm table as CSV by the CLI, in a fresh process: time and peak RSS."""
    env = {**os.environ, "DBI_DATABASE_URL": url}
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "assessment", "export-firms", str(path)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    rss_kib = int(done.stderr.strip().splitlines()[-1])
    with open(path, encoding="utf-8-sig") as f:
        rows = sum(1 for _ in f) - 1
    return {"s": took, "rss_mib": rss_kib / 1024, "rows": rows, "mib": path.stat().st_size / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true", help="skip the whole-frame reference runs")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--arg", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        out = {"dashboard": lambda: dashboard(args.db, args.arg or None),
               "clusters": lambda: clusters(args.db, args.arg or None),
               "results": lambda: results(args.db, *map(int, args.arg.split(","))),
               "view": lambda: results_view(args.db, *map(int, args.arg.split(",")), index=False),
               "view_indexed": lambda: results_view(args.db, *map(int, args.arg.split(",")), index=True),
               "keep": lambda: keep_a_clustering(args.db)}[args.child]()
        print(json.dumps(out))
        return

    from sqlalchemy import func, select

    from assessment.accounts import Accounts
    from assessment.models import SUBMITTED, AssessmentRow
    from assessment.storage import Store
    from bench_scoring import machine

    store = Store.from_url(args.db)  # migrated here, before anything is timed
    accounts = Accounts(store)
    if USER not in {u.username for u in accounts.list()}:
        accounts.add(USER, PASSWORD, role="viewer")
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).where(AssessmentRow.status == SUBMITTED)).scalar_one()
        firms = conn.execute(select(func.count()).where(AssessmentRow.latest == 1)).scalar_one()
        ids = conn.execute(select(AssessmentRow.id).where(AssessmentRow.latest == 1)
                           .order_by(AssessmentRow.id).limit(args.repeat * 100)).scalars().all()
        sample = [f"{ids[k]},{ids[k + 50]}" for k in range(0, len(ids) - 50, 100)]
    store.engine.dispose()
    # in a process of its own: a child started by this process would report this one's peak memory
    # as its own (Linux keeps the larger peak across fork and exec), and the fit takes 300 MiB
    _child("keep", args.db)
    old = Path("/tmp") / f"dbi-dashboard-page-{OLD_PAGE}.py"
    old.write_bytes(subprocess.run(["git", "show", f"{OLD_PAGE}:assessment/ui/dashboard_page.py"], cwd=ROOT,
                                   capture_output=True, check=True).stdout)
    old_clusters = []
    for name in ("clusters_page", "data"):
        path = Path("/tmp") / f"dbi-{name}-{OLD_CLUSTERS}.py"
        path.write_bytes(subprocess.run(["git", "show", f"{OLD_CLUSTERS}:assessment/ui/{name}.py"], cwd=ROOT,
                                        capture_output=True, check=True).stdout)
        old_clusters.append(str(path))
    med = statistics.median
    # the app's own runs first, the references (which read every row, gigabytes at a million firms,
    # pushing the app's indexes out of the database's and the system's caches) after them
    new = [_child("dashboard", args.db) for _ in range(args.repeat)]
    res = [_child("results", args.db, pair) for pair in sample]
    views = [_child("view", args.db, pair) for pair in sample]
    clu = [_child("clusters", args.db) for _ in range(args.repeat)]
    exported = _export(args.db, Path("/tmp/dbi-bench-export.csv"))
    ref = [] if args.no_reference else [_child("dashboard", args.db, f"{old},{old_clusters[1]}")
                                        for _ in range(args.repeat)]
    views_ref = [] if args.no_reference else [_child("view_indexed", args.db, pair) for pair in sample]
    clu_ref = [] if args.no_reference else [_child("clusters", args.db, ",".join(old_clusters))
                                            for _ in range(max(1, args.repeat // 3))]
    kind = args.db.split(":")[0].split("+")[0]
    print(f"### National scale, {kind} ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {machine()}. {firms:,} firms, {n:,} submitted assessments; each figure from a fresh "
          f"process, medians of {args.repeat}.\n")
    print("| what | now | before (whole frame) | goal |")
    print("|---|---|---|---|")

    def row(label, values, refs, key, goal, unit="s"):
        now = med(v[key] for v in values)
        before = f"{med(v[key] for v in refs):.2f} {unit}" if refs else "not run"
        if goal is None:
            verdict = "no goal in the issue" + (f" ({med(v[key] for v in refs) / now:.0f}x less)" if refs else "")
        else:
            verdict = f"<= {goal} {unit}: {'met' if now <= goal else 'NOT met'}"
        print(f"| {label} | {now:.2f} {unit} | {before} | {verdict} |")

    row("dashboard first render (after sign-in)", new, ref, "first_s", 3)
    row("dashboard filter change (an area)", new, ref, "change_s", 1)
    row("dashboard clusters filter (cluster 0, after the area; a filter change)", new, ref, "cluster_s", 1)
    row("dashboard process peak memory", new, ref, "rss_mib", 600, "MiB")
    row("clusters page first render (automatic k, after sign-in)", clu, clu_ref, "s", None)
    row("its process's peak memory", clu, clu_ref, "rss_mib", 600, "MiB")
    row("results page with peers (a firm's, after another's in the process)", res, [], "s", 1)
    row("the same, the first results page of a new process", res, [], "first_s", 1)
    row("a firm's view alone (roadmap, recommendations, peers, history)", views, views_ref, "s", 1)
    row("its process's peak memory", views, views_ref, "rss_mib", 600, "MiB")
    print(f"| CSV export of every firm ({exported['rows']:,} rows, {exported['mib']:.0f} MiB, "
          f"{exported['s']:.0f} s) peak memory | {exported['rss_mib']:.0f} MiB | | <= 300 MiB: "
          f"{'met' if exported['rss_mib'] <= 300 else 'NOT met'} |")
    print(f"\nFirms shown: {new[0]['firms']}" + (f" (before: {ref[0]['firms']})" if ref else "")
          + f"; in cluster 0 after the area: {new[0].get('cluster_firms')}"
          + (f" (before: {ref[0].get('cluster_firms')})" if ref else ""))
    print(f"Clusters page: {clu[0]['groups']}" + (f"; before: {clu_ref[0]['groups']}" if clu_ref else ""))
    print("(the clusters page's reference ran once per three runs of ours: it takes minutes at a million firms)")


if __name__ == "__main__":
    main()
