"""Clusters of firms by maturity, for the department: sizes, profiles against the province, sectors,
localities, levels, the platform categories most recommended to each group, its firms, the map of
firms (PCA, sampled for large data), and keeping a clustering for the dashboard and new firms.
The figures come from assessment.province_clusters: fitted on a sample, every firm placed by the
database."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from assessment import exports, province_clusters
from assessment.clustering import map_points, pillar_percent_of
from assessment.department import Department
from assessment.firms import localities, sectors
from assessment.recommend import category_name
from assessment.ui import auth, common, data
from assessment.ui.common import lang, t

MAP_SAMPLE = 5_000
LIST_MAX = 1_000


def render() -> None:
    st.title(t("clu.title"))
    user = auth.require_user()
    if user is None:
        return
    fw = common.framework()
    L = lang()
    c1, c2 = st.columns(2)
    # labels bound now, in the page's language (a format_func runs again outside this run)
    auto, feature_names = t("clu.auto"), {f: t(f"clu.features.{f}") for f in ("pillars", "components")}
    choice = c1.selectbox(t("clu.k"), ["auto", 2, 3, 4, 5, 6, 7, 8], key="clu_k",
                          format_func=lambda v: auto if v == "auto" else str(v))
    features = c2.radio(t("clu.features"), list(feature_names), key="clu_feat", horizontal=True,
                        format_func=feature_names.get)
    k = None if choice == "auto" else int(choice)
    with st.spinner(t("clu.working")):
        try:
            found = data.clusters(fw, k, features)
        except province_clusters.TooFewFirms as exc:  # e.g. 8 clusters of 5 firms: the automatic choice instead
            st.warning(t("clu.too_few", k=exc.k, n=exc.firms, most=exc.firms - 1))
            k = None
            found = data.clusters(fw, k, features)
    if found is None:
        st.info(t("dash.empty"))
        return
    model = found.model
    separation = "clear" if model.silhouette >= 0.5 else "fair" if model.silhouette >= 0.25 else "weak"
    st.markdown(t("clu.summary_words", k=model.k, separation=t(f"clu.separation.{separation}")))
    st.caption(model.stability_words(L))
    if found.fitted_on < found.firms:
        st.caption(t("clu.fitted_sample" if found.every_firm else "clu.sample_only", n=found.fitted_on, all=found.firms))
    with st.expander(t("clu.figures")):  # the technical figures, for those who want them
        st.caption(t("clu.summary", k=model.k, sil=common.num(model.silhouette, 2),
                     ari=common.num(model.stability, 2)))
    _keep(fw, model, found.fitted_on, user, features)

    sizes = found.sizes()
    per, province = found.pillar_percent(fw)
    locs = localities()
    secs = sectors()
    with st.spinner(t("clu.working")):
        cats, counted = data.cluster_categories(fw, k, features)
    st.subheader(t("clu.crosstab"))
    st.table(_level_crosstab(found.levels(), model, L))
    store = common.store()
    headers = {"name": t("admin.usage_firm"), "tax_code": t("profile.tax_code"), "locality": t("profile.locality"),
               "total": t("col.total"), "level": t("col.level")}
    place = {code: loc.name for code, loc in locs.items()}

    def named(firms: pd.DataFrame) -> pd.DataFrame:
        return firms.assign(locality=firms["locality"].map(lambda x: place.get(x, x))).rename(columns=headers)

    lists = data.cluster_lists(fw, k, features, LIST_MAX)
    for c in range(model.k):
        with st.expander(f"{c}. {model.name(c, L)} · {t('clu.firms', n=int(sizes[c]))}", expanded=c == 0):
            prof = pd.DataFrame(
                [{"pillar": p.id, "who": who, "percent": round(float(v), 1)}
                 for i, p in enumerate(fw.pillars)
                 for who, v in ((t("clu.cluster"), per[c, i]), (t("clu.province"), province[i]))]
            )
            st.altair_chart(alt.Chart(prof).mark_bar().encode(
                x=alt.X("pillar:N", title=None), xOffset="who:N",
                y=alt.Y("percent:Q", scale=alt.Scale(domain=[0, 100]), title=t("col.percent")),
                color=alt.Color("who:N", title=None, legend=alt.Legend(orient="bottom"))), width="stretch")
            c1, c2 = st.columns(2)
            c1.markdown(t("clu.sectors") + " " + ", ".join(
                f"{s} – {secs[s].name(L) if s in secs else s} ({common.num(n, 0)})" for s, n in found.top("sector", c)))
            c2.markdown(t("clu.localities") + " " + ", ".join(
                f"{place.get(x, x)} ({common.num(n, 0)})" for x, n in found.top("locality", c)))
            top_cats = list(cats[c].items())[:4]
            st.markdown(t("clu.categories") + " " + (", ".join(
                f"{category_name(cat, L)} ({common.num(100 * n / max(counted[c], 1), 0)} %)" for cat, n in top_cats)
                if top_cats else t("clu.no_categories")))
            if counted[c] < sizes[c]:
                st.caption(t("clu.categories_sample", n=counted[c]))
            st.dataframe(named(lists[c]), hide_index=True, width="stretch", height=240)
            if sizes[c] > LIST_MAX:
                st.caption(t("clu.list_cut", n=LIST_MAX))
            # made when clicked: every firm of the cluster, written a chunk at a time
            st.download_button(t("clu.download"),
                               lambda c=c: exports.csv_bytes_of_chunks(
                                   named(part) for part in province_clusters.cluster_firms(store, fw, found, c)),
                               f"cluster_{c}.csv", "text/csv", key=f"clu_csv_{c}")
    st.subheader(t("clu.map"))
    sample = found.sample.iloc[:MAP_SAMPLE]
    idx, xy = map_points(pillar_percent_of(fw, sample), sample=MAP_SAMPLE)
    labels = sample["cluster"].to_numpy()
    points = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1],
                           "cluster": [f"{int(c)}. {model.name(int(c), L)}" for c in labels[idx]]})
    st.altair_chart(alt.Chart(points).mark_circle(size=18, opacity=0.6).encode(
        x=alt.X("x:Q", title=t("clu.axis1"), axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("y:Q", title=t("clu.axis2"), axis=alt.Axis(labels=False, ticks=False)),
        # a qualitative palette: every cluster its own clearly different colour
        color=alt.Color("cluster:N", title=None, scale=alt.Scale(scheme="set1"),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=600))),
        width="stretch")
    st.caption(t("clu.map_hint"))
    if found.firms > MAP_SAMPLE:
        st.caption(t("clu.sampled", n=MAP_SAMPLE))


def _level_crosstab(cross: pd.DataFrame, model, L: str) -> pd.DataFrame:
    """Firms by cluster (rows) and level (columns). A table shows no axis titles, so each label says
    what it is: a row "Nhóm 0: ..." (a label starting "0. " would be drawn as a numbered list item),
    a column "Mức 2"."""
    cross = cross.reindex(range(model.k), fill_value=0)
    cross.index = pd.Index([f"{t('clu.cluster')} {c}: {model.name(c, L)}" for c in cross.index], name=t("clu.cluster"))
    cross.columns = [f"{t('col.level')} {int(lv)}" for lv in cross.columns]
    return cross


def _keep(fw, model, n_firms: int, user, features: str) -> None:
    """Which clustering the dashboard uses, and (admins) keeping this one instead."""
    dept = Department(common.store())
    kept = dept.cluster_model(fw)
    if kept is None:
        st.caption(t("clu.kept_none"))
    else:
        st.caption(t("clu.kept", k=kept.model.k, n=kept.n_firms, who=kept.created_by, at=common.day(kept.created_at)))
    if not auth.admin(user, "clu.viewer_note"):
        return
    if features != "pillars":
        st.caption(t("clu.keep_pillars_only"))
        return
    same = (kept is not None and kept.model.features == model.features and kept.model.k == model.k
            and np.allclose(np.asarray(kept.model.centers), np.asarray(model.centers)))
    if same:  # this one is kept already (a kept clustering of another k is compared with nothing)
        return
    if st.button(t("clu.keep"), key="clu_keep"):
        dept.keep_cluster_model(model, n_firms=n_firms, who=user.username)
        st.rerun()
