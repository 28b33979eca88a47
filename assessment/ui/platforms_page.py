"""Platforms in use, for the department: which catalogue entries and categories firms declare,
by area, commune, sector, size class or level; firms using nothing in a category the index
rewards; the level of users against non-users of the same size and sector (descriptive); what the
tool recommended against what firms took up; the Make in Vietnam share. Every figure is computed
server-side (assessment.inventory); no figure about fewer than MIN_GROUP firms is shown."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import exports
from assessment.firms import areas, localities, size_classes
from assessment.inventory import MIN_GROUP
from assessment.recommend import category_name
from assessment.ui import auth, common, data
from assessment.ui.common import lang, t
from assessment.ui.dashboard_page import section_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BY = ("area", "commune", "sector", "size", "level")
TOP_ENTRIES = 20


def render() -> None:
    st.title(t("plat.title"))
    user = auth.require_user()
    if user is None:
        return
    fw = common.framework(common.framework_choice("plat_fw"))
    L = lang()
    cells = data.cube(fw)  # the years with data, from the department's cached figures
    if cells.empty:
        st.info(t("dash.empty"))
        return
    years = sorted(cells["year"].unique().tolist(), reverse=True)
    c1, c2 = st.columns(2)
    all_years = t("plat.all_years")
    year = _kept_choice(c1, t("dash.period"), [None, *years], "plat_year",
                        format_func=lambda y: all_years if y is None else str(y))
    by_names = {b: t(f"plat.by.{b}") for b in BY}
    by = _kept_choice(c2, t("plat.by"), list(BY), "plat_by", format_func=by_names.get)
    with st.spinner(t("clu.working")):
        a = data.adoption(fw, by, None if year is None else int(year), L)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("dash.firms"), common.num(a.n_firms, 0))
    m2.metric(t("plat.declared"), common.num(a.n_declared, 0))
    miv = a.make_in_vietnam
    m3.metric(t("plat.miv"), f"{common.num(miv['share_of_declared'])} %" if miv["marked"] else "–")
    st.caption(t("plat.base", n=a.n_declared, firms=a.n_firms))
    if a.n_declared == 0:
        st.info(t("plat.none_declared"))
        return

    st.subheader(t("plat.categories"))
    cats = a.by_category.assign(name=[category_name(c, L) for c in a.by_category["category"]])
    st.altair_chart(alt.Chart(cats).mark_bar().encode(
        y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=180)),
        x=alt.X("share:Q", scale=alt.Scale(domain=[0, 100]), title=t("plat.share")),
        tooltip=[alt.Tooltip("name:N", title=t("plat.category")), alt.Tooltip("firms:Q", title=t("plat.users")),
                 alt.Tooltip("share:Q", title=t("plat.share"))]), width="stretch")
    none = cats[cats["rewarded"]].sort_values("none_share", ascending=False)
    st.markdown(t("plat.none_intro"))
    st.dataframe(none[["name", "none_share", "firms"]].rename(columns={
        "name": t("plat.category"), "none_share": t("plat.none_share"), "firms": t("plat.users")}),
        hide_index=True, width="stretch")

    st.subheader(t("plat.entries"))
    entries = a.by_entry.assign(category_name=[category_name(c, L) if c else "" for c in a.by_entry["category"]],
                                miv=[t(f"cat.yn.{m}") for m in a.by_entry["make_in_vietnam"]])
    top = entries.head(TOP_ENTRIES)
    st.altair_chart(alt.Chart(top).mark_bar().encode(
        y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=170)),
        x=alt.X("share:Q", title=t("plat.share")),
        color=alt.Color("miv:N", title=t("plat.miv_short"), legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("name:N", title=t("plat.entry")), alt.Tooltip("category_name:N", title=t("plat.category")),
                 alt.Tooltip("firms:Q", title=t("plat.users")), alt.Tooltip("share:Q", title=t("plat.share"))]),
        width="stretch")
    if len(entries) > TOP_ENTRIES:
        st.caption(t("plat.top", n=TOP_ENTRIES, total=len(entries)))
    if not miv["marked"]:
        st.caption(t("plat.miv_unmarked"))

    st.subheader(t("plat.groups", by=by_names[by].lower()))
    groups = _group_names(a.by_group, by, fw, L)
    if groups.empty:
        st.info(t("plat.groups_small", k=MIN_GROUP))
    else:
        groups["category_name"] = [category_name(c, L) for c in groups["category"]]
        st.altair_chart(alt.Chart(groups).mark_rect().encode(
            # upright labels, none dropped for overlapping: every column is named on a phone too
            x=alt.X("category_name:N", title=None, axis=alt.Axis(labelAngle=-90, labelOverlap=False, labelLimit=120)),
            y=alt.Y("group_name:N", title=None, axis=alt.Axis(labelLimit=150)),
            color=alt.Color("share:Q", title=t("plat.share"), scale=alt.Scale(scheme="blues", domain=[0, 100]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("group_name:N", title=by_names[by]),
                     alt.Tooltip("category_name:N", title=t("plat.category")),
                     alt.Tooltip("firms_in_group:Q", title=t("plat.group_size")),
                     alt.Tooltip("firms:Q", title=t("plat.users")), alt.Tooltip("share:Q", title=t("plat.share"))]),
            width="stretch")
    st.caption(t("plat.k_note", k=MIN_GROUP))

    st.subheader(t("plat.levels"))
    st.caption(t("plat.not_causal"))
    if a.users_vs_others.empty:
        st.info(t("plat.groups_small", k=MIN_GROUP))
    else:
        vs = a.users_vs_others.assign(name=[category_name(c, L) for c in a.users_vs_others["category"]])
        st.altair_chart(alt.Chart(vs).mark_bar().encode(
            y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=180)),
            # two lines: the whole title fits a phone's width
            x=alt.X("difference:Q", title=[t("plat.difference"), t("plat.difference_note")]),
            tooltip=[alt.Tooltip("name:N", title=t("plat.category")),
                     alt.Tooltip("level_users:Q", title=t("plat.level_users")),
                     alt.Tooltip("level_others:Q", title=t("plat.level_others")),
                     alt.Tooltip("users:Q", title=t("plat.users")), alt.Tooltip("others:Q", title=t("plat.others")),
                     alt.Tooltip("strata:Q", title=t("plat.strata"))]), width="stretch")
        st.dataframe(_renamed(vs[["name", "level_users", "level_others", "difference", "users", "others", "strata"]]),
                     hide_index=True, width="stretch")

    st.subheader(t("plat.recommended"))
    if a.recommended.empty:
        st.info(t("plat.recommended_none", k=MIN_GROUP))
    else:
        st.caption(t("plat.recommended_hint"))
        st.dataframe(_renamed(a.recommended[["name", "recommended", "adopted_after", "rate"]]),
                     hide_index=True, width="stretch")

    st.subheader(t("plat.download"))
    sheets = _sheets(a, by, groups, entries, L)
    c1, c2 = st.columns(2)
    c1.download_button(t("dash.export_csv"), exports.to_csv_bytes(sheets[1][1]), "platforms_entries.csv", "text/csv",
                       key="plat_csv")
    c2.download_button(t("dash.export_xlsx"), exports.to_xlsx_sheets(sheets), "platforms.xlsx", XLSX, key="plat_xlsx")


def _kept_choice(where, label: str, options: list, name: str, *, format_func):
    """A select box whose choice survives a switch of language: its widget is the language's own
    (``<name>_<lang>``; the options' labels change with the language, and a widget kept across the
    switch went back to its first option on the next run), the choice itself kept under ``name``."""
    chosen = st.session_state.get(name, options[0])
    value = where.selectbox(label, options, index=options.index(chosen) if chosen in options else 0,
                            key=f"{name}_{lang()}", format_func=format_func)
    st.session_state[name] = value
    return value


COLUMNS = ("name", "share", "firms", "none_share", "level_users", "level_others", "difference", "users", "others",
           "strata", "recommended", "adopted_after", "rate", "group_name", "firms_in_group", "category_name", "miv",
           "entry_id")


def _renamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns named in the page's language."""
    return frame.rename(columns={c: t(f"plat.col.{c}") for c in COLUMNS if c in frame.columns})


