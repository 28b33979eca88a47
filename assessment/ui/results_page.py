"""The firm's results: level, pillars, chart, weakest criteria, the gap to the next level, history."""

from __future__ import annotations

import streamlit as st

from assessment import narrative
from assessment.firm_view import FirmView
from assessment.recommend import category_name, context_line, price_name, step_helpers
from assessment.roadmap import Roadmap
from assessment.storage import AssessmentRecord
from assessment.ui import common, components, data, state
from assessment.ui.common import lang, t
from assessment.ui.text import plain


def render() -> None:
    st.title(t("results.title"))
    record = common.current()
    if record is None or not record.submitted:
        st.info(t("results.none"))
        c1, c2 = st.columns(2)
        if c1.button(t("results.go_assess"), key="go_assess"):
            state.go("assess")
        if c2.button(t("nav.resume"), key="go_resume"):
            state.go("resume")
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
    if fw.spec.superseded is not None:
        with st.expander(t("results.index_version")):
            st.caption(fw.spec.superseded(lang()))

    st.subheader(t("results.pillars"))
    # a Markdown table wraps long pillar names, so all columns fit a phone, and needs no table
    # component in the browser (loading one held the whole page back by about 0.3 s)
    components.markdown_table(components.pillar_frame(record).set_index(t("col.pillar")))
    st.altair_chart(components.pillar_chart(fw, record), width="stretch")

    view = data.view(record, after_next=True)
    components.peers_section(view)

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

    _roadmap_section(view)

    _recommendations_section(view)

    components.history_section(view)

    st.subheader(t("pdf.section"))
    components.pdf_buttons(record)

    st.divider()
    newer = common.store().newest_from(record.id)
    if newer is not None:  # this code is older: the firm's newer work is one click away
        st.info(t("results.newer_exists", date=common.day(newer.submitted_at or newer.created_at),
                  state=t("results.newer_submitted" if newer.submitted else "results.newer_draft")))
        if st.button(t("results.open_newer"), key="open_newer", type="primary"):
            common.open_assessment(newer.id, lang=newer.lang)
            state.go("results" if newer.submitted else "assess")
    st.caption(t("results.reassess_hint"))
    if st.button(t("results.reassess"), key="reassess"):
        with common.guard("err.kept.action") as outcome:
            aid, code = common.store().start_reassessment(record.id, common.framework().key, lang=lang())
        if not outcome.ok:
            return
        common.open_assessment(aid)
        st.session_state[state.NEW_CODE] = code
        state.go("assess")


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
            line += "  \n  " + t("road.step_helpers", names=", ".join(plain(e.display_name(lang())) for e in helpers[:3]))
        lines.append(line)
    st.markdown("\n".join(lines))


def _roadmap_section(view: FirmView) -> None:
    record = view.record
    fw = common.framework(record.framework_key)
    first, second = view.roadmap, view.after_next
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


def _recommendations_section(view: FirmView) -> None:
    record = view.record
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
    recs = (data.view(record, after_next=True, categories=chosen_cats, price_bands=chosen_prices).recommendations
            if chosen_cats or chosen_prices else view.recommendations)
    if not recs:
        st.caption(t("rec.none"))
    else:
        st.caption(t("rec.intro"))
    for i, rec in enumerate(recs, start=1):
        e = rec.entry
        with st.container(border=True):
            st.markdown(f"**{i}. {plain(e.display_name(lang()))}** · {plain(e.provider)}")
            st.caption(f"{category_name(e.category, lang())} · {t('rec.price')}: {price_name(e.price_band, lang())}")
            st.write(e.description(lang()))
            told = context_line(e, view.inventory, lang())
            lines = ([told] if told else []) + rec.reasons(fw, lang(), record.result.level)
            st.markdown("\n".join(f"- {plain(line)}" for line in lines))
            st.link_button(t("rec.visit"), e.url)
    if view.integrations:
        st.markdown(f"**{t('rec.integrations_title')}**")
        for link in view.integrations:
            with st.container(border=True):
                st.markdown(f"**{plain(link.entry.display_name(lang()))}** · {plain(link.entry.provider)}")
                st.write(plain(link.reason(lang())))
                st.link_button(t("rec.visit"), link.entry.url)
