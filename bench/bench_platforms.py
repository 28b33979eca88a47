"""Benchmark: the data of the "Platforms in use" page for 100,000 firms with inventories (issue 14).

Run from the project root:

    .venv/bin/python bench/bench_platforms.py [--firms 100000] [--db sqlite:////tmp/dbi-bench-platforms.sqlite3] [--postgres URL]

The database is filled once with the demo province (``python -m assessment demo``: each firm lists
the platforms it uses, more when more mature; ~35 % also have an assessment a year earlier, with
fewer) and reused while it holds that many firms. Each timed run is a fresh process (the code and
the province's reference data loaded first, as an app process has them from its first page): a new
engine, the published catalogue, then everything the page computes before drawing
(``inventory.read_adoption``: each firm's latest assessment, shares per entry and category, by area,
users against non-users per size class and sector, recommended-against-adopted with each firm's
assessment before its latest, Make in Vietnam), then, timed apart, the catalogue page's firms per
entry now and per year. Two paths, alternated in the same run:

- page: what the app does today: the rows flagged as each firm's latest (assessment.states) and
  only their tools, the earlier assessments of those firms; the catalogue's counts by GROUP BY;
- reference: what it did before: every submitted assessment (frames.department_rows) and every
  declared tool into pandas, each firm's latest worked out there.

Prints a Markdown block to paste into bench/README.md.
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


def page_data(url: str, mode: str = "page") -> dict:
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
    if mode == "page":  # the page today: each firm's flagged rows and their tools (assessment.states)
        a = inventory.read_adoption(store, fw, entries, by="area")
        n_rows, n_tools, t_frame = a.n_firms, None, None
        t1 = time.perf_counter()
        usage = inventory.read_entry_usage(store, fw)  # the catalogue page's counts
    else:  # the reference: every submitted assessment and every tool into pandas, then the figures
        from assessment import frames

        rows, uses = inventory.read_tables(store, fw)
        t_frame = time.perf_counter() - t0 - t_open
        a = inventory.read_adoption(store, fw, entries, by="area", rows=rows, uses=uses)
        n_rows, n_tools = len(rows), len(uses)
        t1 = time.perf_counter()
        usage = inventory.entry_usage(frames.submitted_frame(store, fw), uses)
    t_usage = time.perf_counter() - t1
    total = t1 - t0
    store.engine.dispose()
    return {"total_s": total, "open_s": t_open, "frame_s": t_frame, "usage_s": t_usage,
            "assessments": n_rows, "tools": n_tools, "firms": a.n_firms, "declared": a.n_declared,
            "entries_used": len(usage.now),
            "recommended": int(a.recommended["recommended"].sum()) if len(a.recommended) else 0,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(url: str, mode: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", mode, "--db", url], capture_output=True, text=True,
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
    ap.add_argument("--child", choices=["page", "reference"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(page_data(args.db, args.child)))
        return
    from bench_scoring import machine

    urls = [args.db] + ([args.postgres] if args.postgres else [])
    lines = []
    for url in urls:
        _ensure(url, args.firms)
        _child(url, "page")  # warm the file cache
        for mode in ("page", "reference"):  # alternated, so a slower spell of the machine hits both
            lines.append((url.split(":")[0], mode, []))
        for _ in range(args.repeat):
            for k, mode in enumerate(("page", "reference")):
                lines[-2 + k][2].append(_child(url, mode))
    ref = next(runs[0] for _, mode, runs in lines if mode == "reference")
    print(f"### Platforms in use benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {machine()}.")
    print(f"Data: demo province, {ref['firms']:,} firms ({ref['declared']:,} listed platforms), "
          f"{ref['assessments']:,} submitted assessments, {ref['tools']:,} declared tools; "
          f"{args.repeat} fresh processes per path, the two paths alternated.\n")
    print("| database | path | page data, cold (median, best) | of which: engine and catalogue | catalogue page's "
          "counts per entry and year | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, mode, runs in lines:
        med = statistics.median(r["total_s"] for r in runs)
        label = "flagged rows (the page)" if mode == "page" else "every assessment into pandas (before)"
        print(f"| {name} | {label} | {med:.2f} s ({min(r['total_s'] for r in runs):.2f} s) "
              f"| {statistics.median(r['open_s'] for r in runs):.2f} s "
              f"| {statistics.median(r['usage_s'] for r in runs):.2f} s "
              f"| {max(r['rss_mib'] for r in runs):.0f} MiB |")
    print()
    for name, mode, runs in lines:
        if mode != "page":
            continue
        med = statistics.median(r["total_s"] for r in runs)
        before = statistics.median(r["total_s"] for n, m, rs in lines if n == name and m == "reference" for r in rs)
        print(f"- {name}: page data {med:.2f} s cold against <= 2 s: {'met' if med <= 2 else 'NOT met'} "
              f"({before / med:.1f}x faster than every assessment into pandas, {before:.2f} s, same run)")


if __name__ == "__main__":
    main()
