"""Clusters of firms by maturity, for the department: sizes, profiles against the province, sectors,
localities, levels, and the map of firms (PCA, sampled for large data)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import dashboard
from assessment.clustering import fit_clusters, map_points, pillar_percent_of
from assessment.config import settings
from assessment.ui import auth, common
from assessment.ui.common import lang, t

MAP_SAMPLE = 5_000


@st.cache_data(ttl=300, show_spinner=False)
def _clusters(url: str, framework_key: str, k: int | None):
    fw = common.framework(framework_key)
    now = dashboard.latest(common._store(url).submitted_frame(framework_key), dashboard.Filters())
    if len(now) < 3:
        return None
    pct = pillar_percent_of(fw, now)
    model, labels = fit_clusters(fw, pct, k=k)
    return now.assign(cluster=labels), pct, model


def render() -> None:
    st.title(t("clu.title"))
    if auth.require_user() is None:
        return
    fw = common.framework()
    choice = st.selectbox(t("clu.k"), ["auto", 2, 3, 4, 5, 6, 7, 8], key="clu_k",
                          format_func=lambda v: t("clu.auto") if v == "auto" else str(v))
    found = _clusters(settings().database_url, fw.key, None if choice == "auto" else int(choice))
    if found is None:
        st.info(t("dash.empty"))
        return
    now, pct, model = found
    L = lang()
    st.markdown(t("clu.summary", k=model.k, sil=common.num(model.silhouette, 2), ari=common.num(model.stability, 2)))
    st.caption(model.stability_words(L))
    province = pct.mean(axis=0)
    for c in range(model.k):
        members = now[now["cluster"] == c]
        with st.expander(f"{c}. {model.name(c, L)} · {t('clu.firms', n=len(members))}", expanded=c == 0):
            prof = pd.DataFrame(
                [{"pillar": p.id, "who": who, "percent": round(float(v), 1)}
                 for i, p in enumerate(fw.pillars)
                 for who, v in ((t("clu.cluster"), pct[now["cluster"].to_numpy() == c, i].mean()),
                                (t("clu.province"), province[i]))]
            )
            st.altair_chart(alt.Chart(prof).mark_bar().encode(
                x=alt.X("pillar:N", title=None), xOffset="who:N",
                y=alt.Y("percent:Q", scale=alt.Scale(domain=[0, 100]), title=t("col.percent")),
                color=alt.Color("who:N", title=None, legend=alt.Legend(orient="bottom"))), width="stretch")
            c1, c2 = st.columns(2)
            c1.markdown(t("clu.sectors") + " " + ", ".join(
                f"{s} ({n})" for s, n in members["sector"].value_counts().head(3).items()))
            c2.markdown(t("clu.levels") + " " + ", ".join(
                f"{lv}: {n}" for lv, n in members["level"].value_counts().sort_index().items()))
    st.subheader(t("clu.map"))
    idx, xy = map_points(pct, sample=MAP_SAMPLE)
    points = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1],
                           "cluster": [model.name(int(c), L) for c in now["cluster"].to_numpy()[idx]]})
    st.altair_chart(alt.Chart(points).mark_circle(size=18, opacity=0.6).encode(
        x=alt.X("x:Q", title="PCA 1"), y=alt.Y("y:Q", title="PCA 2"),
        color=alt.Color("cluster:N", title=None, legend=alt.Legend(orient="bottom", columns=1, labelLimit=600))), width="stretch")
    if len(now) > MAP_SAMPLE:
        st.caption(t("clu.sampled", n=MAP_SAMPLE))
