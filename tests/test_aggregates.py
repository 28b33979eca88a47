"""The department's figures added up by the database (assessment.aggregates) equal the whole-frame
figures (assessment.dashboard over frames.submitted_frame), on SQLite and PostgreSQL, for every
kind of filter, with firms that moved commune during a year, a claim, a draft and a second
assessment on the same day in the data."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import update

from assessment import aggregates, dashboard, demo, frames, platform_cells, states, workflow, year_cells
from assessment.answers import Answer
from assessment.department import Target, progress
from assessment.firms import FirmProfile
from assessment.models import AssessmentRow
from assessment.storage import Store
from tests.conftest import assert_same_adoption, tax_code


def _moved(store: Store, fw, firm_tax: str, locality: str, when: dt.datetime, level: int,
           previous_id: int | None = None) -> int:
    """The firm's own assessment (after ``previous_id``, one of its own), in ``locality``, submitted
    at ``when``."""
    profile = FirmProfile(tax_code=firm_tax, name="Moved", sector="G", employees=9, revenue_bn=3.0, capital_bn=None,
                          locality=locality)
    aid, _ = store.create_assessment(profile, fw.key, previous_id=previous_id)
    store.save_answers(aid, {c.id: Answer(min(level, len(c.choices) - 1)) for c in fw.criteria})
    workflow.submit(store, fw, aid)
    firm = store.get(aid).firm_id
    with store.engine.begin() as conn:  # dated as the test needs: flags and cube kept, as every write keeps them
        with year_cells.update(conn, [firm]), platform_cells.update(conn, [firm]):
            conn.execute(update(AssessmentRow).where(AssessmentRow.id == aid).values(submitted_at=when))
            states._set(conn, [firm])  # flags and prior assessments, inside the cubes' before and after
    return aid


@pytest.fixture
def province(store, dbi):
    store.replace_demo(dbi, demo.generate(dbi, 400, seed=11))
    frame = frames.submitted_frame(store, dbi)
    years = sorted(frame["submitted_at"].dt.year.unique())
    # firms that moved during the latest year (a new commune on a later date), and one with two
    # assessments on the same second (the later stored counts)
    movers = frame.sort_values("assessment_id").drop_duplicates("firm_id").head(6)
    for k, (aid, tax, when) in enumerate(zip(movers["assessment_id"], movers["tax_code"], movers["submitted_at"])):
        later = when.to_pydatetime() + dt.timedelta(days=1) if k else when.to_pydatetime()
        _moved(store, dbi, tax, "03664" if k % 2 else "03646", later, level=k % 4, previous_id=int(aid))
    # a stranger's claim on a registered firm, and a draft: neither counts
    profile = FirmProfile(tax_code=movers["tax_code"].iloc[0], name="Mạo danh", sector="A", employees=3,
                          revenue_bn=1.0, capital_bn=None, locality="03646")
    aid, _ = store.create_assessment(profile, dbi.key)
    store.save_answers(aid, {c.id: Answer(len(c.choices) - 1) for c in dbi.criteria})
    workflow.submit(store, dbi, aid)
    store.create_assessment(FirmProfile(tax_code=tax_code(777), name="Nháp", sector="C", employees=5,
                                        revenue_bn=2.0, capital_bn=None, locality="03646"), dbi.key)
    return store, years


def _filter_sets(frame: pd.DataFrame, years) -> list[frames.Filters]:
    area = frame["area"].value_counts().index[0]
    loc = frame["locality"].value_counts().index[0]
    sec = frame["section"].value_counts().index[:2]
    out = []
    for y in years:
        out += [frames.Filters(year=int(y)), frames.Filters(year=int(y), areas=(area,)),
                frames.Filters(year=int(y), localities=(loc, "03664")), frames.Filters(year=int(y), sectors=tuple(sec)),
                frames.Filters(year=int(y), sizes=("micro", "household")),
                frames.Filters(year=int(y), areas=(area,), sizes=("small",), sectors=(sec[0],)),
                frames.Filters(year=int(y), localities=("no-such-place",))]
    return out


def test_the_databases_figures_equal_the_whole_frame_figures_for_every_filter(province, dbi):
    store, years = province
    frame = frames.submitted_frame(store, dbi)
    cube = aggregates.cube(store, dbi)
    assert int(cube["firms"].sum()) == sum(len(frames.latest(frame, frames.Filters(year=int(y)))) for y in years)
    for filters in _filter_sets(frame, years):
        want, got = dashboard.headline(dbi, frame, filters), aggregates.headline(dbi, cube, filters)
        assert got.firms == want.firms, filters
        assert got.level_share == pytest.approx(want.level_share)
        assert got.mean_total == pytest.approx(want.mean_total)
        assert got.mean_pillar_percent == pytest.approx(want.mean_pillar_percent)
        assert (got.previous_mean_total is None) == (want.previous_mean_total is None)
        if want.previous_mean_total is not None:
            assert got.previous_mean_total == pytest.approx(want.previous_mean_total)
        now, cells = frames.latest(frame, filters), aggregates.chosen(cube, filters)
        for by in ("area", "locality"):
            pd.testing.assert_frame_equal(
                aggregates.place_pillar(dbi, cells, by).sort_values(["place", "pillar"]).reset_index(drop=True),
                dashboard.place_pillar(dbi, now, by).sort_values(["place", "pillar"]).reset_index(drop=True),
                check_dtype=False)
        pd.testing.assert_frame_equal(
            aggregates.sector_comparison(dbi, cells).sort_values("section").reset_index(drop=True),
            dashboard.sector_comparison(dbi, now).sort_values("section").reset_index(drop=True), check_dtype=False)
        pd.testing.assert_frame_equal(aggregates.trend(cube, filters), dashboard.trend(frame, filters.other_year(None)),
                                      check_dtype=False)
        held = aggregates.standing(cells)
        for metric, level, value in (("share_at_level", 2, 30.0), ("mean_total", 0, 90.0), ("firms_assessed", 0, 50)):
            target = Target(0, metric, level, value, int(filters.year), "", "", dt.datetime(2026, 1, 1))
            want_p = progress(dbi, target, now)
            got_p = progress(dbi, target, held)
            assert got_p.current == pytest.approx(want_p.current) and got_p.reached == want_p.reached


def test_a_firm_is_counted_where_its_latest_assessment_of_the_year_places_it(store, dbi):
    """Two assessments of one firm in a year, in two communes: the firm counts once, in the later
    commune, in both the database's figures and the whole frame's."""
    first = _moved(store, dbi, tax_code(501), "03646", dt.datetime(2026, 3, 1, 9), level=1)
    second = _moved(store, dbi, tax_code(501), "03664", dt.datetime(2026, 9, 1, 9), level=3, previous_id=first)
    cube = aggregates.cube(store, dbi)
    assert cube[["year", "locality", "firms"]].values.tolist() == [[2026, "03664", 1]]
    frame = frames.submitted_frame(store, dbi)
    assert frames.latest(frame, frames.Filters(year=2026, localities=("03646",))).empty
    assert frames.latest(frame, frames.Filters(year=2026, localities=("03664",)))["assessment_id"].tolist() == [second]
    assert first != second
    # the earlier year keeps its own state
    earlier = _moved(store, dbi, tax_code(501), "03646", dt.datetime(2025, 5, 1, 9), level=0, previous_id=first)
    cube = aggregates.cube(store, dbi)
    assert sorted(cube[["year", "locality"]].values.tolist()) == [[2025, "03646"], [2026, "03664"]]
    assert aggregates.headline(dbi, cube, frames.Filters(year=2026)).previous_mean_total == store.get(earlier).result.total


def test_the_cube_and_the_firm_table_read_page_by_page_match_the_whole_frame(province, dbi):
    store, years = province
    frame = frames.submitted_frame(store, dbi)
    cube = aggregates.cube(store, dbi)
    keys = aggregates.GROUPS
    want = aggregates.cube_of(dbi, frame).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(cube.sort_values(keys).reset_index(drop=True), want[cube.columns], check_dtype=False)
    columns = ["assessment_id", "tax_code", "total", "level", "locality", "P1_points", "P6_level"]
    for filters in _filter_sets(frame, years):
        whole = dashboard.firm_table(dbi, frames.latest(frame, filters))
        got = aggregates.firm_rows(store, dbi, cube, filters)
        table = dashboard.firm_table(dbi, got)
        assert table[columns].values.tolist() == whole[columns].values.tolist(), filters
        # pages of 7 rows, one after another, are the whole table in the same order
        pages = [aggregates.firm_rows(store, dbi, cube, filters, offset=k, limit=7) for k in range(0, len(got) + 7, 7)]
        paged = pd.concat(pages) if pages else got
        assert paged["assessment_id"].tolist() == got["assessment_id"].tolist()
        assert aggregates.firm_ids(store, dbi, cube, filters) == got["assessment_id"].tolist()


def _assert_flags(store, fw) -> None:
    """The rows flagged latest / year_latest are exactly frames.latest's, overall and per year."""
    from sqlalchemy import select

    frame = frames.submitted_frame(store, fw)
    want_latest = set(frames.latest(frame)["assessment_id"])
    years = frame["submitted_at"].dt.year.unique() if len(frame) else []
    want_year = set().union(*[set(frames.latest(frame, frames.Filters(year=int(y)))["assessment_id"]) for y in years])
    with store.engine.connect() as conn:
        rows = conn.execute(select(AssessmentRow.id, AssessmentRow.latest, AssessmentRow.year_latest)).all()
    assert {i for i, flag, _ in rows if flag == 1} == want_latest
    assert {i for i, _, flag in rows if flag == 1} == want_year
    # each own row's prior is the firm's own row just before it, and the platforms' counts follow
    with store.engine.connect() as conn:
        prior = dict(conn.execute(select(AssessmentRow.id, AssessmentRow.prior_id)
                                  .where(AssessmentRow.id.in_(frame["assessment_id"].tolist()))).all())
    ordered = frame.sort_values(["firm_id", "submitted_at", "assessment_id"])
    before = ordered.groupby("firm_id")["assessment_id"].shift()
    assert prior == {int(a): (None if pd.isna(b) else int(b)) for a, b in zip(ordered["assessment_id"], before)}
    assert_same_adoption(store, fw)
    # each firm's latest row, read from the flags (clustering, bulk scorecards), is the frame's
    now, points = frames.latest_frame(store, fw, criteria=True)
    _, all_points = frames.submitted_frame(store, fw, criteria=True)
    want = frames.latest(frame)
    pd.testing.assert_frame_equal(now, want.reset_index(drop=True), check_categorical=False)
    assert (points == all_points[want.index.to_numpy()]).all()
    _assert_cells(store, fw)


