"""Coming back with a resume code (typed in, or opened as ?code=...)."""

from __future__ import annotations

import time

import streamlit as st

from assessment.ui import common, nav
from assessment.ui.common import t

MAX_ATTEMPTS = 10  # wrong codes allowed per browser session in WINDOW seconds
WINDOW = 600


def _blocked() -> bool:
    now = time.time()
    recent = [x for x in st.session_state.get("code_failures", []) if now - x < WINDOW]
    st.session_state["code_failures"] = recent
    return len(recent) >= MAX_ATTEMPTS


def try_code(code: str) -> bool:
    """Open the assessment a code belongs to; False (and count a failure) otherwise."""
    if _blocked():
        return False
    aid = common.store().find_by_code(code)
    if aid is None:
        st.session_state.setdefault("code_failures", []).append(time.time())
        return False
    common.open_assessment(aid)
    return True


def render() -> None:
    st.title(t("resume.title"))
    st.caption(t("resume.intro"))
    with st.form("resume"):
        code = st.text_input(t("resume.code"), max_chars=40, placeholder="XXXX-XXXX-XXXX-XXXX-XXXX", key="resume_code")
        go = st.form_submit_button(t("resume.open"), type="primary", key="resume_open")
    if not go:
        return
    if _blocked():
        st.error(t("resume.blocked", minutes=WINDOW // 60))
        return
    if not try_code(code):
        st.error(t("resume.wrong"))
        return
    record = common.current()
    nav.go("results" if record.submitted else "assess")
