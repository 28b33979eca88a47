"""Roadmaps and recommendations for a whole province at once, using both cores.

The two computations are independent given the firms' points, so for large inputs they run in
two worker processes side by side; small inputs run in this process (starting workers would
cost more than it saves).
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from assessment.catalogue import Entry
from assessment.framework import Framework
from assessment.recommend import Ranking, rank_many
from assessment.roadmap import Roadmaps, roadmaps_many

PARALLEL_FROM = 20_000  # firms; below this one process is faster


@dataclass(frozen=True)
class Plan:
    roadmaps: Roadmaps
    ranking: Ranking


def _roadmaps(fw: Framework, points: np.ndarray) -> Roadmaps:
    return roadmaps_many(fw, points)


def _ranking(fw, entries, points, sizes, sectors, top) -> Ranking:
    return rank_many(fw, entries, points, size_classes=sizes, sectors=sectors, top=top)


def plan_many(
    fw: Framework,
    entries: Sequence[Entry],
    points: np.ndarray,
    *,
    size_classes: Sequence[str | None] | None = None,
    sectors: Sequence[str | None] | None = None,
    top: int = 5,
    workers: int | None = None,
) -> Plan:
    """Every firm's roadmap to its next level and its ranked recommendations.

    ``workers``: 2 runs the two parts in parallel processes, 1 in this process; by default 2 from
    PARALLEL_FROM firms on a machine with at least 2 cores.
    """
    points = np.asarray(points, dtype=np.int16)
    if workers is None:
        workers = 2 if len(points) >= PARALLEL_FROM and (mp.cpu_count() or 1) >= 2 else 1
    if workers < 2:
        return Plan(_roadmaps(fw, points), _ranking(fw, entries, points, size_classes, sectors, top))
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("fork")) as pool:
        roads = pool.submit(_roadmaps, fw, points)
        ranking = pool.submit(_ranking, fw, list(entries), points, size_classes, sectors, top)
        return Plan(roads.result(), ranking.result())
