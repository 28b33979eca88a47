"""Clustering firms by maturity: known structure, reproducibility, stability, stored models, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from assessment.clustering import ClusterModel, fit_clusters


def three_groups(seed=0, n=150):
    rng = np.random.default_rng(seed)
    centres = np.array([[10, 5, 15, 10, 10, 5], [55, 40, 30, 35, 40, 15], [80, 80, 85, 75, 80, 70]])
    truth = np.repeat(np.arange(3), n)
    x = np.clip(centres[truth] + rng.normal(0, 4, (3 * n, 6)), 0, 100)
    return x, truth


def test_recovers_known_groups_ordered_by_maturity(dbi):
    x, truth = three_groups()
    model, labels = fit_clusters(dbi, x)
    assert model.k == 3
    assert adjusted_rand_score(truth, labels) == 1.0
    assert labels[0] == 0 and labels[-1] == 2  # cluster 0 is the least mature
    assert model.stability > 0.9 and model.stability_words("en").startswith("very stable")
    # each name says the level most of its firms are at, and how it differs from the province
    levels = firm_levels(dbi, x)
    for c in range(3):
        typical = int(np.bincount(levels[labels == c]).argmax())
        assert model.names_en[c].startswith(f"mostly level {typical} – {dbi.level_name(typical, 'en')}")
        assert model.names_vi[c].startswith(f"phần lớn ở mức {typical} – {dbi.level_name(typical, 'vi')}")
    assert model.names_en[0].endswith("below the province in every pillar")
    assert model.names_en[2].endswith("above the province in every pillar")
    assert len(set(model.names_vi)) == 3 and len(set(model.names_en)) == 3


def firm_levels(fw, pillar_percent):
    from assessment.scoring import overall_levels, pillar_levels

    maxima = np.array([p.max_points for p in fw.pillars])
    points = np.rint(pillar_percent / 100.0 * maxima).astype(np.int64)
    return overall_levels(fw, points.sum(axis=1), pillar_levels(fw, points))


def test_two_similar_shaped_clusters_get_different_names_that_fit_their_firms(dbi):
    """The reported defect: with k = 2 both clusters were "... infrastructure strong, data weak",
    and one named "Beginning" held firms at levels 0-1."""
    rng = np.random.default_rng(3)
    shape = np.array([25, 20, 35, 25, 25, 10])
    x = np.clip(np.concatenate([shape * 0.5 + rng.normal(0, 5, (300, 6)), shape * 1.6 + rng.normal(0, 5, (300, 6))]),
                0, 100)
    model, labels = fit_clusters(dbi, x, k=2)
    assert model.names_en[0] != model.names_en[1] and model.names_vi[0] != model.names_vi[1]
    levels = firm_levels(dbi, x)
    for c in range(2):
        typical = int(np.bincount(levels[labels == c]).argmax())
        assert f"level {typical} –" in model.names_en[c]


def test_same_data_same_clusters_and_k_can_be_set(dbi):
    x, _ = three_groups(seed=1)
    a, la = fit_clusters(dbi, x)
    b, lb = fit_clusters(dbi, x)
    assert a == b and np.array_equal(la, lb)
    four, l4 = fit_clusters(dbi, x, k=4)
    assert four.k == 4 and len(set(l4.tolist())) == 4


def test_stored_model_places_new_firms_without_refitting(dbi):
    x, _ = three_groups(seed=2)
    model, labels = fit_clusters(dbi, x)
    again = ClusterModel.from_json(model.to_json())
    assert again == model
    assert np.array_equal(again.predict(x), labels)
    assert again.predict(np.array([[85, 80, 80, 80, 82, 75]])).tolist() == [2]


def test_noise_is_reported_as_less_stable(dbi):
    rng = np.random.default_rng(3)
    model, _ = fit_clusters(dbi, rng.uniform(0, 100, (400, 6)))
    x, _ = three_groups(seed=3)
    clear, _ = fit_clusters(dbi, x)
    assert model.stability < clear.stability and model.silhouette < clear.silhouette


def test_bad_requests(dbi):
    with pytest.raises(ValueError, match="at least 3 firms"):
        fit_clusters(dbi, np.zeros((2, 6)))
    with pytest.raises(ValueError, match="k must be between 2 and"):
        fit_clusters(dbi, np.random.default_rng(0).uniform(0, 100, (10, 6)), k=12)


def test_cluster_command_on_the_database(tmp_path):
    root = Path(__file__).resolve().parent.parent
    env = {"DBI_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}", "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "assessment", *a], cwd=root, capture_output=True,  # noqa: E731
                                    text=True, env=env, timeout=300)
    empty = run("cluster", "--db")
    assert empty.returncode == 1 and "at least 3 are needed" in empty.stderr
    assert run("demo", "--firms", "120", "--seed", "4").returncode == 0
    out = tmp_path / "clusters.csv"
    proc = run("cluster", "--db", "--k", "3", "-o", str(out), "--save-model", str(tmp_path / "m.json"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("k = 3, silhouette = ")
    lines = out.read_text(encoding="utf-8-sig").splitlines()  # UTF-8 with a BOM, as every CSV we write
    assert lines[0] == "firm_id,cluster,cluster_name_vi,cluster_name_en" and len(lines) == 121
    assert ClusterModel.from_json((tmp_path / "m.json").read_text(encoding="utf-8")).k == 3
    assert run("cluster", "--db", "--k", "many").returncode == 1


def test_component_percentages_as_features(dbi):
    from assessment import demo
    from assessment.clustering import component_percent_of, fit_clusters
    from assessment.scoring import score_codes

    scores = score_codes(dbi, demo.answer_matrix(dbi, 600, seed=5))
    comp = component_percent_of(dbi, scores.criterion_points)
    assert comp.shape == (600, len(dbi.components))
    # the component percentages weigh back to the pillar percentages
    weights = np.array([c.max_points for c in dbi.components])
    for j, p in enumerate(dbi.pillars):
        cols = [k for k, pj in enumerate(dbi.pillar_of_component) if pj == j]
        back = (comp[:, cols] * weights[cols]).sum(axis=1) / p.max_points
        assert np.allclose(back, scores.pillar_percent[:, j])
    model, labels = fit_clusters(dbi, comp, k=3, features="components")
    assert model.features == [c.id for c in dbi.components] and len(model.centers[0]) == len(dbi.components)
    assert (model.predict(comp) == labels).mean() > 0.95
    totals = [scores.total[labels == c].mean() for c in range(3)]
    assert totals == sorted(totals)  # ordered by maturity, named from the pillar profile
    assert all(" – " in name for name in model.names_vi)


def test_a_model_is_named_again_after_the_firms_it_places(dbi):
    """clustering.named_for: the level in each name is the level most firms placed in the cluster
    are at (here level 1 for cluster 0, where the fit's sample said 2); a cluster with no firm keeps
    its name."""
    from assessment.clustering import named_for

    x, _ = three_groups(seed=5)
    model, _ = fit_clusters(dbi, x, k=3)
    levels = np.zeros((3, dbi.max_level + 1), dtype=int)
    levels[0, [1, 2]] = [501, 500]
    levels[1, 3] = 40
    renamed = named_for(dbi, model, levels, x.mean(axis=0))
    assert renamed.names_en[0].startswith("mostly level 1 –") and renamed.names_vi[0].startswith("phần lớn ở mức 1 –")
    assert renamed.names_en[1].startswith("mostly level 3 –")
    assert renamed.names_en[2] == model.names_en[2] and renamed.names_vi[2] == model.names_vi[2]
    assert renamed.centers == model.centers and renamed.k == model.k
