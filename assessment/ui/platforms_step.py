"""The questionnaire's optional step "the platforms you use": per category, tick what the firm uses
from the published catalogue or type another one; then, if the owner wishes, since when and which
tools exchange data. Nothing is required; a phone shows one list per category."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assessment import inventory
from assessment.catalogue import CATEGORIES
from assessment.inventory import PlatformUse
from assessment.recommend import category_name
from assessment.storage import AlreadySubmitted, AssessmentRecord
from assessment.ui import common
from assessment.ui.common import lang, t

OTHER = "other:"  # a typed name, as an option value


def render(record: AssessmentRecord, on_done) -> None:
    """Draw the step; ``on_done(forward: bool)`` is called after a save (back or forward)."""
    L = lang()
    st.subheader(t("inv.heading"))
    st.caption(t("inv.intro"))
    published = common.catalogue(record.framework_key).published()
    by_category: dict[str, list] = {}
    for e in published:
        by_category.setdefault(e.category, []).append(e)
    names = {e.id: e.display_name(L) for e in published}
    kept = {u.entry_id: u for u in record.platforms if u.entry_id}
    chosen: list[PlatformUse] = []
    for cat in CATEGORIES:
        saved = [u for u in record.platforms if u.category == cat]
        options = [e.id for e in by_category.get(cat, [])]
        # earlier choices stay pickable: a retired entry, another tool typed before
        options += [u.entry_id or OTHER + u.name for u in saved if (u.entry_id or OTHER + u.name) not in options]
        labels = {**names, **{u.entry_id: u.name for u in saved if u.entry_id and u.entry_id not in names}}
        picked = st.multiselect(
            category_name(cat, L), options, default=[u.entry_id or OTHER + u.name for u in saved],
            format_func=lambda v, labels=labels: v[len(OTHER):] if v.startswith(OTHER) else labels.get(v, v),
            accept_new_options=True, placeholder=t("inv.pick"), key=f"inv_{record.id}_{cat}")
        for value in picked:
            if value.startswith(OTHER) or value not in labels:  # another tool, typed by the owner
                name = value[len(OTHER):] if value.startswith(OTHER) else value
                old = next((u for u in saved if not u.entry_id and u.name == name), None)
                chosen.append(PlatformUse(cat, name, None, old.since if old else None))
            else:
                old = kept.get(value)
                chosen.append(PlatformUse(cat, labels[value], value, old.since if old else None))
    chosen = _details(record, chosen)
    c1, c2 = st.columns(2)
    back = c1.button(t("common.back"), key="inv_back")
    forward = c2.button(t("common.save_next"), type="primary", key="inv_next")
    if not (back or forward):
        return
    uses = inventory.clean(chosen, categories=CATEGORIES, this_year=dt.date.today().year)
    with common.guard("err.kept.step") as outcome:
        try:
            common.store().save_platforms(record.id, uses)
        except AlreadySubmitted:
            st.error(t("assess.already_submitted"))
            return
    if outcome.ok:
        on_done(forward)


def _details(record: AssessmentRecord, chosen: list[PlatformUse]) -> list[PlatformUse]:
    """Since when, and which other tools each one exchanges data with (optional, folded)."""
    if not chosen:
        return chosen
    saved = {u.key: (u, [record.platforms[j].key for j in u.linked if j < len(record.platforms)])
             for u in record.platforms}
    keys = [u.key for u in chosen]
    this_year = dt.date.today().year
    years = [None, *range(this_year, 2009, -1), 2009]
    out = []
    with st.expander(t("inv.details"), expanded=False):
        st.caption(t("inv.details_hint"))
        for i, use in enumerate(chosen):
            old, old_links = saved.get(use.key, (None, []))
            c1, c2 = st.columns([1, 2])
            since = c1.selectbox(
                t("inv.since", name=use.name), years, index=years.index(old.since) if old and old.since in years else 0,
                format_func=lambda y: t("inv.since_unknown") if y is None else (t("inv.before", year=2010) if y == 2009
                                                                                 else str(y)),
                key=f"inv_since_{record.id}_{use.key}")
            others = [k for k in keys if k != use.key]
            names = {u.key: u.name for u in chosen}
            links = c2.multiselect(t("inv.links", name=use.name), others,
                                   default=[k for k in old_links if k in others],
                                   format_func=names.get, placeholder=t("inv.links_none"),
                                   key=f"inv_links_{record.id}_{use.key}")
            out.append(PlatformUse(use.category, use.name, use.entry_id, since,
                                   tuple(keys.index(k) for k in links)))
    return out
