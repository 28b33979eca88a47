"""The firm's results: level, pillars, chart, weakest criteria, the gap to the next level, history."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import narrative
from assessment.recommend import category_name, price_name, recommend, step_helpers
from assessment.roadmap import Roadmap, roadmap
from assessment.storage import AssessmentRecord
from assessment.ui import common, nav
from assessment.ui.common import lang, t
from assessment.ui.text import plain


def render() -> None:
    st.title(t("results.title"))
    record = common.current()
    if record is None or not record.submitted:
        st.info(t("results.none"))
        c1, c2 = st.columns(2)
        if c1.button(t("results.go_assess"), key="go_assess"):
            nav.go("assess")
        if c2.button(t("nav.resume"), key="go_resume"):
            nav.go("resume")
        return
    fw = common.framework(record.framework_key)
    result = record.result
    profile = record.profile

    st.markdown(f"### {plain(profile.name)}")
    st.caption(t("results.meta", tax_code=profile.tax_code, date=common.day(record.submitted_at),
                 framework=fw.spec.title(lang())))
    common.claim_notice(record)
    c1, c2 = st.columns(2)
    c1.metric(t("results.level"), narrative.level_label(fw, result.level, lang()))
    c2.metric(t("results.total"), f"{result.total}/{result.max_points}")
    c2.caption(t("results.total_of", percent=common.num(result.percent)))
    st.caption(fw.spec.levels[result.level].description(lang()))

    st.subheader(t("results.pillars"))
    # a static table wraps long pillar names, so all columns fit a phone
    st.table(pillar_frame(record).set_index(t("col.pillar")))
    st.altair_chart(pillar_chart(fw, record), width="stretch")

    peers_section(record)

    st.subheader(t("results.next_level"))
    lines = narrative.gap_lines(fw, result, lang())
    st.write(lines[0])
    st.markdown("\n".join(("    - " + line.strip()) if line.startswith("  ") else f"- {line}" for line in lines[1:]))

    st.subheader(t("results.losses"))
    st.caption(t("results.losses_hint"))
    losses = narrative.losses(fw, result, lang())
    if losses:
        st.markdown("\n".join(
            f"- {r.pillar_id} · " + t("results.loss_line", id=r.criterion_id, title=r.title, points=r.points,
                                       max=r.max_points)
            for r in losses
        ))
    else:
        st.success(t("results.no_losses"))

    _roadmap_section(record)

    _recommendations_section(record)

    history_section(record)

    st.subheader(t("pdf.section"))
    pdf_buttons(record)

    st.divider()
    if st.button(t("results.reassess"), key="reassess"):
        with common.guard("err.kept.action") as outcome:
            aid, code = common.store().start_reassessment(record.id, common.framework().key, lang=lang())
        if not outcome.ok:
            return
        common.open_assessment(aid)
        st.session_state["new_code"] = code
        nav.go("assess")


def _scorecard_bytes(assessment_id: int, pdf_lang: str) -> bytes:
    from assessment import scorecards
    from assessment.config import settings

    cfg = settings()
    return scorecards.one(cfg.database_url, str(cfg.frameworks_dir), str(cfg.localities_file), assessment_id,
                          pdf_lang)[1]


def pdf_buttons(record: AssessmentRecord, key: str = "pdf") -> None:
    """The scorecard in each language; built when the button is pressed."""
    from functools import partial

    from assessment.report import file_name

    c1, c2 = st.columns(2)
    for col, pdf_lang, label in ((c1, "vi", "pdf.download"), (c2, "en", "pdf.download_en")):
        col.download_button(t(label), partial(_scorecard_bytes, record.id, pdf_lang),
                            file_name(record.profile.tax_code, record.submitted_at, pdf_lang), "application/pdf",
                            key=f"{key}_{pdf_lang}", on_click="ignore", icon=":material/picture_as_pdf:")


def pillar_frame(record: AssessmentRecord) -> pd.DataFrame:
    """Pillars in framework order, with the same numbers as the scoring (narrow enough for a phone)."""
    fw = common.framework(record.framework_key)
    return pd.DataFrame(
        [
            {
                t("col.pillar"): f"{p.id}. {p.name(lang())}",
                t("col.points"): f"{res.points}/{res.max_points}",
                t("col.percent"): common.num(res.percent),
                t("col.level"): f"{res.level} – {fw.level_name(res.level, lang())}",
            }
            for p, res in zip(fw.pillars, record.result.pillars)
        ]
    )


def pillar_chart(fw, record: AssessmentRecord) -> alt.Chart:
    """Vertical bars of pillar percentages, labelled by pillar id so they fit a phone."""
    data = pd.DataFrame(
        [
            {"id": p.id, "name": p.name(lang()), "percent": round(res.percent, 1),
             "level": f"{res.level} – {fw.level_name(res.level, lang())}"}
            for p, res in zip(fw.pillars, record.result.pillars)
        ]
    )
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("id:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("percent:Q", scale=alt.Scale(domain=[0, 100]), title=t("col.percent")),
        color=alt.Color("level:N", title=t("col.level"), scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=[alt.Tooltip("name:N", title=t("col.pillar")), alt.Tooltip("percent:Q", title=t("col.percent")),
                 alt.Tooltip("level:N", title=t("col.level"))],
    )
    labels = bars.mark_text(dy=-6).encode(text=alt.Text("percent:Q", format=".0f"))
    return (bars + labels).properties(height=260)


def history_section(record: AssessmentRecord) -> None:
    earlier = common.store().history(record.id)
    st.subheader(t("results.history"))
    if not earlier:
        st.caption(t("history.none"))
        return
    fw = common.framework(record.framework_key)
    rows = []
    for old in earlier:
        same = old.framework_key == record.framework_key
        rows.append(
            {
                t("col.date"): common.day(old.submitted_at),
                t("col.total"): f"{old.result.total}/{old.result.max_points}",
                t("col.level"): old.result.level,
                t("col.change"): narrative.change_text(fw, record.result, old.result, lang())
                if same else t("history.other_framework", framework=old.framework_key),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=500)
def _roadmaps(assessment_id: int, framework_key: str, points: tuple[tuple[str, int], ...]) -> tuple[Roadmap, Roadmap | None]:
    """The path to the next level and to the one after (submitted answers never change)."""
    fw = common.framework(framework_key)
    pts = dict(points)
    first = roadmap(fw, pts)
    second = roadmap(fw, pts, first.target_level + 1) if first.target_level and first.target_level < fw.max_level else None
    return first, second


def _firm_roadmaps(record: AssessmentRecord) -> tuple[Roadmap, Roadmap | None]:
    return _roadmaps(record.id, record.framework_key, tuple(sorted(record.result.criterion_points.items())))


def _roadmap_list(record: AssessmentRecord, road: Roadmap) -> None:
    """The steps as a list (tables do not fit a phone): criterion, from -> to, points, helpers."""
    fw = common.framework(record.framework_key)
    published = common.catalogue(record.framework_key).published()
    profile = record.profile
    lines = []
    for step in road.steps:
        crit = fw.criterion_by_id[step.criterion_id]
        line = "- " + t("road.step", id=crit.id, title=crit.title(lang()), before=crit.choices[step.from_code][1](lang()),
                        after=crit.choices[step.to_code][1](lang()), gain=step.gain)
        helpers = step_helpers(published, step, size_class=profile.size_class.id, sector=profile.sector)
        if helpers:
            line += "  \n  " + t("road.step_helpers", names=", ".join(plain(e.name) for e in helpers[:3]))
        lines.append(line)
    st.markdown("\n".join(lines))


def _roadmap_section(record: AssessmentRecord) -> None:
    fw = common.framework(record.framework_key)
    first, second = _firm_roadmaps(record)
    st.subheader(t("road.title"))
    if first.target_level is None:
        st.success(t("road.top"))
        return
    if not first.reachable:
        st.info(t("road.unreachable", level=narrative.level_label(fw, first.target_level, lang())))
        return
    st.caption(t("road.intro", points=first.points_to_gain, n=len(first.steps),
                 level=narrative.level_label(fw, first.target_level, lang())))
    _roadmap_list(record, first)
    if second is not None and second.reachable:
        with st.expander(t("road.after_next", level=narrative.level_label(fw, second.target_level, lang()),
                           points=second.points_to_gain)):
            _roadmap_list(record, second)


def _recommendations_section(record: AssessmentRecord) -> None:
    fw = common.framework(record.framework_key)
    st.subheader(t("rec.title"))
    published = common.catalogue(record.framework_key).published()
    if not published:
        st.caption(t("rec.empty_catalogue"))
        return
    cats = sorted({e.category for e in published})
    prices = sorted({e.price_band for e in published})
    c1, c2 = st.columns(2)
    chosen_cats = c1.multiselect(t("rec.filter_category"), cats, format_func=lambda c, L=lang(): category_name(c, L),
                                 key="rec_cats", placeholder=t("rec.all"))
    chosen_prices = c2.multiselect(t("rec.filter_price"), prices, format_func=lambda p, L=lang(): price_name(p, L),
                                   key="rec_prices", placeholder=t("rec.all"))
    first, _second = _firm_roadmaps(record)
    profile = record.profile
    recs = recommend(
        fw, published, record.result.criterion_points, record.result.level, first,
        size_class=profile.size_class.id, sector=profile.sector,
        categories=chosen_cats or None, price_bands=chosen_prices or None,
    )
    if not recs:
        st.caption(t("rec.none"))
        return
    st.caption(t("rec.intro"))
    for i, rec in enumerate(recs, start=1):
        e = rec.entry
        with st.container(border=True):
            st.markdown(f"**{i}. {plain(e.name)}** · {plain(e.provider)}")
            st.caption(f"{category_name(e.category, lang())} · {t('rec.price')}: {price_name(e.price_band, lang())}")
            st.write(e.description(lang()))
            st.markdown("\n".join(f"- {line}" for line in rec.reasons(fw, lang(), record.result.level)))
            st.link_button(t("rec.visit"), e.url)


@st.cache_data(ttl=300, show_spinner=False)
def _latest_frame(url: str, framework_key: str) -> pd.DataFrame:
    from assessment import dashboard

    return dashboard.latest(common._store(url).submitted_frame(framework_key), dashboard.Filters())


def peers_section(record: AssessmentRecord) -> None:
    """Where the firm stands among similar firms: percentiles only, no other firm is shown."""
    from assessment.config import settings
    from assessment.peers import benchmark

    fw = common.framework(record.framework_key)
    firm = {"firm_id": record.firm_id, "sector": record.profile.sector, "size_class": record.profile.size_class.id,
            "locality": record.profile.locality, "total": record.result.total}
    firm.update({f"{p.id}_points": p.points for p in record.result.pillars})
    res = benchmark(fw, _latest_frame(settings().database_url, record.framework_key), firm)
    st.subheader(t("peers.title"))
    if res is None:
        st.caption(t("peers.none"))
        return
    group = t(f"peers.group.{'_'.join(res.group) if res.group else 'all'}")
    st.caption(t("peers.group_line", group=group, n=res.n_peers))
    st.markdown(t("peers.total", pct=common.num(res.total_percentile, 0)))
    st.table(pd.DataFrame(
        {t("col.pillar"): [f"{p.id}. {p.name(lang())}" for p in fw.pillars],
         t("peers.col"): [f"{common.num(res.pillar_percentiles[p.id], 0)} %" for p in fw.pillars]}
    ).set_index(t("col.pillar")))
