"""Page parts that several pages show: a firm's pillar table and chart, its peers, its history and
its scorecard downloads (the results page and the department's firm detail)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import narrative
from assessment.firm_view import FirmView
from assessment.storage import AssessmentRecord
from assessment.ui import common
from assessment.ui.common import lang, t
from assessment.ui.text import plain


def _scorecard_bytes(assessment_id: int, pdf_lang: str) -> bytes:
    from assessment import scorecards

    return scorecards.one(assessment_id, pdf_lang)[1]


def pdf_buttons(record: AssessmentRecord, key: str = "pdf") -> None:
    """The scorecard in each language; built when the button is pressed."""
    from functools import partial

    from assessment.scorecards import file_name

    c1, c2 = st.columns(2)
    for col, pdf_lang, label in ((c1, "vi", "pdf.download"), (c2, "en", "pdf.download_en")):
        col.download_button(t(label), partial(_scorecard_bytes, record.id, pdf_lang),
                            file_name(record.profile.tax_code, record.submitted_at, pdf_lang), "application/pdf",
                            key=f"{key}_{pdf_lang}", on_click="ignore", icon=":material/picture_as_pdf:")


def markdown_table(frame: pd.DataFrame) -> None:
    """A small table as Markdown: drawn with the page's text (no table component to load in the
    browser), wrapping long cells on a phone. The index is the first column; cells are escaped
    (plain) and kept on one line."""
    def cell(value) -> str:
        return plain(" ".join(str(value).split()))

    head = [frame.index.name or "", *frame.columns]
    lines = ["| " + " | ".join(map(cell, head)) + " |", "|" + "---|" * len(head)]
    for idx, row in zip(frame.index, frame.itertuples(index=False)):
        lines.append("| " + " | ".join(map(cell, (idx, *row))) + " |")
    st.markdown("\n".join(lines))


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


def history_section(view: FirmView) -> None:
    record, earlier = view.record, view.history
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
    markdown_table(pd.DataFrame(rows).set_index(t("col.date")))


def peers_section(view: FirmView) -> None:
    """Where the firm stands among similar firms: percentiles only, no other firm is shown."""
    fw = common.framework(view.record.framework_key)
    res = view.peers
    st.subheader(t("peers.title"))
    if res is None:
        st.caption(t("peers.none"))
        return
    group = t(f"peers.group.{'_'.join(res.group) if res.group else 'all'}")
    st.caption(t("peers.group_line", group=group, n=res.n_peers))
    st.markdown(t("peers.total", pct=common.num(res.total_percentile, 0)))
    markdown_table(pd.DataFrame(
        {t("col.pillar"): [f"{p.id}. {p.name(lang())}" for p in fw.pillars],
         t("peers.col"): [f"{common.num(res.pillar_percentiles[p.id], 0)} %" for p in fw.pillars]}
    ).set_index(t("col.pillar")))
