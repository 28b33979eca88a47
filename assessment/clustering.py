"""Clusters of firms by maturity profile (scikit-learn k-means on pillar percentages).

The number of clusters is chosen by the silhouette on a sample (k = 2..8) unless given; every fit
uses a fixed random_state, so the same data and settings give the same clusters. Above
MINIBATCH_FROM firms MiniBatchKMeans replaces KMeans. Stability is the mean adjusted Rand index
between the clusters and refits on bootstrap samples, read in plain words. Clusters are numbered
by their mean total (0 = least mature) and named from their profile in both languages, e.g.
"Bắt đầu – hạ tầng khá, dữ liệu yếu". A fitted model is plain data (centres, names, feature
order) that can be stored as JSON and used to place a new firm without refitting.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from assessment.framework import Framework

MINIBATCH_FROM = 200_000
SILHOUETTE_SAMPLE = 5_000
K_RANGE = range(2, 9)

# short pillar words for cluster names, by pillar position (DBI order); other frameworks use ids
PILLAR_WORDS = {
    "vi": ["khách hàng số", "chiến lược", "hạ tầng", "vận hành", "văn hóa số", "dữ liệu"],
    "en": ["digital customers", "strategy", "infrastructure", "operations", "digital culture", "data"],
}
# how a cluster differs from the whole province (its centre minus the province's mean, per pillar)
ABOVE_ALL = {"vi": "cao hơn mặt bằng tỉnh ở mọi trụ cột", "en": "above the province in every pillar"}
BELOW_ALL = {"vi": "thấp hơn mặt bằng tỉnh ở mọi trụ cột", "en": "below the province in every pillar"}
NEAR = {"vi": "gần mặt bằng tỉnh", "en": "close to the province average"}
AHEAD = {"vi": "mạnh về {a}", "en": "ahead in {a}"}
BEHIND = {"vi": "yếu về {b}", "en": "behind in {b}"}
TYPICAL = {"vi": "phần lớn ở mức {level} – {name}", "en": "mostly level {level} – {name}"}
MEAN = {"vi": "trung bình {pct} % số điểm", "en": "{pct} % of points on average"}


@dataclass(frozen=True)
class ClusterModel:
    framework: str
    features: list[str]  # pillar ids, in the order of the centre columns
    centers: list[list[float]]  # pillar percentages, cluster 0 = least mature
    names_vi: list[str]
    names_en: list[str]
    k: int
    silhouette: float
    stability: float  # mean adjusted Rand index over bootstrap refits

    def predict(self, pillar_percent: np.ndarray) -> np.ndarray:
        """Nearest centre of each row (n, n_pillars) of pillar percentages."""
        x = np.asarray(pillar_percent, dtype=np.float64)
        c = np.asarray(self.centers)
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        return d.argmin(axis=1)

    def pair_forms(self, maxima) -> list[tuple[int, int, int, list[int]]]:
        """For each pair of clusters i < j, (i, j, const, coefs) with ``const + sum(coefs[k] *
        points[k])`` equal to (d_i - d_j) x 10^6 x L: the difference of the squared distances
        of a firm to the two centres, as an exact integer of its pillar points (centres are kept
        to 3 decimals, percentages are 100 x points / maximum, L the least common multiple of the
        pillar maxima). The database (aggregates.cluster_of) and :meth:`place` evaluate these same
        integers, so both place every firm alike, ties included (the lower cluster wins)."""
        if len(self.features) != len(maxima):
            raise ValueError("a clustering by components cannot be placed from pillar points")
        m = [int(v) for v in maxima]
        lcm = math.lcm(*m)
        c = [[int(round(v * 1000)) for v in row] for row in self.centers]
        out = []
        for i in range(self.k):
            for j in range(i + 1, self.k):
                const = lcm * sum(a * a - b * b for a, b in zip(c[i], c[j]))
                coefs = [-200_000 * (lcm // mk) * (a - b) for a, b, mk in zip(c[i], c[j], m)]
                out.append((i, j, const, coefs))
        return out

    def place(self, maxima, points) -> np.ndarray:
        """Each firm's cluster from its (n, n_pillars) pillar points, exactly as the database
        places it: the lowest i whose centre is at least as near as every later one's."""
        p = np.asarray(points, dtype=np.int64).reshape(-1, len(maxima))
        nearer = {}
        for i, j, const, coefs in self.pair_forms(maxima):
            g = np.full(len(p), const, dtype=np.int64)
            for k, coef in enumerate(coefs):
                g += coef * p[:, k]
            nearer[i, j] = g <= 0
        labels = np.full(len(p), self.k - 1, dtype=np.int64)
        undecided = np.ones(len(p), dtype=bool)
        for i in range(self.k - 1):
            mine = undecided.copy()
            for j in range(i + 1, self.k):
                mine &= nearer[i, j]
            labels[mine] = i
            undecided &= ~mine
        return labels

    def name(self, cluster: int, lang: str) -> str:
        return (self.names_en if lang == "en" else self.names_vi)[cluster]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ClusterModel:
        return cls(**json.loads(text))

    def stability_words(self, lang: str) -> str:
        s = self.stability
        if lang == "en":
            return ("very stable: refits on resampled data give almost the same groups" if s >= 0.9 else
                    "fairly stable: most firms keep their group when the data are resampled" if s >= 0.75 else
                    "moderately stable: read the groups as tendencies" if s >= 0.5 else
                    "unstable: the groups change when the data are resampled; do not target on them")
        return ("rất ổn định: lấy mẫu lại cho gần như cùng các nhóm" if s >= 0.9 else
                "khá ổn định: phần lớn doanh nghiệp giữ nhóm khi lấy mẫu lại" if s >= 0.75 else
                "ổn định vừa phải: nên coi các nhóm là xu hướng" if s >= 0.5 else
                "không ổn định: các nhóm thay đổi khi lấy mẫu lại, không nên dùng để chọn đối tượng hỗ trợ")


