"""The clusters page's figures at any scale: the clustering is fitted on a random sample of the
firms (all of them up to FIT_SAMPLE), then every firm is placed by the database.

A few tens of thousands of firms fix the centres of a handful of clusters to well within a point
of a percentage; fitting a million takes half a minute and holding their criterion points 2.4 GB.
So: of each firm's latest submitted assessment (the rows flagged ``latest``, assessment.states) the
database picks a seeded random sample (frames.latest_sample), which is read with its criterion
points; the clustering (assessment.clustering) is fitted on it, and then, for a clustering by
pillars, the database
places every firm and adds the clusters up (aggregates.cluster_of: the same exact integers as
ClusterModel.place, so the page, the dashboard's clusters filter and a firm's results page agree).
A clustering by components needs every criterion's points, which the database keeps as text: its
figures are those of the sample, and the page says so when the sample is not every firm.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sqlalchemy import func, or_, select

from assessment import aggregates, clustering, frames
from assessment.framework import Framework
from assessment.models import PILLAR_COLUMNS, AssessmentRow, FirmRow

FIT_SAMPLE = 20_000  # firms the clustering is fitted on (every firm up to this many)
CATEGORY_SAMPLE = 20_000  # firms of the sample whose recommendations are counted per cluster
CELLS = ["cluster", "level", "sector", "locality"]
LIST_COLUMNS = ["name", "tax_code", "locality", "total", "level"]


class TooFewFirms(ValueError):
    """More clusters asked for than the firms can form (at most one fewer than the firms)."""

    def __init__(self, k: int, firms: int):
        super().__init__(f"{k} clusters need at least {k + 1} firms; there are {firms}")
        self.k, self.firms = k, firms


@dataclass(frozen=True)
class ProvinceClusters:
    model: clustering.ClusterModel
    firms: int  # firms with a submitted assessment (their latest one each)
    sample: pd.DataFrame  # the firms fitted on (frames.submitted_frame columns + "cluster"), random order
    sample_points: np.ndarray  # their criterion points
    cells: pd.DataFrame  # firms (and sums of total and pillar points) per cluster x level x sector x locality
    every_firm: bool  # cells count every firm (else the sample's)

    @property
    def fitted_on(self) -> int:
        return len(self.sample)

    def sizes(self) -> np.ndarray:
        by = self.cells.groupby("cluster")["firms"].sum()
        return np.array([int(by.get(c, 0)) for c in range(self.model.k)])

    def pillar_percent(self, fw: Framework) -> tuple[np.ndarray, np.ndarray]:
        """Mean pillar percentages: (k, n_pillars) per cluster, and (n_pillars,) of all firms."""
        maxima = np.array([p.max_points for p in fw.pillars], dtype=np.float64)
        ids = [p.id for p in fw.pillars]
        by = self.cells.groupby("cluster")[["firms", *ids]].sum().reindex(range(self.model.k), fill_value=0)
        n = np.maximum(by["firms"].to_numpy(dtype=np.float64), 1.0)
        per = 100.0 * by[ids].to_numpy(dtype=np.float64) / n[:, None] / maxima
        whole = 100.0 * by[ids].to_numpy(dtype=np.float64).sum(axis=0) / max(float(by["firms"].sum()), 1.0) / maxima
        return per, whole

    def levels(self) -> pd.DataFrame:
        """Firms per cluster (rows) and level (columns)."""
        return self.cells.pivot_table(index="cluster", columns="level", values="firms", aggfunc="sum", fill_value=0)

    def top(self, by: str, cluster: int, n: int = 3) -> list[tuple[str, int]]:
        """The ``n`` commonest values of ``by`` (sector or locality) in the cluster, with their firms."""
        mine = self.cells[self.cells["cluster"] == cluster].groupby(by)["firms"].sum()
        mine = mine[mine > 0].sort_values(ascending=False, kind="stable")
        return [(str(k), int(v)) for k, v in mine.head(n).items()]


def features_of(fw: Framework, rows: pd.DataFrame, points: np.ndarray, features: str) -> np.ndarray:
    return (clustering.component_percent_of(fw, points) if features == "components"
            else clustering.pillar_percent_of(fw, rows))


def labels_of(fw: Framework, model: clustering.ClusterModel, rows: pd.DataFrame, points: np.ndarray) -> np.ndarray:
    """Each row's cluster: by the database's exact placement for a clustering by pillars, else the
    nearest centre of its component percentages."""
    if model.features == [p.id for p in fw.pillars]:
        return model.place([p.max_points for p in fw.pillars], rows[[f"{p.id}_points" for p in fw.pillars]].to_numpy())
    return model.predict(clustering.component_percent_of(fw, points))


def build(store, fw: Framework, *, k: int | None = None, features: str = "pillars",
          sample: int | None = None) -> ProvinceClusters | None:
    """The clusters of the province's firms, fitted on ``sample`` of them (FIT_SAMPLE when None);
    None with fewer than 3."""
    firms, rows, points = frames.latest_sample(store, fw, size=FIT_SAMPLE if sample is None else sample)
    if len(rows) < 3:
        return None
    if k is not None and k >= len(rows):
        raise TooFewFirms(k, len(rows))
    # one thread: on a sample of this size two threads spent more time waiting on each other than
    # working (20,000 firms at 1,000,000: 6.5 s against 2.8 s), and the app's other sessions need
    # the other core (threadpoolctl comes with scikit-learn)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        model, _ = clustering.fit_clusters(fw, features_of(fw, rows, points, features), k=k, features=features)
    rows = rows.assign(cluster=labels_of(fw, model, rows, points))
    by_pillars = features == "pillars"
    if not by_pillars:
        return ProvinceClusters(model, firms, rows, points, _sample_cells(fw, rows), len(rows) == firms)
    found = ProvinceClusters(model, firms, rows, points, placed_cells(store, fw, model), True)
    # named after the firms placed, as the page's tables count them (not the sample's)
    levels = found.levels().reindex(index=range(model.k), columns=range(fw.max_level + 1), fill_value=0)
    return replace(found, model=clustering.named_for(fw, model, levels.to_numpy(), found.pillar_percent(fw)[1]))


def placed_cells(store, fw: Framework, model: clustering.ClusterModel) -> pd.DataFrame:
    """Every firm's latest assessment placed in ``model`` (by pillars) by the database, counted per
    cluster x level x sector x locality with the sums of total and pillar points."""
    a = AssessmentRow
    cluster = aggregates.cluster_of(fw, model).label("cluster")
    keys = [cluster, a.level, a.sector, a.locality]
    sums = [func.sum(getattr(a, name)) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    query = (select(*keys, func.count(), func.sum(a.total), *sums)
             .where(*aggregates.flagged(fw, a.latest)).group_by(*keys))
    with store.engine.connect() as conn:
        frames.grouping_settings(conn)
        rows = frames.plain_rows(conn, query)
    names = CELLS + ["firms", "total"] + [p.id for p in fw.pillars]
    frame = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame({name: [] for name in names})
    for name in names:
        if name not in ("sector", "locality"):
            frame[name] = frame[name].astype(np.int64)
    return frame


def _sample_cells(fw: Framework, rows: pd.DataFrame) -> pd.DataFrame:
    """placed_cells of the sample's rows (with their "cluster"), by pandas."""
    ids = [p.id for p in fw.pillars]
    f = rows.rename(columns={f"{pid}_points": pid for pid in ids}).assign(firms=1)
    return f.groupby(CELLS, observed=True)[["firms", "total", *ids]].sum().reset_index()