def _group_names(by_group: pd.DataFrame, by: str, fw, L: str) -> pd.DataFrame:
    groups = by_group.copy()
    if by == "area":
        names = {a.code: a.name for a in areas().values()}
        groups["group_name"] = [names.get(g, g) for g in groups["group"]]
    elif by == "commune":
        locs = localities()
        groups["group_name"] = [locs[g].name if g in locs else g for g in groups["group"]]
    elif by == "sector":
        groups["group_name"] = [section_label(g, L) for g in groups["group"]]
    elif by == "size":
        sizes = size_classes()
        groups["group_name"] = [sizes[g].name(L) if g in sizes else g for g in groups["group"]]
    else:
        groups["group_name"] = [f"{int(g)} – {fw.level_name(int(g), L)}" for g in groups["group"]]
    return groups


def _sheets(a, by: str, groups: pd.DataFrame, entries: pd.DataFrame, L: str) -> list[tuple[str, pd.DataFrame]]:
    """The page's tables as export sheets (column names in the page's language)."""
    cats = a.by_category.assign(name=[category_name(c, L) for c in a.by_category["category"]])
    return [
        ("categories", _renamed(cats[["name", "firms", "share", "none_share"]])),
        ("entries", _renamed(entries[["entry_id", "name", "category_name", "miv", "firms", "share"]])),
        (f"by_{by}", _renamed(groups[["group_name", "category_name", "firms_in_group", "firms", "share"]]
                              if not groups.empty else pd.DataFrame(columns=["group_name"]))),
        ("users_vs_others", _renamed(a.users_vs_others.assign(
            name=[category_name(c, L) for c in a.users_vs_others["category"]])[
            ["name", "level_users", "level_others", "difference", "users", "others", "strata"]])),
        ("recommended", _renamed(a.recommended[["entry_id", "name", "recommended", "adopted_after", "rate"]])),
    ]
