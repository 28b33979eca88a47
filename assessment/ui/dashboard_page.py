"""The department's dashboard: filters, headline figures and targets, charts aggregated before
plotting, and the firm table (a selected firm opens its results below; CSV/XLSX export)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import aggregates, dashboard, exports, frames
from assessment.department import METRICS, Department, TargetError, progress
from assessment.firms import areas, localities, sectors, size_classes, sort_key
from assessment.ui import auth, common, components, data, state
from assessment.ui.common import lang, t
from assessment.ui.text import plain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render() -> None:
    st.title(t("dash.title"))
    user = auth.require_user()
    if user is None:
        return
    fw = common.framework(common.framework_choice("dash_fw"))
    dept = Department(common.store())
    kept = dept.cluster_model(fw)
    model = kept.model if kept else None
    # the figures added up by the database (by cluster too when a clustering is kept): every filter
    # below is a sum over them
    cells = data.cube(fw, model)
    if cells.empty:
        st.info(t("dash.empty"))
        return
    L = lang()
    locs, area_names = localities(), {a.code: a.name for a in areas().values()}
    sizes = size_classes()
    years = sorted(cells["year"].unique().tolist(), reverse=True)
    c1, c2, c3 = st.columns(3)
    # places in Vietnamese order (Đ after D, not after Z): firms.sort_key
    chosen_areas = c1.multiselect(t("dash.area"), sorted(cells["area"].unique(), key=lambda a: sort_key(area_names.get(a, a))),
                                  key="dash_area", format_func=lambda a: area_names.get(a, a), placeholder=t("rec.all"))
    in_areas = cells[cells["area"].isin(chosen_areas)] if chosen_areas else cells
    chosen_locs = c2.multiselect(t("profile.locality"), sorted(in_areas["locality"].unique(), key=lambda c: sort_key(_place(locs, c))),
                                 key="dash_loc", format_func=lambda c: _place(locs, c), placeholder=t("rec.all"))
    chosen_secs = c3.multiselect(t("profile.sector"), sorted(cells["section"].unique()), key="dash_sec",
                                 format_func=lambda c, L=L: section_label(c, L), placeholder=t("rec.all"))
    c4, c5, c6 = st.columns(3)
    present = set(cells["size_class"].unique().tolist())  # once: a column's values one by one are slow
    chosen_sizes = c4.multiselect(t("dash.size"), [s for s in ("micro", "small", "medium", "large", "household")
                                                   if s in present],
                                  format_func=lambda s, L=L: sizes[s].name(L), key="dash_size", placeholder=t("rec.all"))
    year = c5.selectbox(t("dash.period"), years, key="dash_year")
    chosen_clusters = ()
    if model is not None:
        chosen_clusters = c6.multiselect(t("dash.cluster"), list(range(model.k)), key="dash_clu",
                                         format_func=lambda c, L=L: f"{c}. {model.name(c, L)}", placeholder=t("rec.all"))
    filters = frames.Filters(localities=tuple(chosen_locs), sectors=tuple(chosen_secs), sizes=tuple(chosen_sizes),
                             year=int(year), clusters=tuple(chosen_clusters), areas=tuple(chosen_areas))
    head = aggregates.headline(fw, cells, filters)
    now = aggregates.chosen(cells, filters)

    m1, m2, m3 = st.columns(3)
    m1.metric(t("dash.firms"), common.num(head.firms, 0))
    m2.metric(t("dash.mean_total"), common.num(head.mean_total),
              None if head.previous_mean_total is None else common.num(head.mean_total - head.previous_mean_total))
    at_2 = sum(v for lv, v in head.level_share.items() if lv >= 2)
    m3.metric(t("dash.share_level2"), f"{common.num(100 * at_2)} %")
    if head.previous_mean_total is not None:
        st.caption(t("dash.change_hint", year=int(year) - 1))
    _targets(fw, dept, aggregates.standing(now), user, int(year))
    if head.firms == 0:
        st.info(t("dash.no_match"))
        return

    st.subheader(t("dash.levels"))
    levels = pd.DataFrame([{"level": f"{lv} – {fw.level_name(lv, L)}", "share": round(100 * v, 1)}
                           for lv, v in head.level_share.items()])
    # bars across, labels on the left: every level name stays readable on a phone
    st.altair_chart(alt.Chart(levels).mark_bar().encode(
        y=alt.Y("level:N", sort=None, title=None, axis=alt.Axis(labelLimit=180)),
        x=alt.X("share:Q", title=t("dash.share_pct")), tooltip=["level", "share"]).properties(height=220),
        width="stretch")

    st.subheader(t("dash.pillars"))
    prof = pd.DataFrame([{"pillar": p.id, "name": p.name(L), "percent": round(head.mean_pillar_percent[p.id], 1)}
                         for p in fw.pillars])
    st.altair_chart(alt.Chart(prof).mark_bar().encode(
        x=alt.X("pillar:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("percent:Q", scale=alt.Scale(domain=[0, 100]),
                                                            title=t("col.percent")),
        tooltip=["name", "percent"]), width="stretch")

    st.subheader(t("dash.heatmap"))
    heat = aggregates.place_pillar(fw, now, "area")
    heat["place"] = heat["place"].map(lambda a: area_names.get(a, a))
    st.altair_chart(_heatmap(heat), width="stretch")
    st.caption(t("dash.heatmap_scale"))
    drill = st.selectbox(t("dash.drill"), sorted(now["area"].unique(), key=lambda a: sort_key(area_names.get(a, a))),
                         index=None, key="dash_drill", format_func=lambda a: area_names.get(a, a),
                         placeholder=t("dash.drill_hint"))
    if drill is not None:
        communes = aggregates.place_pillar(fw, now[now["area"] == drill], "locality")
        communes["place"] = communes["place"].map(lambda c: _place(locs, c))
        st.altair_chart(_heatmap(communes), width="stretch")

    st.subheader(t("dash.sectors"))
    by_sector = aggregates.sector_comparison(fw, now)
    by_sector["name"] = by_sector["section"].map(lambda c, L=L: section_label(c, L))
    # short labels (the letter and the name's start) keep room for the bars on a phone; the full
    # name is in the tooltip
    by_sector["short"] = by_sector["name"].map(lambda n: n if len(n) <= 28 else n[:27].rstrip() + "…")
    st.altair_chart(alt.Chart(by_sector).mark_bar().encode(
        y=alt.Y("short:N", sort="-x", title=None, axis=alt.Axis(labelLimit=170)),
        x=alt.X("percent:Q", scale=alt.Scale(domain=[0, 100]), title=t("dash.sector_percent")),
        tooltip=[alt.Tooltip("name:N", title=t("profile.sector")), alt.Tooltip("firms:Q", title=t("dash.firms")),
                 alt.Tooltip("percent:Q", title=t("dash.sector_percent")),
                 alt.Tooltip("share_level2:Q", title=t("dash.share_level2"))]), width="stretch")
    st.caption(t("dash.sector_versions"))

    st.subheader(t("dash.trend"))
    trend = aggregates.trend(cells, filters)
    st.altair_chart(alt.Chart(trend).mark_line(point=True).encode(x=alt.X("year:O", title=None),
                                                  y=alt.Y("mean_total:Q", title=t("dash.mean_total")),
                                                  tooltip=["year", "firms", "mean_total"]), width="stretch")

    _firm_table(fw, cells, filters, head.firms, model)


def _place(locs, code: str) -> str:
    """A unit's name; a former district says so (assessments made before 01/7/2025 name one)."""
    unit = locs.get(code)
    if unit is None:
        return code
    return t("dash.former_unit", name=unit.name) if unit.valid_to is not None else unit.name


