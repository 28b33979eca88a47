"""How the score is computed: pillars, criteria, points, level rules, sources and assumptions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.framework import Framework
from assessment.i18n import number
from assessment.config import settings
from assessment.ui import common
from assessment.ui.common import lang, t


def _blank_form(framework_key: str, pdf_lang: str) -> bytes:
    from assessment.report import blank_form_pdf

    return blank_form_pdf(common.framework(framework_key), pdf_lang,
                          entries=common.catalogue(framework_key).published())


def blank_form_buttons(fw: Framework, key: str) -> None:
    """The printable questionnaire in each language (for visits where the connection is poor)."""
    from functools import partial

    c1, c2 = st.columns(2)
    for col, pdf_lang in ((c1, "vi"), (c2, "en")):
        col.download_button(t(f"blank.download_{pdf_lang}"), partial(_blank_form, fw.key, pdf_lang),
                            f"phieu-khao-sat-{fw.id}-{pdf_lang}.pdf", "application/pdf", key=f"{key}_{pdf_lang}",
                            on_click="ignore", icon=":material/print:")


def render() -> None:
    st.title(t("method.title"))
    keys = sorted(common.frameworks())
    key = common.framework().key
    if len(keys) > 1:
        key = st.selectbox(t("method.framework"), keys, index=keys.index(key), key="method_fw",
                           format_func=lambda k: f"{common.frameworks()[k].spec.title(lang())} ({common.frameworks()[k].version})")
    fw = common.framework(key)
    L = lang()
    st.markdown(f"**{fw.spec.title(L)}** · {t('method.version', version=fw.version)}")
    st.write(fw.spec.description(L))
    if fw.spec.superseded is not None:
        st.info(fw.spec.superseded(L), icon=":material/history:")
    st.caption(t("method.reference_data", department=settings().department(L)))
    blank_form_buttons(fw, "method_blank")

    st.subheader(t("method.sources"))
    for src in fw.spec.sources:
        st.markdown(f"- {src.text(L)}")

    st.subheader(t("method.structure"))
    st.caption(t("method.structure_hint", n=len(fw.criteria), max=fw.spec.max_points))
    st.dataframe(structure_frame(fw), hide_index=True, width="stretch")

    st.subheader(t("method.pillar_levels"))
    st.caption(t("method.pillar_levels_hint"))
    st.dataframe(pillar_levels_frame(fw), hide_index=True, width="stretch")

    st.subheader(t("method.overall_levels"))
    for rule in fw.spec.overall_levels:
        cmp = "≥" if rule.inclusive else ">"
        st.markdown(
            "- " + t("method.overall_rule_all" if rule.min_pillars == len(fw.pillars) else "method.overall_rule",
                     level=rule.level, name=fw.level_name(rule.level, L), cmp=cmp,
                     total=rule.min_total, n=rule.min_pillars, pillar_level=rule.pillar_level)
        )
    st.caption(t("method.overall_hint"))

    st.subheader(t("method.assumptions"))
    st.caption(t("method.assumptions_hint"))
    for a in fw.spec.assumptions:
        used = [c.id for c in fw.criteria if a.id in c.assumptions]
        used += [t("method.rule_ref", level=r.level) for r in fw.spec.pillar_levels + fw.spec.overall_levels
                 if a.id in r.assumptions]
        where = f" — {', '.join(dict.fromkeys(used))}" if used else ""
        st.markdown(f"- **{a.id}**: {a.text(L)}{where}")

    st.subheader(t("method.criteria"))
    for p in fw.pillars:
        with st.expander(f"{p.id}. {p.name(L)} ({p.max_points} {t('common.points')})"):
            for crit in p.criteria:
                choices = "; ".join(f"{text(L)} = {pts}" for pts, text in crit.choices)
                st.markdown(f"**{crit.id} {crit.title(L)}** — {crit.question(L)}  \n{choices}")


def structure_frame(fw: Framework) -> pd.DataFrame:
    L = lang()
    return pd.DataFrame(
        [
            {
                t("col.pillar"): f"{p.id}. {p.name(L)}",
                t("method.components"): "; ".join(f"{c.id} {c.name(L)} ({c.max_points})" for c in p.components),
                t("method.n_criteria"): len(p.criteria),
                t("col.max"): p.max_points,
            }
            for p in fw.pillars
        ]
    )


def pillar_levels_frame(fw: Framework) -> pd.DataFrame:
    """For each pillar, the fewest points each level needs (derived from the file's % rules)."""
    L = lang()
    rows = []
    for i, p in enumerate(fw.pillars):
        row = {t("col.pillar"): f"{p.id} ({p.max_points})"}
        for j, rule in enumerate(fw.spec.pillar_levels):
            cmp = "≥" if rule.inclusive else ">"
            head = f"{rule.level} ({cmp} {number(rule.min_percent, L, 0)} %)"
            row[head] = int(fw.pillar_level_min_points[i, j])
        rows.append(row)
    return pd.DataFrame(rows)