def _assert_cells(store, fw, model=None) -> None:
    """The cube kept by the writes (year_cells, read by aggregates.cube) is the grouping of the rows
    (aggregates.grouped) and the whole frame's (aggregates.cube_of), cell for cell."""
    keys = aggregates.GROUPS + (["cluster"] if model is not None else [])
    with store.engine.connect() as conn:
        assert year_cells.read(conn, fw, model) is not None  # the kept cells answer, not the grouping
    kept = aggregates.cube(store, fw, model).sort_values(keys).reset_index(drop=True)
    live = aggregates.grouped(store, fw, model).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, live)
    frame = frames.submitted_frame(store, fw)
    if model is not None:
        frame = dashboard.with_clusters(fw, frame, model)
    want = aggregates.cube_of(fw, frame).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, want[kept.columns], check_dtype=False)


def test_the_latest_flags_follow_every_kind_of_write(store, dbi):
    """Demo load, submits (own, a claim, a same-day second one), a claim confirmed and one linked
    with the firm's code, an import of earlier and later years: after each, the flags on the rows
    are those of frames.latest."""
    from assessment.identity import Claims
    from assessment.importer import ImportRow

    store.replace_demo(dbi, demo.generate(dbi, 40, seed=3))
    _assert_flags(store, dbi)
    first = _moved(store, dbi, tax_code(601), "03646", dt.datetime(2026, 3, 1, 9), level=1)
    second = _moved(store, dbi, tax_code(601), "03664", dt.datetime(2026, 3, 1, 9), level=2, previous_id=first)
    _assert_flags(store, dbi)
    assert second in set(frames.latest(frames.submitted_frame(store, dbi))["assessment_id"])
    again, _ = store.create_assessment(store.get(second).profile, dbi.key, previous_id=second)  # a plain submit, now
    store.save_answers(again, {c.id: Answer(1) for c in dbi.criteria})
    workflow.submit(store, dbi, again)
    _assert_flags(store, dbi)
    assert again in set(frames.latest(frames.submitted_frame(store, dbi))["assessment_id"])
    stranger = FirmProfile(tax_code=tax_code(601), name="Mạo danh", sector="A", employees=3, revenue_bn=1.0,
                           capital_bn=None, locality="03646")
    claim, _ = store.create_assessment(stranger, dbi.key)
    store.save_answers(claim, {c.id: Answer(3) for c in dbi.criteria})
    workflow.submit(store, dbi, claim)
    _assert_flags(store, dbi)  # a pending claim is nobody's latest
    Claims(store).confirm(claim, "can.bo")
    _assert_flags(store, dbi)  # confirmed: the firm's latest
    codes = np.ones(len(dbi.criteria), dtype=np.int16)
    earlier = FirmProfile(tax_code=tax_code(602), name="HTX Nhập", sector="A", employees=4, revenue_bn=1.0,
                          capital_bn=None, locality="03646")
    written = store.import_assessments(dbi, [ImportRow(2, earlier, dt.datetime(2024, 5, 1), codes),
                                             ImportRow(3, earlier, dt.datetime(2025, 5, 1), codes)], who="can.bo")
    _assert_flags(store, dbi)
    firm_code = written[0][3]
    linked, _ = store.create_assessment(FirmProfile(**{**earlier.to_dict(), "name": "HTX Nhập mới"}), dbi.key)
    store.save_answers(linked, {c.id: Answer(2) for c in dbi.criteria})
    workflow.submit(store, dbi, linked)
    _assert_flags(store, dbi)
    assert Claims(store).link_with_code(linked, firm_code)
    _assert_flags(store, dbi)
    # a clustering kept: every firm's cell placed by it, and kept so by the writes after
    from assessment.clustering import fit_clusters, pillar_percent_of
    from assessment.department import Department

    model, _ = fit_clusters(dbi, pillar_percent_of(dbi, frames.latest(frames.submitted_frame(store, dbi))), k=3,
                            bootstrap=1)
    Department(store).keep_cluster_model(model, n_firms=40, who="can.bo")
    _assert_cells(store, dbi, model)
    later, _ = store.create_assessment(store.get(linked).profile, dbi.key, previous_id=linked)
    store.save_answers(later, {c.id: Answer(3) for c in dbi.criteria})
    workflow.submit(store, dbi, later)
    store.import_assessments(dbi, [ImportRow(2, FirmProfile(**{**earlier.to_dict(), "tax_code": tax_code(603)}),
                                             dt.datetime(2025, 6, 1), codes)], who="can.bo")
    _assert_flags(store, dbi)
    _assert_cells(store, dbi, model)
    other, _ = fit_clusters(dbi, pillar_percent_of(dbi, frames.latest(frames.submitted_frame(store, dbi))), k=2,
                            bootstrap=1)
    with store.engine.connect() as conn:  # not the kept one: the rows are grouped for it
        assert year_cells.read(conn, dbi, other) is None
    keys = aggregates.GROUPS + ["cluster"]
    pd.testing.assert_frame_equal(aggregates.cube(store, dbi, other).sort_values(keys).reset_index(drop=True),
                                  aggregates.grouped(store, dbi, other).sort_values(keys).reset_index(drop=True))
    store.clear_demo()
    _assert_flags(store, dbi)
    _assert_cells(store, dbi, model)