def _fit(x: np.ndarray, k: int, *, random_state: int):
    # scikit-learn (with SciPy: about 100 MiB and 0.9 s to import) is loaded by a fit only: a kept
    # model places firms with numpy, so the results page, exports and scorecards never load it
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if len(x) >= MINIBATCH_FROM:
        return MiniBatchKMeans(n_clusters=k, random_state=random_state, n_init=3, batch_size=4096).fit(x)
    return KMeans(n_clusters=k, random_state=random_state, n_init=4).fit(x)


def _names(fw: Framework, centers: np.ndarray, province: np.ndarray, typical: list[int],
           mean_pct: list[float]) -> tuple[list[str], list[str]]:
    """Names that tell clusters apart and agree with their firms: the level most of its firms are
    at, and what sets the cluster apart from the province (the pillars it is most above and most
    below the province's mean in, or above/below in all); repeats get the cluster's mean score."""
    out = {"vi": [], "en": []}
    words = {lang: (PILLAR_WORDS[lang] if len(fw.pillars) == 6 else [p.id for p in fw.pillars]) for lang in out}
    for row, level in zip(centers, typical):
        diff = row - province
        hi, lo = int(diff.argmax()), int(diff.argmin())
        for lang in out:
            head = TYPICAL[lang].format(level=level, name=fw.level_name(level, lang))
            if np.abs(diff).max() < 5:
                shape = NEAR[lang]
            elif diff.min() > 0:
                shape = ABOVE_ALL[lang]
            elif diff.max() < 0:
                shape = BELOW_ALL[lang]
            else:
                shape = f"{AHEAD[lang].format(a=words[lang][hi])}, {BEHIND[lang].format(b=words[lang][lo])}"
            out[lang].append(f"{head}; {shape}")
    for lang in out:
        repeated = {name for name in out[lang] if out[lang].count(name) > 1}
        out[lang] = [f"{name} ({MEAN[lang].format(pct=round(pct))})" if name in repeated else name
                     for name, pct in zip(out[lang], mean_pct)]
    return out["vi"], out["en"]