def cluster_firms(store, fw: Framework, found: ProvinceClusters, cluster: int) -> Iterator[pd.DataFrame]:
    """Every firm of one cluster, best total first then by name (LIST_COLUMNS), a chunk at a time:
    placed by the database for a clustering by pillars (one query read as a stream), else the
    sample's. At least one chunk (a file gets its header)."""
    if not _placed(fw, found):
        yield _best_first(found.sample[found.sample["cluster"] == cluster])[LIST_COLUMNS].reset_index(drop=True)
        return
    empty = True
    for part in cluster_chunks(store, fw, found.model, cluster):
        empty = False
        yield part
    if empty:
        yield pd.DataFrame(columns=LIST_COLUMNS)


def top_firms(store, fw: Framework, found: ProvinceClusters, limit: int) -> list[pd.DataFrame]:
    """The ``limit`` best firms of each cluster (LIST_COLUMNS, best total first then by name). By
    pillars, in two reads whatever the number of clusters: the firms per cluster and total (so the
    lowest total each list reaches is known), then the firms at or above those totals with their
    names."""
    if not _placed(fw, found):
        return [_best_first(found.sample[found.sample["cluster"] == c])[LIST_COLUMNS].head(limit).reset_index(drop=True)
                for c in range(found.model.k)]
    a = AssessmentRow
    cluster = aggregates.cluster_of(fw, found.model)
    latest = aggregates.flagged(fw, a.latest)
    with store.engine.connect() as conn:
        counts = pd.DataFrame(conn.execute(select(cluster, a.total, func.count()).where(*latest)
                                           .group_by(cluster, a.total)).all(), columns=["cluster", "total", "firms"])
        bounds = []
        for c, mine in counts.groupby("cluster"):
            mine = mine.sort_values("total", ascending=False)
            reach = mine[mine["firms"].cumsum() >= limit]
            bounds.append(cluster == int(c) if reach.empty else (cluster == int(c)) & (a.total >= int(reach["total"].iloc[0])))
        rows = conn.execute(select(cluster, FirmRow.name, FirmRow.tax_code, a.locality, a.total, a.level, a.id)
                            .join(FirmRow, FirmRow.id == a.firm_id).where(*latest, or_(*bounds))).all() if bounds else []
    frame = pd.DataFrame(rows, columns=["cluster", *LIST_COLUMNS, "assessment_id"])
    return [_best_first(frame[frame["cluster"] == c])[LIST_COLUMNS].head(limit).reset_index(drop=True)
            for c in range(found.model.k)]


