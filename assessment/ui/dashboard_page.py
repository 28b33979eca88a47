"""The department's dashboard: filters, headline figures, charts aggregated before plotting, firm table."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import dashboard, exports
from assessment.config import settings
from assessment.firms import localities, sectors, size_classes
from assessment.ui import auth, common
from assessment.ui.common import lang, t


@st.cache_data(ttl=60, show_spinner=False)
def _frame(url: str, framework_key: str) -> pd.DataFrame:
    return common._store(url).submitted_frame(framework_key)


def render() -> None:
    st.title(t("dash.title"))
    if auth.require_user() is None:
        return
    fw = common.framework()
    frame = _frame(settings().database_url, fw.key)
    if frame.empty:
        st.info(t("dash.empty"))
        return
    L = lang()
    locs = localities(str(settings().localities_file))
    secs, sizes = sectors(), size_classes()
    years = sorted(frame["submitted_at"].dt.year.unique().tolist(), reverse=True)
    c1, c2 = st.columns(2)
    chosen_locs = c1.multiselect(t("profile.locality"), sorted(frame["locality"].unique()), key="dash_loc",
                                 format_func=lambda c: locs[c].name if c in locs else c, placeholder=t("rec.all"))
    chosen_secs = c2.multiselect(t("profile.sector"), sorted(frame["sector"].unique()), key="dash_sec",
                                 format_func=lambda c, L=L: f"{c} – {secs[c].name(L)}" if c in secs else c,
                                 placeholder=t("rec.all"))
    c3, c4 = st.columns(2)
    chosen_sizes = c3.multiselect(t("dash.size"), [s for s in ("micro", "small", "medium", "large")
                                                   if s in set(frame["size_class"])],
                                  format_func=lambda s, L=L: sizes[s].name(L), key="dash_size", placeholder=t("rec.all"))
    year = c4.selectbox(t("dash.period"), years, key="dash_year")
    filters = dashboard.Filters(tuple(chosen_locs), tuple(chosen_secs), tuple(chosen_sizes), int(year))
    head = dashboard.headline(fw, frame, filters)

    m1, m2, m3 = st.columns(3)
    m1.metric(t("dash.firms"), f"{head.firms:,}".replace(",", "."))
    m2.metric(t("dash.mean_total"), common.num(head.mean_total),
              None if head.previous_mean_total is None else common.num(head.mean_total - head.previous_mean_total))
    at_2 = sum(v for lv, v in head.level_share.items() if lv >= 2)
    m3.metric(t("dash.share_level2"), f"{common.num(100 * at_2)} %")
    if head.firms == 0:
        st.info(t("dash.no_match"))
        return

    st.subheader(t("dash.levels"))
    levels = pd.DataFrame([{"level": f"{lv} – {fw.level_name(lv, L)}", "share": round(100 * v, 1)}
                           for lv, v in head.level_share.items()])
    st.altair_chart(alt.Chart(levels).mark_bar().encode(
        x=alt.X("level:N", sort=None, title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("share:Q", title=t("dash.share_pct")), tooltip=["level", "share"]), width="stretch")

    st.subheader(t("dash.pillars"))
    prof = pd.DataFrame([{"pillar": p.id, "name": p.name(L), "percent": round(head.mean_pillar_percent[p.id], 1)}
                         for p in fw.pillars])
    st.altair_chart(alt.Chart(prof).mark_bar().encode(
        x=alt.X("pillar:N", sort=None, title=None), y=alt.Y("percent:Q", scale=alt.Scale(domain=[0, 100]),
                                                            title=t("col.percent")),
        tooltip=["name", "percent"]), width="stretch")

    now = dashboard.latest(frame, filters)
    st.subheader(t("dash.heatmap"))
    heat = dashboard.locality_pillar(fw, now)
    heat["locality"] = heat["locality"].map(lambda c: locs[c].name if c in locs else c)
    st.altair_chart(alt.Chart(heat).mark_rect().encode(
        x=alt.X("pillar:N", title=None), y=alt.Y("locality:N", title=None),
        color=alt.Color("percent:Q", scale=alt.Scale(scheme="blues", domain=[0, 100]), title="%"),
        tooltip=["locality", "pillar", "percent", "firms"]), width="stretch")

    st.subheader(t("dash.trend"))
    trend = dashboard.trend(frame, dashboard.Filters(filters.localities, filters.sectors, filters.sizes))
    st.altair_chart(alt.Chart(trend).mark_line(point=True).encode(x=alt.X("year:O", title=None),
                                                  y=alt.Y("mean_total:Q", title=t("dash.mean_total")),
                                                  tooltip=["year", "firms", "mean_total"]), width="stretch")

    st.subheader(t("dash.table"))
    table = now[["name", "tax_code", "locality", "sector", "size_class", "total", "level"]].copy()
    table["locality"] = table["locality"].map(lambda c: locs[c].name if c in locs else c)
    table["size_class"] = table["size_class"].map(lambda s, L=L: sizes[s].name(L) if s in sizes else s)
    table = table.rename(columns={
        "name": t("admin.usage_firm"), "tax_code": t("profile.tax_code"), "locality": t("profile.locality"),
        "sector": t("profile.sector"), "size_class": t("dash.size"), "total": t("col.total"), "level": t("col.level")})
    table = table.sort_values(t("col.total"), ascending=False)
    st.dataframe(table, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    c1.download_button(t("dash.export_csv"), exports.to_csv_bytes(table), f"firms_{year}.csv", "text/csv",
                       key="dash_csv")
    c2.download_button(t("dash.export_xlsx"), exports.to_xlsx_bytes(table), f"firms_{year}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dash_xlsx")
