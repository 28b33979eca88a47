"""Coming back with a resume code (typed in, or opened as ?code=...)."""

from __future__ import annotations

import streamlit as st

from assessment.identity import WINDOW_MINUTES
from assessment.ui import common, state
from assessment.ui.common import t


def try_code(code: str) -> bool:
    """Open the assessment a code belongs to; False (and count a failure) otherwise. Wrong codes
    are counted per client in the database, so a reload does not reset the limit."""
    if common.codes_blocked():
        return False
    aid = common.store().find_by_code(code)
    if aid is None:
        common.code_failed()
        return False
    common.open_assessment(aid, lang=common.store().get(aid).lang)  # in the language it was made in
    return True


def render() -> None:
    st.title(t("resume.title"))
    st.caption(t("resume.intro"))
    with st.form("resume"):
        code = st.text_input(t("resume.code"), max_chars=40, placeholder="XXXX-XXXX-XXXX-XXXX-XXXX", key="resume_code")
        go = st.form_submit_button(t("resume.open"), type="primary", key="resume_open")
    if not go:
        return
    opened = False
    with common.guard() as outcome:
        if common.codes_blocked():
            st.error(t("resume.blocked", minutes=WINDOW_MINUTES))
            return
        opened = try_code(code)
    if not outcome.ok:
        return
    if not opened:
        st.error(t("resume.wrong"))
        return
    record = common.current()
    state.go("results" if record.submitted else "assess")
