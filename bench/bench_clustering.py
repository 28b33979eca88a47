"""Benchmark: clustering firms by maturity with the number of clusters chosen automatically (issue 4).

Run from the project root:

    .venv/bin/python bench/bench_clustering.py [--sizes 100000 1000000] [--full-silhouette-max 100000]

Each size runs in its own process, so its peak memory is its own. In each:
- ours: ``assessment.clustering.fit_clusters`` with k chosen automatically (silhouette on a
  5,000-firm sample for k = 2..8, KMeans below 200,000 firms and MiniBatchKMeans above, then 5
  bootstrap refits for the stability), on the pillar percentages of synthetic demo firms;
- reference: scikit-learn ``KMeans(n_clusters=k)`` with its default settings on the same matrix,
  k being the one ours chose; the agreement of the two partitions is reported (adjusted Rand);
- reference: the same automatic choice done plainly, KMeans with default settings for each k = 2..8
  scored by the silhouette on a 5,000-firm sample (no bootstrap, no stability);
- reference: the silhouette of our clusters on the full data (every pair of firms), where the
  size allows (--full-silhouette-max), against the sampled estimate ours used.
Prints a Markdown block to paste into bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def one_size(n: int, full_silhouette_max: int, seed: int) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    from assessment import demo
    from assessment.clustering import fit_clusters
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
    from assessment.scoring import score_codes

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    x = score_codes(fw, demo.answer_matrix(fw, n, seed=seed)).pillar_percent.astype("float64")
    t = time.perf_counter()
    model, labels = fit_clusters(fw, x)
    ours = time.perf_counter() - t
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    ref = KMeans(n_clusters=model.k).fit(x)
    ref_time = time.perf_counter() - t
    # the same automatic choice done plainly: KMeans defaults for each k, silhouette on the same sample size
    import numpy as np

    sample = np.random.default_rng(0).choice(n, size=min(n, 5_000), replace=False)
    t = time.perf_counter()
    plain = max(range(2, 9), key=lambda kk: silhouette_score(x[sample], KMeans(n_clusters=kk).fit(x).labels_[sample]))
    plain_time = time.perf_counter() - t
    out = {
        "plain_auto_s": plain_time, "plain_auto_k": plain,
        "n": n, "k": model.k, "ours_s": ours, "silhouette_sample": model.silhouette, "stability": model.stability,
        "names": model.names_en, "kmeans_s": ref_time, "ari_vs_kmeans": float(adjusted_rand_score(labels, ref.labels_)),
        "rss_ours_mib": rss_ours,
    }
    if n <= full_silhouette_max:
        t = time.perf_counter()
        out["silhouette_full"] = float(silhouette_score(x, labels))
        out["silhouette_full_s"] = time.perf_counter() - t
    out["rss_end_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--full-silhouette-max", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.full_silhouette_max, args.seed)))
        return
    from bench_scoring import machine

    rows = []
    for n in args.sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(n), "--full-silhouette-max",
                               str(args.full_silhouette_max), "--seed", str(args.seed)],
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"# {n:,} firms done", file=sys.stderr)
    goals = {100_000: 10.0, 1_000_000: 60.0}
    print(f"### Clustering benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {machine()}.")
    print(f"Data: pillar percentages of synthetic demo firms (assessment.demo.answer_matrix, seed {args.seed}), "
          "dbi-2021-sme@2021, 6 pillars.\n")
    print("| firms | ours: auto k (k, sampled silhouette, stability) | plain auto k: KMeans default k=2..8 "
          "| KMeans default, same k | agreement (ARI) | full silhouette (time) | peak RSS ours / whole run |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        full = (f"{r['silhouette_full']:.4f} ({r['silhouette_full_s']:.1f} s)" if "silhouette_full" in r
                else "not run: every pair of firms, out of reach")
        print(f"| {r['n']:,} | {r['ours_s']:.2f} s (k={r['k']}, {r['silhouette_sample']:.4f}, {r['stability']:.3f}) "
              f"| {r['plain_auto_s']:.2f} s (k={r['plain_auto_k']}) | {r['kmeans_s']:.2f} s | {r['ari_vs_kmeans']:.3f} "
              f"| {full} | {r['rss_ours_mib']:.0f} / {r['rss_end_mib']:.0f} MiB |")
    print()
    for r in rows:
        goal = goals.get(r["n"])
        if goal:
            met = r["ours_s"] <= goal and (r["n"] < 1_000_000 or r["rss_ours_mib"] <= 2048)
            print(f"- {r['n']:,} firms: {r['ours_s']:.2f} s against <= {goal:.0f} s"
                  f"{' and <= 2 GB (' + format(r['rss_ours_mib'], '.0f') + ' MiB)' if r['n'] >= 1_000_000 else ''}: "
                  f"{'met' if met else 'NOT met'}; clusters: {'; '.join(r['names'])}")


if __name__ == "__main__":
    main()
