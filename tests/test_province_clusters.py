"""The clusters page's figures (assessment.province_clusters): fitted on a sample, every firm placed
by the database as ClusterModel.place places it, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment import demo, frames, province_clusters


@pytest.fixture
def province(store, dbi):
    store.replace_demo(dbi, demo.generate(dbi, 300, seed=21))
    return store


def test_fitted_on_a_sample_every_firm_is_placed_and_counted(province, dbi):
    store = province
    latest = frames.latest_frame(store, dbi)
    found = province_clusters.build(store, dbi, k=3, sample=120)
    assert found.firms == len(latest) and found.fitted_on == 120 and found.every_firm
    assert found.sample["assessment_id"].is_unique and set(found.sample["assessment_id"]) <= set(latest["assessment_id"])
    # the same sample (seeded) and the same clustering on a second read
    again = province_clusters.build(store, dbi, k=3, sample=120)
    assert again.model == found.model and again.sample["assessment_id"].tolist() == found.sample["assessment_id"].tolist()
    # every firm's latest assessment counted once, in the cluster ClusterModel.place gives it
    maxima = [p.max_points for p in dbi.pillars]
    placed = found.model.place(maxima, latest[[f"{p.id}_points" for p in dbi.pillars]].to_numpy())
    assert found.sizes().tolist() == np.bincount(placed, minlength=3).tolist()
    assert int(found.cells["firms"].sum()) == len(latest)
    want = latest.assign(cluster=placed)
    cross = pd.crosstab(want["cluster"], want["level"])
    assert found.levels().reindex_like(cross).fillna(0).astype(int).equals(cross)
    per, whole = found.pillar_percent(dbi)
    for c in range(3):
        mine = want[want["cluster"] == c]
        assert per[c] == pytest.approx([100 * mine[f"{p.id}_points"].mean() / p.max_points for p in dbi.pillars])
        top = mine["locality"].value_counts()
        assert found.top("locality", c, n=1)[0][1] == int(top.iloc[0])
    assert whole == pytest.approx([100 * latest[f"{p.id}_points"].mean() / p.max_points for p in dbi.pillars])
    # each cluster is named after the level most of the firms placed in it are at (the page's table),
    # not after the sample it was fitted on
    for c in range(3):
        typical = int(found.levels().loc[c].idxmax())
        assert found.model.names_en[c].startswith(f"mostly level {typical} –"), (c, found.levels())
        assert found.model.names_vi[c].startswith(f"phần lớn ở mức {typical} –")
    # a cluster's firms, best first: all of them, in chunks read after the last, or the first few
    for c in range(3):
        mine = want[want["cluster"] == c].sort_values(["total", "name", "assessment_id"], ascending=[False, True, True])
        listed = pd.concat(province_clusters.cluster_firms(store, dbi, found, c))
        assert listed["tax_code"].tolist() == mine["tax_code"].tolist()
        chunks = list(province_clusters.cluster_chunks(store, dbi, found.model, c, size=7))
        assert pd.concat(chunks)["tax_code"].tolist() == mine["tax_code"].tolist() and len(chunks) > 1
        assert max(len(x) for x in chunks) == 7
        for limit in (1, 5, 40, 1000):  # ties at the lowest total a list reaches are settled by name
            assert province_clusters.top_firms(store, dbi, found, limit)[c]["tax_code"].tolist() == \
                mine["tax_code"].tolist()[:limit]
    assert list(listed.columns) == province_clusters.LIST_COLUMNS


def test_by_components_the_figures_are_the_samples_and_say_so(province, dbi):
    store = province
    found = province_clusters.build(store, dbi, k=3, features="components", sample=100)
    assert found.model.features == [c.id for c in dbi.components]
    assert not found.every_firm and int(found.cells["firms"].sum()) == 100 == found.sizes().sum()
    listed = pd.concat([pd.concat(province_clusters.cluster_firms(store, dbi, found, c)) for c in range(3)])
    assert sorted(listed["tax_code"]) == sorted(found.sample["tax_code"])
    tops = province_clusters.top_firms(store, dbi, found, 4)
    assert [t["tax_code"].tolist() for t in tops] == \
        [pd.concat(province_clusters.cluster_firms(store, dbi, found, c))["tax_code"].tolist()[:4] for c in range(3)]
    everyone = province_clusters.build(store, dbi, k=3, features="components")
    assert everyone.every_firm and everyone.fitted_on == everyone.firms == 300


def test_recommended_categories_are_counted_on_the_first_firms_of_the_sample(province, dbi):
    from assessment.catalogue import CATALOGUE_FILE, load_catalogue
    from assessment.recommend import categories_by_group

    store = province
    found = province_clusters.build(store, dbi, k=3)
    entries = load_catalogue(CATALOGUE_FILE, dbi).published()
    counts, counted = province_clusters.categories(dbi, entries, found, size=80)
    assert sum(counted) == 80
    rows, points = found.sample.iloc[:80], found.sample_points[:80]
    assert counts == categories_by_group(dbi, entries, rows, points, rows["cluster"].to_numpy(), 3)
    assert all(n <= counted[c] for c in range(3) for n in counts[c].values())


def test_fewer_than_three_firms_make_no_clusters(store, dbi):
    store.replace_demo(dbi, demo.generate(dbi, 2, seed=1))
    assert province_clusters.build(store, dbi) is None


def test_no_firm_no_clusters_and_an_empty_sample(store, dbi):
    firms, rows, points = frames.latest_sample(store, dbi, size=50)
    assert firms == 0 and rows.empty and points.shape == (0, len(dbi.criteria))
    assert province_clusters.build(store, dbi) is None