def _placed(fw: Framework, found: ProvinceClusters) -> bool:
    return found.every_firm and found.model.features == [p.id for p in fw.pillars]


def _best_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["total", "name", "assessment_id"], ascending=[False, True, True], kind="stable")


def cluster_chunks(store, fw: Framework, model: clustering.ClusterModel, cluster: int, *,
                   size: int = 10_000) -> Iterator[pd.DataFrame]:
    """The firms the database places in ``cluster``, best total first then by name, ``size`` at a
    time from one query read as a stream (the database sorts once; this process holds a chunk)."""
    a = AssessmentRow
    query = (select(FirmRow.name, FirmRow.tax_code, a.locality, a.total, a.level)
             .join(FirmRow, FirmRow.id == a.firm_id)
             .where(*aggregates.flagged(fw, a.latest), aggregates.cluster_of(fw, model) == int(cluster))
             .order_by(a.total.desc(), FirmRow.name, a.id))
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=size).execute(query)
        for part in result.partitions():
            yield pd.DataFrame([tuple(r) for r in part], columns=LIST_COLUMNS)


def categories(fw: Framework, entries, found: ProvinceClusters, *,
               size: int = CATEGORY_SAMPLE) -> tuple[list[dict[str, int]], list[int]]:
    """Per cluster, how many firms get each catalogue category among their first three
    recommendations, counted on the first ``size`` firms of the (random) sample; and how many of
    those firms each cluster has (the shares' denominators)."""
    from assessment.recommend import categories_by_group

    rows, points = found.sample.iloc[:size], found.sample_points[:size]
    labels = rows["cluster"].to_numpy()
    counts = categories_by_group(fw, entries, rows, points, labels, found.model.k) if entries else [{}] * found.model.k
    return counts, np.bincount(labels, minlength=found.model.k).tolist()