def test_a_demo_sets_the_flags_itself_and_its_counts_follow(store, dbi):
    """A demo load writes its new firms' flags and priors itself (no window over the rows): counted
    as it goes (one transaction), or in chunks counted once at the end (Store.recount), and with a
    firm's earlier assessment in the same calendar year as its current one (2024 is a leap year:
    365 days before 31 December is 1 January). The flags, the cube and the platforms' counts are
    those of the rows, with a catalogue entry marked Make in Vietnam before any firm was counted."""
    from assessment.catalogue_store import CatalogueStore
    from assessment.inventory import read_adoption

    cat = CatalogueStore(store, dbi)
    cat.seed_if_empty()
    kiotviet = next(e for e in cat.published() if e.id == "kiotviet")
    cat.save(kiotviet.model_copy(update={"make_in_vietnam": "yes"}), "can.bo")
    entries = cat.published()
    firms = demo.generate(dbi, 60, seed=9, entries=entries, today=dt.date(2024, 12, 31))
    same_year = [f for f in firms if f.earlier_at is not None and f.earlier_at.year == f.submitted_at.year]
    assert same_year and any(f.earlier_at.year != f.submitted_at.year for f in firms if f.earlier_at)
    store.replace_demo(dbi, firms, entries)
    _assert_flags(store, dbi)
    assert read_adoption(store, dbi, entries).make_in_vietnam["firms"] > 0
    store.clear_demo()
    for chunk in demo.generate_chunks(dbi, 90, seed=4, chunk=40, entries=entries):
        store.add_demo(dbi, chunk, entries, counted=False)
    with store.engine.connect() as conn:  # not counted yet: the cube has no firm
        assert not year_cells.read(conn, dbi)
    store.recount()
    _assert_flags(store, dbi)
    store.replace_demo(dbi, firms[:10], entries)  # replaced: counted again from the rows
    _assert_flags(store, dbi)
    # a firm of the department's own stays through a replace, so the counts keep their anchor (its
    # Make in Vietnam marks) and the new demo firms are counted against those marks
    from assessment.importer import ImportRow

    own = FirmProfile(tax_code=tax_code(604), name="HTX Giấy", sector="A", employees=4, revenue_bn=1.0,
                      capital_bn=None, locality="03646")
    paper = ImportRow(2, own, dt.datetime(2025, 5, 1), np.ones(len(dbi.criteria), dtype=np.int16))
    store.import_assessments(dbi, [paper], who="can.bo")
    store.replace_demo(dbi, firms, entries)
    _assert_flags(store, dbi)
    assert read_adoption(store, dbi, entries).make_in_vietnam["firms"] > 0


