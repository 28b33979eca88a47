"""The firm's view (assessment.firm_view): gathered once for the results page, the firm detail and
the scorecards; many firms at once equal one by one with the single-firm functions."""

from __future__ import annotations

from assessment import demo, firm_view, frames
from assessment.catalogue import CATALOGUE_FILE, load_catalogue
from assessment.department import Department
from assessment.clustering import fit_clusters, pillar_percent_of
from assessment.peers import PeerIndex, benchmark, firm_of
from assessment.recommend import recommend
from assessment.roadmap import caps_for, roadmap


def test_gathering_many_equals_one_by_one_with_the_single_firm_functions(store, dbi):
    store.replace_demo(dbi, demo.generate(dbi, 40, seed=7, localities=["SL-BY", "SL-MC"]))
    latest = frames.latest_frame(store, dbi.key)
    records = store.get_many(latest["assessment_id"].tolist())
    entries = load_catalogue(CATALOGUE_FILE, dbi).published()
    ctx = firm_view.Context(entries=entries, peers=PeerIndex(dbi, latest), store=store)
    many = firm_view.gather(dbi, records, ctx, after_next=True)
    for record, got in zip(records, many):
        caps = caps_for(dbi, record.profile.employees)
        road = roadmap(dbi, record.result.criterion_points, caps=caps)
        firm = firm_of(record)
        assert got.record == record and got.roadmap == road
        assert got.recommendations == tuple(recommend(dbi, entries, record.result.criterion_points, road,
                                                      size_class=record.profile.size_class.id,
                                                      sector=record.profile.sector))
        assert got.peers == benchmark(dbi, latest, firm)
        if road.target_level is not None and road.target_level < dbi.max_level:
            assert got.after_next == roadmap(dbi, record.result.criterion_points, road.target_level + 1, caps=caps)
        assert list(got.history) == store.history(record.id)


def test_context_reads_the_catalogue_peers_and_kept_clustering_of_its_framework(store, dbi, mini):
    store.replace_demo(dbi, demo.generate(dbi, 30, seed=3, localities=["SL-BY", "SL-MC"]))
    latest = frames.latest_frame(store, dbi.key)
    model, _ = fit_clusters(dbi, pillar_percent_of(dbi, latest), k=2)
    Department(store).keep_cluster_model(model, n_firms=len(latest), who="an")
    ctx = firm_view.Context.read(store, dbi)
    assert ctx.entries and all(e.status == "published" for e in ctx.entries)
    # no peer index read: each view's peers are counted by the database, the same as the index's
    assert ctx.peers is None and ctx.peers_stored and ctx.cluster_model == model
    record = store.get(int(latest["assessment_id"].iloc[0]))
    view = firm_view.view(dbi, record, ctx)
    assert view.cluster in (0, 1) and view.cluster_name("vi") == model.name(view.cluster, "vi")
    indexed = firm_view.Context.read(store, dbi, index_peers=True)
    assert indexed.peers is not None and not indexed.peers_stored
    assert view.peers is not None and firm_view.view(dbi, record, indexed).peers == view.peers
    # another framework has its own (empty) catalogue and no firms yet
    other = firm_view.Context.read(store, mini)
    assert other.entries == [] and other.peers is None and other.cluster_model is None
    assert firm_view.Context.read(store, mini, index_peers=True).peers is None


def test_filters_narrow_the_recommendations(store, dbi):
    store.replace_demo(dbi, demo.generate(dbi, 10, seed=4, localities=["SL-BY"]))
    record = store.get(int(frames.latest_frame(store, dbi.key)["assessment_id"].iloc[0]))
    ctx = firm_view.Context(entries=load_catalogue(CATALOGUE_FILE, dbi).published())
    every = firm_view.view(dbi, record, ctx).recommendations
    category = every[0].entry.category
    narrowed = firm_view.view(dbi, record, ctx, categories=[category]).recommendations
    assert narrowed and all(r.entry.category == category for r in narrowed)


def test_results_page_of_another_framework_uses_its_own_catalogue(tmp_path, monkeypatch, dbi):
    """With the DBI catalogue seeded, an assessment of another framework gets that framework's
    (empty) catalogue instead of entries whose criteria it does not have (a KeyError before)."""
    import shutil

    from streamlit.testing.v1 import AppTest

    from assessment import workflow
    from assessment.answers import Answer
    from assessment.catalogue_store import CatalogueStore
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, get_framework
    from assessment.firms import FirmProfile
    from assessment.storage import Store
    from tests.conftest import FIXTURES
    from tests.test_app_flow import _results_script

    folder = tmp_path / "frameworks"
    folder.mkdir()
    shutil.copy(DEFAULT_FRAMEWORK_FILE, folder)
    shutil.copy(FIXTURES / "mini-framework.yaml", folder)
    url = f"sqlite:///{tmp_path / 'two.sqlite3'}"
    monkeypatch.setenv("DBI_FRAMEWORKS_DIR", str(folder))
    monkeypatch.setenv("DBI_DATABASE_URL", url)
    store = Store.from_url(url)
    assert CatalogueStore(store, dbi).seed_if_empty() > 0
    mini = get_framework("mini-test")
    profile = FirmProfile("5500111229", "Cửa hàng Bản Mòng", "G", 3, 1.2, None, "SL-TP")
    aid, _ = store.create_assessment(profile, mini.key)
    store.save_answers(aid, {c.id: Answer(len(c.choices) - 1) for c in mini.criteria})
    workflow.submit(store, mini, aid)
    monkeypatch.setenv("TEST_ASSESSMENT", str(aid))
    at = AppTest.from_function(_results_script, default_timeout=60).run()
    assert not at.exception
    assert "Sở chưa công bố danh mục nền tảng." in [c.value for c in at.caption]
    assert CatalogueStore(store, mini).entries() == [] and CatalogueStore(store, dbi).published()