def fit_clusters(fw: Framework, pillar_percent: np.ndarray, *, k: int | None = None, random_state: int = 0,
                 bootstrap: int = 5, features: str = "pillars") -> tuple[ClusterModel, np.ndarray]:
    """Cluster firms by their pillar percentages (or, with ``features="components"``, their
    component percentages); returns the model and each firm's cluster. Clusters are ordered and
    named from their pillar profile in both cases.

    Examples
    --------
    >>> import numpy as np
    >>> from assessment.framework import load_framework, DEFAULT_FRAMEWORK_FILE
    >>> fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(15, 4, (100, 6)), rng.normal(70, 4, (100, 6))])
    >>> model, labels = fit_clusters(fw, x)
    >>> model.k, sorted(np.bincount(labels).tolist())
    (2, [100, 100])
    """
    x = np.asarray(pillar_percent, dtype=np.float64)
    n = len(x)
    if n < 3:
        raise ValueError("at least 3 firms are needed to form clusters")
    rng = np.random.default_rng(random_state)
    sample = rng.choice(n, size=min(n, SILHOUETTE_SAMPLE), replace=False)
    candidates = [k] if k else [kk for kk in K_RANGE if kk < n]
    best = None
    for kk in candidates:
        if not 2 <= kk < n:
            raise ValueError(f"k must be between 2 and {n - 1}")
        model = _fit(x, kk, random_state=random_state)
        labels = model.labels_ if hasattr(model, "labels_") else model.predict(x)
        if len(set(labels[sample].tolist())) < 2:
            score = -1.0
        else:
            from sklearn.metrics import silhouette_score

            score = float(silhouette_score(x[sample], labels[sample], random_state=random_state))
        if best is None or score > best[0]:
            best = (score, kk, model, labels)
    score, kk, model, labels = best
    to_pillars = _to_pillar_percent(fw, features)
    # order clusters by mean total (the sum of pillar points is what orders maturity)
    weights = np.array([p.max_points for p in fw.pillars]) / 100.0
    totals = (model.cluster_centers_ @ to_pillars) @ weights
    order = np.argsort(totals, kind="stable")
    rank = np.empty(kk, dtype=np.int64)
    rank[order] = np.arange(kk)
    centers = model.cluster_centers_[order]
    pillar_centers = centers @ to_pillars
    labels = rank[labels]
    # stability: refit on bootstrap samples, compare on the whole data
    from sklearn.metrics import adjusted_rand_score

    aris = []
    for b in range(bootstrap):
        idx = rng.choice(n, size=n, replace=True)
        refit = _fit(x[idx], kk, random_state=random_state + 1 + b)
        aris.append(adjusted_rand_score(labels, refit.predict(x)))
    from assessment.scoring import overall_levels, pillar_levels

    # each firm's level, from its pillar percentages: a cluster is named by the level most of its
    # firms are at (the level of its centre can be one that few of them have)
    maxima = np.array([p.max_points for p in fw.pillars])
    firm_points = np.rint(x @ to_pillars / 100.0 * maxima).astype(np.int64)
    firm_levels = overall_levels(fw, firm_points.sum(axis=1), pillar_levels(fw, firm_points))
    typical = [int(np.bincount(firm_levels[labels == c], minlength=fw.max_level + 1).argmax()) for c in range(kk)]
    province = (x @ to_pillars).mean(axis=0)
    mean_pct = [float(100.0 * (pillar_centers[c] * maxima / 100.0).sum() / maxima.sum()) for c in range(kk)]
    names_vi, names_en = _names(fw, pillar_centers, province, typical, mean_pct)
    ids = [c.id for c in fw.components] if features == "components" else [p.id for p in fw.pillars]
    result = ClusterModel(fw.key, ids, centers.round(3).tolist(), names_vi, names_en, int(kk),
                          round(score, 4), round(float(np.mean(aris)) if aris else 1.0, 4))
    return result, labels


