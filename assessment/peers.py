"""Peer benchmarks: where a firm stands among firms like it.

Peers are the other firms' latest submitted assessments of the same framework with the same
sector (VSIC 2025 section, 2018 letters mapped at section level), size class (household businesses
are their own class) and commune or ward. When that group has fewer than MIN_PEERS firms it is
widened: the commune's area (its former district) instead of the commune, then the whole
province, then the sector alone, then every firm; the result says which group was used. Percentiles are mid-rank: the share of peers below the firm plus
half of those level with it, so a firm in the middle scores 50.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.framework import Framework

MIN_PEERS = 5
WIDENING = (("section", "size_class", "locality"), ("section", "size_class", "area"), ("section", "size_class"),
            ("section",), ())


def firm_of(record) -> dict:
    """A submitted assessment (assessment.storage.AssessmentRecord) as the peer groups read it: the
    same columns as a row of frames.latest_frame."""
    from assessment.firms import localities, section_2025

    profile, result = record.profile, record.result
    unit = localities().get(profile.locality)
    return {"firm_id": record.firm_id, "section": section_2025(profile.sector, profile.sector_version),
            "size_class": profile.size_class.id, "locality": profile.locality,
            "area": unit.area if unit is not None else profile.locality, "total": result.total,
            **{f"{p.id}_points": p.points for p in result.pillars}}


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


class PeerIndex:
    """The same percentiles as :func:`benchmark` for many firms: each peer group's values sorted once,
    so a firm costs a few binary searches instead of filtering the whole table (bulk scorecards)."""

    def __init__(self, fw: Framework, latest: pd.DataFrame, *, min_peers: int = MIN_PEERS):
        self.fw, self.min_peers = fw, min_peers
        self.columns = ["total"] + [f"{p.id}_points" for p in fw.pillars]
        values = latest[self.columns].to_numpy(dtype=np.float64)
        self._row_of = {int(f): i for i, f in enumerate(latest["firm_id"].to_numpy())}
        self._keys = {col: latest[col].to_numpy() for col in ("section", "size_class", "locality", "area")}
        self._values = values
        self._groups: dict[tuple, dict[tuple, np.ndarray]] = {}
        for group in WIDENING:
            if group:
                grouped = latest.groupby(list(group), sort=False).indices
                self._groups[group] = {
                    (k if isinstance(k, tuple) else (k,)): np.sort(values[idx], axis=0) for k, idx in grouped.items()
                }
            else:
                self._groups[group] = {(): np.sort(values, axis=0)}

    def benchmark(self, firm: dict) -> PeerResult | None:
        own_row = self._row_of.get(int(firm.get("firm_id", -1)) if firm.get("firm_id") is not None else -1)
        wanted = np.array([firm[c] for c in self.columns], dtype=np.float64)
        for group in WIDENING:
            key = tuple(firm[c] for c in group)
            sorted_vals = self._groups[group].get(key)
            n = 0 if sorted_vals is None else len(sorted_vals)
            inside = own_row is not None and all(self._keys[c][own_row] == firm[c] for c in group)
            if inside:
                n -= 1
            if n >= self.min_peers or not group:
                break
        if n <= 0:
            return None
        below = np.array([np.searchsorted(sorted_vals[:, j], wanted[j], "left") for j in range(len(wanted))], float)
        upto = np.array([np.searchsorted(sorted_vals[:, j], wanted[j], "right") for j in range(len(wanted))], float)
        equal = upto - below
        if inside:
            own = self._values[own_row]
            below -= own < wanted
            equal -= own == wanted
        pct = [round(float(v), 1) for v in 100.0 * (below + equal / 2.0) / n]  # as benchmark() rounds
        return PeerResult(group=group, n_peers=n, total_percentile=pct[0],
                          pillar_percentiles={p.id: pct[1 + k] for k, p in enumerate(self.fw.pillars)})


def _group_conditions(fw: Framework, firm: dict, group: tuple[str, ...]) -> list:
    """A peer group as conditions on the stored columns: the section as the (sector, VSIC version)
    pairs it maps from, the area as its units' codes (a former district is its own area)."""
    from sqlalchemy import tuple_

    from assessment.firms import localities, section_2025, sectors
    from assessment.models import AssessmentRow as a

    out = []
    for col in group:
        if col == "section":
            pairs = [(c, v) for v in ("2018", "2025") for c in sectors(v) if section_2025(c, v) == firm["section"]]
            out.append(tuple_(a.sector, a.sector_version).in_(pairs or [(firm["section"], "2025")]))
        elif col == "area":
            codes = {code for code, unit in localities().items() if unit.area == firm["area"]} | {firm["area"]}
            out.append(a.locality.in_(sorted(codes)))
        else:
            out.append(getattr(a, col) == firm[col])
    return out


def benchmark_stored(store, fw: Framework, firm: dict, *, min_peers: int = MIN_PEERS) -> PeerResult | None:
    """:func:`benchmark` counted by the database over the rows flagged ``latest`` (each firm's
    latest assessment, assessment.states): a count per widening step until a group is big enough,
    then one pass over that group's rows for the counts below and level with the firm. Nothing of
    the province is held in memory; the groups are ranges of the partial index ix_assessments_latest."""
    from sqlalchemy import case, func, select

    from assessment.models import PILLAR_COLUMNS
    from assessment.models import AssessmentRow as a

    base = [a.framework_id == fw.id, a.framework_version == fw.version, a.latest == 1]
    if firm.get("firm_id") is not None:
        base.append(a.firm_id != int(firm["firm_id"]))
    columns = [a.total] + [getattr(a, name) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    wanted = [firm["total"]] + [firm[f"{p.id}_points"] for p in fw.pillars]
    with store.engine.connect() as conn:
        for group in WIDENING:
            where = base + _group_conditions(fw, firm, group)
            n = conn.execute(select(func.count()).where(*where)).scalar_one()
            if n >= min_peers or not group:
                break
        if n == 0:
            return None
        counts = conn.execute(select(*[func.sum(case((c < v, 1.0), (c == v, 0.5), else_=0.0))
                                       for c, v in zip(columns, wanted)]).where(*where)).one()
    pct = [round(100.0 * float(k) / n, 1) for k in counts]
    return PeerResult(group=group, n_peers=int(n), total_percentile=pct[0],
                      pillar_percentiles={p.id: pct[1 + k] for k, p in enumerate(fw.pillars)})
