"""Benchmark: the data of the "Platforms in use" page for 100,000 firms with inventories (issue 14).

Run from the project root:

    .venv/bin/python bench/bench_platforms.py [--firms 100000] [--db sqlite:////tmp/dbi-bench-platforms.sqlite3] [--postgres URL]

The database is filled once with the demo province (``python -m assessment demo``: each firm lists
the platforms it uses, more when more mature; ~35 % also have an assessment a year earlier, with
fewer) and reused while it holds that many firms. Each timed run is a fresh process (the code and
the province's reference data loaded first, as an app process has them from its first page): a new
engine, the published catalogue, then everything the page computes before drawing
(``inventory.read_adoption``: the narrow columns of every submitted assessment from the covering
index ``ix_assessments_department`` (frames.department_rows), every declared tool, each firm's
latest assessment, shares per entry and category, by area, users against non-users per size class
and sector, and recommended-against-adopted, which reads the criterion points of every firm's
earlier assessment and ranks the catalogue for it). Also reported: the figures alone, with the rows
and tools already read (what the page costs when the app has them cached). Prints a Markdown block to paste into bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def page_data(url: str) -> dict:
    from assessment import inventory
    from assessment.catalogue_store import CatalogueStore
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
    from assessment.storage import Store

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    # the province's reference data (communes, sector systems): an app process reads them once, for its
    # first page, long before the department opens this one
    from assessment.firms import localities, section_2025

    localities(), section_2025("A", "2018"), section_2025("A", "2025")
    t0 = time.perf_counter()
    store = Store.from_url(url)
    entries = CatalogueStore(store, fw).published()
    t_open = time.perf_counter() - t0
    rows, uses = inventory.read_tables(store, fw)  # as the app's data layer reads them
    t_frame = time.perf_counter() - t0 - t_open
    t1 = time.perf_counter()
    a = inventory.read_adoption(store, fw, entries, by="area", rows=rows, uses=uses)
    t_compute = time.perf_counter() - t1
    total = time.perf_counter() - t0
    store.engine.dispose()
    return {"total_s": total, "open_s": t_open, "frame_s": t_frame, "compute_s": t_compute,
            "assessments": len(rows), "tools": len(uses), "firms": a.n_firms, "declared": a.n_declared,
            "recommended": int(a.recommended["recommended"].sum()) if len(a.recommended) else 0,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(url: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", "--db", url], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ensure(url: str, firms: int) -> None:
    from sqlalchemy import func, select

    from assessment.models import FirmRow, PlatformUseRow
    from assessment.storage import Store

    store = Store.from_url(url)
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(FirmRow)).scalar_one()
        tools = conn.execute(select(func.count()).select_from(PlatformUseRow)).scalar_one()
    store.engine.dispose()
    if have != firms or tools == 0:
        print(f"# filling {url} with {firms:,} demo firms and their platforms (not timed)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", str(firms), "--seed", "1"],
                       check=True, env={**__import__("os").environ, "DBI_DATABASE_URL": url},
                       cwd=Path(__file__).resolve().parent.parent)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--db", default="sqlite:////tmp/dbi-bench-platforms.sqlite3")
    ap.add_argument("--postgres", help="also run against this PostgreSQL URL (filled the same way)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(page_data(args.db)))
        return
    from bench_scoring import machine

    urls = [args.db] + ([args.postgres] if args.postgres else [])
    lines = []
    for url in urls:
        _ensure(url, args.firms)
        _child(url)  # warm the file cache
        runs = [_child(url) for _ in range(args.repeat)]
        lines.append((url.split(":")[0], runs))
    first = lines[0][1][0]
    print(f"### Platforms in use benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {machine()}.")
    print(f"Data: demo province, {first['firms']:,} firms ({first['declared']:,} listed platforms), "
          f"{first['assessments']:,} submitted assessments, {first['tools']:,} declared tools; "
          f"{args.repeat} fresh processes each.\n")
    print("| database | page data, cold (median, best) | of which: engine and catalogue | assessment rows and "
          "tools | figures | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, runs in lines:
        med = statistics.median(r["total_s"] for r in runs)
        print(f"| {name} | {med:.2f} s ({min(r['total_s'] for r in runs):.2f} s) "
              f"| {statistics.median(r['open_s'] for r in runs):.2f} s "
              f"| {statistics.median(r['frame_s'] for r in runs):.2f} s "
              f"| {statistics.median(r['compute_s'] for r in runs):.2f} s "
              f"| {max(r['rss_mib'] for r in runs):.0f} MiB |")
    print()
    for name, runs in lines:
        med = statistics.median(r["total_s"] for r in runs)
        warm = statistics.median(r["compute_s"] for r in runs)
        print(f"- {name}: page data {med:.2f} s cold against <= 2 s: {'met' if med <= 2 else 'NOT met'}; "
              f"{warm:.2f} s with the rows and tools already cached by the app")


if __name__ == "__main__":
    main()
