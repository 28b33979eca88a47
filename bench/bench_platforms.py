"""Benchmark: the data of the "Platforms in use" page (issues 14 and 15).

Run from the project root:

    .venv/bin/python bench/bench_platforms.py [--firms 100000] [--db sqlite:////tmp/dbi-bench-platforms.sqlite3] [--postgres URL]

The database is filled once with the demo province (``python -m assessment demo``: each firm lists
the platforms it uses, more when more mature; ~35 % also have an assessment a year earlier, with
fewer) and reused while it holds that many firms. Each timed run is a fresh process (the code and
the province's reference data loaded first, as an app process has them from its first page): a new
engine, the published catalogue, then everything the page computes before drawing, by two paths
in the same run:

- ``kept`` (what the page does): ``inventory.read_adoption``, from the counts every write keeps
  (assessment.platform_cells): one read of a few thousand rows, then the figures;
- ``rows`` (the reference, the page's path before): ``inventory.frame_adoption``, the narrow columns
  of every submitted assessment and every declared tool read into the process, then the figures.

Both give the same figures (checked here on the first run: every breakdown). Prints a Markdown
block to paste into bench/README.md.
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


def page_data(url: str, path: str, check: bool = False) -> dict:
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
    read = inventory.read_adoption if path == "kept" else inventory.frame_adoption
    a = read(store, fw, entries, by="area")
    total = time.perf_counter() - t0
    out = {"total_s": total, "open_s": t_open, "figures_s": total - t_open, "firms": a.n_firms,
           "declared": a.n_declared, "entries": len(a.by_entry),
           "recommended": int(a.recommended["recommended"].sum()) if len(a.recommended) else 0,
           "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if check:  # both paths, every breakdown: the same figures
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from conftest import assert_same_adoption

        assert_same_adoption(store, fw, entries, years=False)
        out["checked"] = True
    store.engine.dispose()
    return out


def _child(url: str, path: str, check: bool = False) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", path, "--db", url] + (["--check"] if check else []),
                          capture_output=True, text=True, check=True)
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
    ap.add_argument("--no-fill", action="store_true", help="use the database as it is (a national one filled apart)")
    ap.add_argument("--child", choices=["kept", "rows"], help=argparse.SUPPRESS)
    ap.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(page_data(args.db, args.child, args.check)))
        return
    from bench_scoring import machine

    urls = [args.db] + ([args.postgres] if args.postgres else [])
    lines = []
    for url in urls:
        if not args.no_fill:
            _ensure(url, args.firms)
        _child(url, "kept", check=True)  # the same figures both ways; warms the file cache
        for path in ("kept", "rows"):
            lines.append((url.split(":")[0], path, [_child(url, path) for _ in range(args.repeat)]))
    first = lines[0][2][0]
    print(f"### Platforms in use benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {machine()}.")
    print(f"Data: demo province, {first['firms']:,} firms ({first['declared']:,} listed platforms, "
          f"{first['entries']} catalogue entries in use); {args.repeat} fresh processes per path; both paths "
          "checked to give the same figures.\n")
    print("| database | path | page data, cold (median, best) | of which: engine and catalogue | figures | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, path, runs in lines:
        med = statistics.median(r["total_s"] for r in runs)
        print(f"| {name} | {path} | {med:.2f} s ({min(r['total_s'] for r in runs):.2f} s) "
              f"| {statistics.median(r['open_s'] for r in runs):.2f} s "
              f"| {statistics.median(r['figures_s'] for r in runs):.2f} s "
              f"| {max(r['rss_mib'] for r in runs):.0f} MiB |")
    print()
    for k in range(0, len(lines), 2):
        (name, _, kept), (_, _, rows) = lines[k], lines[k + 1]
        a, b = statistics.median(r["total_s"] for r in kept), statistics.median(r["total_s"] for r in rows)
        print(f"- {name}: page data {a:.2f} s cold from the kept counts against {b:.2f} s from every row "
              f"({b / a:.0f} times faster); <= 2 s: {'met' if a <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