def test_a_kept_clustering_places_every_firm_alike_in_the_database_and_in_numpy(province, dbi):
    """The cube by cluster and the firm table's clusters filter (aggregates.cluster_of, exact integer
    comparisons in SQL) place each firm in the cluster ClusterModel.place gives it, which is the
    nearest centre (ClusterModel.predict) for every firm not exactly between two centres."""
    from assessment.clustering import fit_clusters, pillar_percent_of

    store, years = province
    frame = frames.submitted_frame(store, dbi)
    model, _ = fit_clusters(dbi, pillar_percent_of(dbi, frames.latest(frame)), k=4, bootstrap=1)
    placed = dashboard.with_clusters(dbi, frame, model)
    assert np.array_equal(placed["cluster"].to_numpy(), model.predict(pillar_percent_of(dbi, frame)))
    assert placed["cluster"].nunique() == 4
    cube = aggregates.cube(store, dbi, model)
    keys = aggregates.GROUPS + ["cluster"]
    want = aggregates.cube_of(dbi, placed).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(cube.sort_values(keys).reset_index(drop=True), want[cube.columns], check_dtype=False)
    for y in years:
        for clusters in ((0,), (1, 3), (2,)):
            filters = frames.Filters(year=int(y), clusters=clusters)
            whole = frames.latest(placed, filters).sort_values(["total", "name", "assessment_id"],
                                                               ascending=[False, True, True])
            got = aggregates.firm_rows(store, dbi, cube, filters, model=model)
            assert got["assessment_id"].tolist() == whole["assessment_id"].tolist(), filters
            assert aggregates.headline(dbi, cube, filters).firms == len(whole)
            page = aggregates.firm_rows(store, dbi, cube, filters, offset=3, limit=5, model=model)
            assert page["assessment_id"].tolist() == whole["assessment_id"].tolist()[3:8]
    with pytest.raises(ValueError, match="needs the clustering"):
        aggregates.firm_rows(store, dbi, cube, frames.Filters(clusters=(0,)))


