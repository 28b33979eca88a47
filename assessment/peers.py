"""Peer benchmarks: where a firm stands among firms like it.

Peers are the other firms' latest submitted assessments of the same framework with the same
sector, size class and locality. When that group has fewer than MIN_PEERS firms it is widened,
first dropping the locality, then the size class (then the sector: the whole province), and the
result says which group was used. Percentiles are mid-rank: the share of peers below the firm plus
half of those level with it, so a firm in the middle scores 50.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.framework import Framework

MIN_PEERS = 5
WIDENING = (("sector", "size_class", "locality"), ("sector", "size_class"), ("sector",), ())


@dataclass(frozen=True)
class PeerResult:
    group: tuple[str, ...]  # the profile columns the peers share with the firm
    n_peers: int
    total_percentile: float
    pillar_percentiles: dict[str, float]


def percentile(value: float, others: np.ndarray) -> float:
    """Mid-rank percentile of ``value`` among ``others`` (0-100)."""
    if len(others) == 0:
        return float("nan")
    below = float((others < value).sum())
    equal = float((others == value).sum())
    return 100.0 * (below + equal / 2.0) / len(others)


def benchmark(fw: Framework, latest: pd.DataFrame, firm: dict, *, min_peers: int = MIN_PEERS) -> PeerResult | None:
    """Percentiles of one firm (a dict with firm_id, sector, size_class, locality, total and
    P1_points...) among its peers in ``latest`` (one row per firm). None when no peer exists."""
    others = latest[latest["firm_id"] != firm.get("firm_id")]
    for group in WIDENING:
        peers = others
        for col in group:
            peers = peers[peers[col] == firm[col]]
        if len(peers) >= min_peers or not group:
            break
    if len(peers) == 0:
        return None
    return PeerResult(
        group=group,
        n_peers=len(peers),
        total_percentile=round(percentile(firm["total"], peers["total"].to_numpy()), 1),
        pillar_percentiles={
            p.id: round(percentile(firm[f"{p.id}_points"], peers[f"{p.id}_points"].to_numpy()), 1) for p in fw.pillars
        },
    )
