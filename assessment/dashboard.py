"""Figures for the department's dashboard, computed with pandas before anything is plotted.

Input: ``Store.submitted_frame`` (every submitted assessment). The latest assessment of each firm
in the chosen period is the firm's state; the previous period gives the change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assessment.framework import Framework


@dataclass(frozen=True)
class Filters:
    localities: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    year: int | None = None  # assessment period (calendar year); None = all


def latest(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Each firm's latest submitted assessment within the filters."""
    f = frame
    if filters.year is not None:
        f = f[f["submitted_at"].dt.year == filters.year]
    if filters.localities:
        f = f[f["locality"].isin(filters.localities)]
    if filters.sectors:
        f = f[f["sector"].isin(filters.sectors)]
    if filters.sizes:
        f = f[f["size_class"].isin(filters.sizes)]
    return f.sort_values(["firm_id", "submitted_at"]).drop_duplicates("firm_id", keep="last")


@dataclass(frozen=True)
class Headline:
    firms: int
    level_share: dict[int, float]  # level -> share of firms (0..1)
    mean_total: float
    mean_pillar_percent: dict[str, float]
    previous_mean_total: float | None  # the year before, same filters


def headline(fw: Framework, frame: pd.DataFrame, filters: Filters) -> Headline:
    now = latest(frame, filters)
    shares = now["level"].value_counts(normalize=True).to_dict() if len(now) else {}
    pillar = {
        p.id: (100.0 * now[f"{p.id}_points"].mean() / p.max_points) if len(now) else 0.0 for p in fw.pillars
    }
    previous = None
    if filters.year is not None:
        before = latest(frame, Filters(filters.localities, filters.sectors, filters.sizes, filters.year - 1))
        previous = float(before["total"].mean()) if len(before) else None
    return Headline(len(now), {lv: float(shares.get(lv, 0.0)) for lv in range(fw.max_level + 1)},
                    float(now["total"].mean()) if len(now) else 0.0, pillar, previous)


def locality_pillar(fw: Framework, now: pd.DataFrame) -> pd.DataFrame:
    """Mean pillar percentage per locality (long format for a heatmap)."""
    rows = []
    for loc, group in now.groupby("locality"):
        for p in fw.pillars:
            rows.append({"locality": loc, "pillar": p.id,
                         "percent": round(100.0 * group[f"{p.id}_points"].mean() / p.max_points, 1),
                         "firms": len(group)})
    return pd.DataFrame(rows, columns=["locality", "pillar", "percent", "firms"])


def trend(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Mean total and firms assessed per year (each firm's latest assessment of that year)."""
    years = sorted(frame["submitted_at"].dt.year.unique().tolist()) if len(frame) else []
    rows = []
    for y in years:
        f = latest(frame, Filters(filters.localities, filters.sectors, filters.sizes, y))
        rows.append({"year": y, "firms": len(f), "mean_total": round(float(f["total"].mean()), 1) if len(f) else 0.0})
    return pd.DataFrame(rows, columns=["year", "firms", "mean_total"])
