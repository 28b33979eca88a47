"""Clusters of firms by maturity, for the department: sizes, profiles against the province, sectors,
localities, levels, the platform categories most recommended to each group, its firms, the map of
firms (PCA, sampled for large data), and keeping a clustering for the dashboard and new firms."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from assessment import exports
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
        found = data.clusters(fw, k, features)
    if found is None:
        st.info(t("dash.empty"))
        return
    now, model, _points = found
    separation = "clear" if model.silhouette >= 0.5 else "fair" if model.silhouette >= 0.25 else "weak"
    st.markdown(t("clu.summary_words", k=model.k, separation=t(f"clu.separation.{separation}")))
    st.caption(model.stability_words(L))
    with st.expander(t("clu.figures")):  # the technical figures, for those who want them
        st.caption(t("clu.summary", k=model.k, sil=common.num(model.silhouette, 2),
                     ari=common.num(model.stability, 2)))
    _keep(fw, model, len(now), user, features)

    labels = now["cluster"].to_numpy()
    pct = pillar_percent_of(fw, now)
    province = pct.mean(axis=0)
    locs = localities()
    secs = sectors()
    with st.spinner(t("clu.working")):
        cats = data.cluster_categories(fw, k, features)
    st.subheader(t("clu.crosstab"))
    st.table(_level_crosstab(now["level"].to_numpy(), labels, model, L))
    for c in range(model.k):
        members = now[labels == c]
        with st.expander(f"{c}. {model.name(c, L)} · {t('clu.firms', n=len(members))}", expanded=c == 0):
            prof = pd.DataFrame(
                [{"pillar": p.id, "who": who, "percent": round(float(v), 1)}
                 for i, p in enumerate(fw.pillars)
                 for who, v in ((t("clu.cluster"), pct[labels == c, i].mean()), (t("clu.province"), province[i]))]
            )
            st.altair_chart(alt.Chart(prof).mark_bar().encode(
                x=alt.X("pillar:N", title=None), xOffset="who:N",
                y=alt.Y("percent:Q", scale=alt.Scale(domain=[0, 100]), title=t("col.percent")),
                color=alt.Color("who:N", title=None, legend=alt.Legend(orient="bottom"))), width="stretch")
            c1, c2 = st.columns(2)
            c1.markdown(t("clu.sectors") + " " + ", ".join(
                f"{s} – {secs[s].name(L) if s in secs else s} ({n})"
                for s, n in members["sector"].value_counts().head(3).items()))
            c2.markdown(t("clu.localities") + " " + ", ".join(
                f"{locs[x].name if x in locs else x} ({n})" for x, n in members["locality"].value_counts().head(3).items()))
            top_cats = list(cats[c].items())[:4]
            st.markdown(t("clu.categories") + " " + (", ".join(
                f"{category_name(cat, L)} ({common.num(100 * n / len(members), 0)} %)" for cat, n in top_cats)
                if top_cats else t("clu.no_categories")))
            firms = members.sort_values("total", ascending=False)[["name", "tax_code", "locality", "total", "level"]]
            firms = firms.assign(locality=firms["locality"].map(lambda x: locs[x].name if x in locs else x)).rename(
                columns={"name": t("admin.usage_firm"), "tax_code": t("profile.tax_code"),
                         "locality": t("profile.locality"), "total": t("col.total"), "level": t("col.level")})
            st.dataframe(firms.head(LIST_MAX), hide_index=True, width="stretch", height=240)
            if len(firms) > LIST_MAX:
                st.caption(t("clu.list_cut", n=LIST_MAX))
            st.download_button(t("clu.download"), exports.to_csv_bytes(firms), f"cluster_{c}.csv", "text/csv",
                               key=f"clu_csv_{c}")
    st.subheader(t("clu.map"))
    idx, xy = map_points(pct, sample=MAP_SAMPLE)
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
    if len(now) > MAP_SAMPLE:
        st.caption(t("clu.sampled", n=MAP_SAMPLE))


def _level_crosstab(levels, labels, model, L: str) -> pd.DataFrame:
    """Firms by cluster (rows) and level (columns). A table shows no axis titles, so each label says
    what it is: a row "Nhóm 0: ..." (a label starting "0. " would be drawn as a numbered list item),
    a column "Mức 2"."""
    cross = pd.crosstab(pd.Series([f"{t('clu.cluster')} {c}: {model.name(c, L)}" for c in labels],
                                  name=t("clu.cluster")), pd.Series(levels))
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
    if kept is not None and np.allclose(np.asarray(kept.model.centers), np.asarray(model.centers)):
        return
    if st.button(t("clu.keep"), key="clu_keep"):
        dept.keep_cluster_model(model, n_firms=n_firms, who=user.username)
        st.rerun()