def section_label(code: str, lang: str) -> str:
    """A VSIC 2025 section with its name; 2018 J, which VSIC 2025 split in two, says so."""
    secs = sectors("2025")
    if code in secs:
        return f"{code} – {secs[code].name(lang)}"
    return t("dash.section_split", code=code, name=sectors("2018")["J"].name(lang))


def _heatmap(heat: pd.DataFrame) -> alt.Chart:
    """Places x pillars, the places in Vietnamese order (Vega would sort them by code point), the
    colour scaled to the values shown (not 0-100: cells often span a few points only)."""
    places = sorted(heat["place"].unique().tolist(), key=sort_key)
    low, high = (float(heat["percent"].min()), float(heat["percent"].max())) if len(heat) else (0.0, 100.0)
    return alt.Chart(heat).mark_rect().encode(
        x=alt.X("pillar:N", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("place:N", title=None, sort=places, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("percent:Q", scale=alt.Scale(scheme="blues", domain=[low, max(high, low + 1)]), title="%"),
        tooltip=[alt.Tooltip("place:N", title=t("profile.locality")), "pillar", "percent", "firms"])


PAGE_ROWS = 50


def _firm_table(fw, cells: pd.DataFrame, filters: frames.Filters, n: int, model) -> None:
    """The firms within the filters, PAGE_ROWS at a time, read page by page from the database;
    the downloads and the bulk scorecards read every row when asked."""
    L = lang()
    year = int(filters.year)
    st.subheader(t("dash.table"))
    st.caption(t("dash.table_hint"))
    store = common.store()
    pages = max(1, -(-n // PAGE_ROWS))
    page = 1
    if pages > 1:
        # no min/max on the box: Streamlit's own refusal is an English tooltip a phone cannot show
        asked = int(st.number_input(t("dash.page", pages=pages), value=1, step=1, key="dash_page"))
        page = min(max(asked, 1), pages)
        if page != asked:
            st.warning(t("dash.page_out", asked=asked, pages=pages, page=page))
    start = (page - 1) * PAGE_ROWS

    def rows(offset: int = 0, limit: int | None = None) -> pd.DataFrame:
        found = aggregates.firm_rows(store, fw, cells, filters, offset=offset, limit=limit, model=model)
        return dashboard.firm_table(fw, dashboard.with_clusters(fw, found, model), model, L)

    table = dashboard.named(rows(start, PAGE_ROWS), L)
    if pages > 1:
        st.caption(t("dash.page_rows", first=start + 1, last=start + len(table), n=n))
    ids = table.pop("assessment_id").tolist()
    headers = dashboard.headers(fw, L)
    shown = [headers[c] for c in ("name", "tax_code", "locality_name", "area", "sector", "size_class", "total", "level",
                                  "cluster") if headers[c] in table.columns]
    picked = st.dataframe(table.rename(columns=headers), hide_index=True, width="stretch", column_order=shown,
                          key="dash_table", on_select="rerun", selection_mode="single-row")
    c1, c2 = st.columns(2)

    # made when clicked: every row within the filters, with the platforms each firm listed (the
    # columns the import template has), read a chunk at a time; the CSV written chunk by chunk (a
    # country's firms without a table of all of them in memory)
    def chunks():
        return aggregates.table_chunks(store, fw, cells, filters, model=model, lang=L)

    c1.download_button(t("dash.export_csv"), lambda: exports.csv_bytes_of_chunks(chunks()), f"firms_{year}.csv",
                       "text/csv", key="dash_csv")
    # the XLSX written row by row from the same chunks; past a worksheet's rows only the CSV
    too_many = n > exports.XLSX_ROWS
    c2.download_button(t("dash.export_xlsx"), lambda: exports.xlsx_bytes_of_chunks(chunks()), f"firms_{year}.xlsx",
                       XLSX, key="dash_xlsx", disabled=too_many)
    if too_many:
        c2.caption(t("dash.xlsx_too_many", rows=exports.XLSX_ROWS, n=n))
    _bulk_scorecards(lambda: rows()["assessment_id"].tolist(), n, year, (filters, data.current_versions()["assessments"]))
    chosen_rows = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
    if chosen_rows:
        _firm_detail(ids[chosen_rows[0]])


def _bulk_scorecards(read_ids, n: int, year: int, what) -> None:
    """Scorecards of every firm in the filtered table (``n`` firms; their assessment ids read by
    ``read_ids`` when asked; ``what``: the filters and data they were chosen by) as one ZIP, with a
    progress bar and a cap."""
    from assessment import scorecards

    with st.expander(t("bulk.title", n=n)):
        if n > scorecards.BULK_MAX:
            st.warning(t("bulk.too_many", n=n, max=scorecards.BULK_MAX))
            return
        pdf_lang = st.radio(t("bulk.lang"), ["vi", "en"], key="bulk_lang", horizontal=True,
                            format_func=lambda x: {"vi": "Tiếng Việt", "en": "English"}[x])
        if st.button(t("bulk.make", n=n), key="bulk_make"):
            ids = read_ids()
            bar = st.progress(0.0, text=t("bulk.progress", done=0, n=len(ids)))
            made = scorecards.zip_of(
                scorecards.many(ids, pdf_lang),
                total=len(ids), progress=lambda k, n: bar.progress(k / n, text=t("bulk.progress", done=k, n=n)))
            st.session_state[state.BULK_ZIP] = (tuple(ids), pdf_lang, made)
            st.session_state[state.BULK_ZIP_OF] = what
        made = st.session_state.get(state.BULK_ZIP)
        if made is not None and st.session_state.get(state.BULK_ZIP_OF) == what and made[1] == pdf_lang:
            st.download_button(t("bulk.download", n=len(made[0])), made[2], f"phieu-ket-qua_{year}_{pdf_lang}.zip",
                               "application/zip", key="bulk_zip_dl", on_click="ignore")


def _firm_detail(assessment_id: int) -> None:
    record = common.store().get(assessment_id)
    fw = common.framework(record.framework_key)
    result = record.result
    st.divider()
    st.markdown(f"### {plain(record.profile.name)}")
    st.caption(t("results.meta", tax_code=record.profile.tax_code, date=common.day(record.submitted_at),
                 framework=fw.spec.title(lang())))
    c1, c2 = st.columns(2)
    c1.metric(t("results.level"), f"{result.level} – {fw.level_name(result.level, lang())}")
    c2.metric(t("results.total"), f"{result.total}/{result.max_points}")
    st.table(components.pillar_frame(record).set_index(t("col.pillar")))
    view = data.view(record)
    components.peers_section(view)
    components.history_section(view)
    components.pdf_buttons(record, key="dash_pdf")


def _targets(fw, dept: Department, now: pd.DataFrame, user, year: int) -> None:
    targets = dept.targets(fw)
    if not targets and not user.is_admin:
        return
    st.subheader(t("tgt.title"))
    st.caption(t("tgt.hint", year=year))
    for target in targets:
        prog = progress(fw, target, now)
        value = (f"{common.num(prog.current)} %" if target.metric == "share_at_level" else
                 common.num(prog.current, 0) if target.metric == "firms_assessed" else common.num(prog.current))
        goal = (f"{common.num(target.value)} %" if target.metric == "share_at_level" else
                common.num(target.value, 0) if target.metric == "firms_assessed" else common.num(target.value))
        label = t(f"tgt.metric.{target.metric}", level=target.level)
        st.progress(prog.ratio, text=t("tgt.line", label=label, goal=goal, year=target.year, now=value,
                                       state=t("tgt.reached") if prog.reached else t("tgt.not_yet"))
                    + (f" · {plain(target.note)}" if target.note else ""))
    if not auth.admin(user, "tgt.viewer_note"):
        return
    if st.session_state.pop("_tgt_saved", False):
        st.session_state["tgt_note"] = ""  # a saved target's note does not carry over to the next one
    with st.expander(t("tgt.edit")):
        with st.form("tgt_form", clear_on_submit=False):
            # the choices name no level: it is chosen in the next field
            metric = st.selectbox(t("tgt.metric"), METRICS, key="tgt_metric",
                                  format_func={m: t(f"tgt.choice.{m}") for m in METRICS}.get)
            c1, c2, c3 = st.columns(3)
            # no min/max on the boxes: save_target refuses what is out of range, in the user's language
            level = c1.number_input(t("tgt.level"), value=2, step=1, key="tgt_level")
            value = c2.number_input(t("tgt.value"), value=50.0, key="tgt_value")
            when = c3.number_input(t("tgt.year"), value=year + 1, step=1, key="tgt_year")
            note = st.text_input(t("tgt.note"), max_chars=300, key="tgt_note")
            if st.form_submit_button(t("tgt.save"), key="tgt_save"):
                try:
                    dept.save_target(fw, metric=metric, value=float(value), year=int(when), level=int(level),
                                     note=note, who=user.username)
                    st.session_state["_tgt_saved"] = True
                    st.rerun()
                except TargetError as exc:
                    st.error(t(exc.key, **exc.params))
        for target in targets:
            c1, c2 = st.columns([4, 1])
            c1.caption(t("tgt.by", label=t(f"tgt.metric.{target.metric}", level=target.level), year=target.year,
                         who=target.updated_by, at=common.day(target.updated_at)))
            if c2.button(t("tgt.delete"), key=f"tgt_del_{target.id}"):
                dept.delete_target(target.id)
                st.rerun()