def test_ties_between_two_centres_go_to_the_lower_cluster_in_both_places(store, dbi):
    """A firm exactly between two centres (float distances may round either way): the exact integers
    of ClusterModel.place and of the database both give the lower cluster, and a point more in any
    pillar tips both to the higher one."""
    from sqlalchemy import select

    from assessment.clustering import ClusterModel

    maxima = [p.max_points for p in dbi.pillars]  # 65, 25, 80, 65, 50, 35
    model = ClusterModel(dbi.key, [p.id for p in dbi.pillars], [[40.0] * 6, [60.0] * 6], ["a", "b"], ["a", "b"],
                         2, 0.5, 0.9)
    # 40, 60, 50, 60, 50, 40 %: the squared distances to 40 % and to 60 % everywhere are equal
    # exactly when the percentages add up to 300
    tie = [26, 15, 40, 39, 25, 14]
    cases = [tie] + [[v + (k == j) for k, v in enumerate(tie)] for j in range(6)] + [[v - (k == 2) for k, v in enumerate(tie)]]
    want = [0] + [1] * 6 + [0]
    assert model.place(maxima, np.array(cases)).tolist() == want
    aid = _moved(store, dbi, tax_code(601), "03646", dt.datetime(2026, 3, 1, 9), level=2)
    got = []
    for points in cases:
        with store.engine.begin() as conn:
            conn.execute(update(AssessmentRow).where(AssessmentRow.id == aid)
                         .values(**{f"pillar_{k + 1}": int(v) for k, v in enumerate(points)}))
            got.append(conn.execute(select(aggregates.cluster_of(dbi, model)).where(AssessmentRow.id == aid)).scalar())
    assert got == want