def named_for(fw: Framework, model: ClusterModel, levels: np.ndarray, province: np.ndarray) -> ClusterModel:
    """The model with its names drawn again from the firms it places rather than those it was
    fitted on: ``levels`` (k, max_level + 1) firms per cluster and level, ``province`` the mean
    pillar percentages of all of them. Fitted on a sample, a cluster whose firms are split almost
    evenly between two levels could otherwise be named after the level the page's own table shows
    second. A cluster with no firm keeps its name."""
    features = "pillars" if model.features == [p.id for p in fw.pillars] else "components"
    centers = np.asarray(model.centers) @ _to_pillar_percent(fw, features)
    maxima = np.array([p.max_points for p in fw.pillars])
    levels = np.asarray(levels)
    typical = [int(row.argmax()) for row in levels]
    mean_pct = [float(100.0 * (centers[c] * maxima / 100.0).sum() / maxima.sum()) for c in range(model.k)]
    vi, en = _names(fw, centers, np.asarray(province, dtype=np.float64), typical, mean_pct)
    empty = levels.sum(axis=1) == 0
    return replace(model, names_vi=[old if e else new for old, new, e in zip(model.names_vi, vi, empty)],
                   names_en=[old if e else new for old, new, e in zip(model.names_en, en, empty)])


def _to_pillar_percent(fw: Framework, features: str) -> np.ndarray:
    """(n_features, n_pillars) matrix turning feature percentages into pillar percentages."""
    if features == "pillars":
        return np.eye(len(fw.pillars))
    if features != "components":
        raise ValueError("features must be 'pillars' or 'components'")
    m = np.zeros((len(fw.components), len(fw.pillars)))
    for k, (comp, j) in enumerate(zip(fw.components, fw.pillar_of_component)):
        m[k, j] = comp.max_points / fw.pillars[j].max_points
    return m


def component_percent_of(fw: Framework, criterion_points: np.ndarray) -> np.ndarray:
    """(n, n_components) component percentages from (n, n_criteria) criterion points."""
    onehot = np.zeros((len(fw.criteria), len(fw.components)))
    onehot[np.arange(len(fw.criteria)), fw.component_of_criterion] = 1.0
    return 100.0 * (criterion_points @ onehot) / fw.component_max


def pillar_percent_of(fw: Framework, frame) -> np.ndarray:
    """(n, n_pillars) pillar percentages from a table with P1_points, P2_points, ... columns."""
    return np.stack([100.0 * frame[f"{p.id}_points"].to_numpy() / p.max_points for p in fw.pillars], axis=1)


def map_points(pillar_percent: np.ndarray, *, sample: int = 5_000, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D map of firms (PCA of pillar percentages) on at most ``sample`` firms: (rows, xy)."""
    from sklearn.decomposition import PCA

    rows = np.arange(len(pillar_percent))
    if len(rows) > sample:
        rows = np.random.default_rng(random_state).choice(rows, sample, replace=False)
    return rows, PCA(n_components=2, random_state=random_state).fit_transform(pillar_percent[rows])


def cluster_firms(fw: Framework, latest, points: np.ndarray, *, k: int | None = None,
                  features: str = "pillars"):
    """Clusters of the firms of ``latest`` (each firm's latest assessment, with its criterion
    ``points``) by pillars or by components: (the table with a "cluster" column, the model), or
    None when there are fewer than 3 firms. Fitted on every firm given: the app fits on a sample and
    lets the database place the rest (assessment.province_clusters); this whole-frame way is what
    bench/bench_scale.py measures it against."""
    if len(latest) < 3:
        return None
    x = component_percent_of(fw, points) if features == "components" else pillar_percent_of(fw, latest)
    model, labels = fit_clusters(fw, x, k=k, features=features)
    return latest.assign(cluster=labels).reset_index(drop=True), model