def test_the_download_read_in_chunks_is_the_whole_table_with_the_platforms(province, dbi):
    """aggregates.table_chunks (the dashboard's CSV/XLSX, a chunk at a time in the table's order,
    keyset after the last row) equals the table of every firm built at once, with the same columns;
    exports.csv_bytes_of_chunks writes the same bytes as to_csv_bytes of that whole table."""
    from assessment import exports, inventory

    store, years = province
    frame = frames.submitted_frame(store, dbi)
    cube = aggregates.cube(store, dbi)
    headers = dashboard.headers(dbi, "vi")
    for filters in _filter_sets(frame, years)[:3] + [frames.Filters(year=int(years[-1]), localities=("nowhere",))]:
        table = dashboard.named(dashboard.firm_table(dbi, aggregates.firm_rows(store, dbi, cube, filters)), "vi")
        listed = inventory.listed_columns(store, table.pop("assessment_id").tolist(), "vi")
        whole = pd.concat([table.rename(columns=headers).reset_index(drop=True), listed.reset_index(drop=True)], axis=1)
        chunks = list(aggregates.table_chunks(store, dbi, cube, filters, size=9))
        assert len(chunks) == max(1, -(-len(whole) // 9))
        got = pd.concat(chunks, ignore_index=True)
        assert list(got.columns) == list(whole.columns) and len(whole.columns) > 20
        pd.testing.assert_frame_equal(got, whole, check_dtype=False)
        assert exports.csv_bytes_of_chunks(aggregates.table_chunks(store, dbi, cube, filters, size=9)) == \
            exports.to_csv_bytes(whole)
        # the XLSX written row by row from the chunks reads back as the whole table's XLSX
        streamed = exports.xlsx_bytes_of_chunks(aggregates.table_chunks(store, dbi, cube, filters, size=9))
        text = {headers["tax_code"]: str}
        pd.testing.assert_frame_equal(pd.read_excel(io.BytesIO(streamed), dtype=text),
                                      pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(whole)), dtype=text))
