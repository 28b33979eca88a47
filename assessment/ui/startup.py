"""What happens on the first run of a session: a resume link (?code=...) opens its assessment."""

from __future__ import annotations

import streamlit as st

from assessment.ui import common, resume_page, state
from assessment.ui.common import t


def check_database() -> None:
    """Stop with a clear message when the database cannot be used (e.g. written by a newer version)."""
    from assessment.schema import SchemaTooNew

    try:
        common.store()
    except SchemaTooNew as exc:
        st.error(t("err.schema_too_new", found=exc.found, known=exc.known))
        st.stop()


def open_code_from_link() -> str | None:
    """A ?code= link, handled once per session: the assessment opens, and the page to land on is
    returned ("results" or "assess"), so that the app draws it in this same run (no extra round
    trip to the browser). None when there is no new link."""
    code = st.query_params.get("code")
    if not code or st.session_state.get(state.LINK_CODE) == code:
        return None
    st.session_state[state.LINK_CODE] = code  # handle each link once per session
    st.query_params.pop("code", None)
    if resume_page.try_code(code):
        record = common.current()
        return "results" if record.submitted else "assess"
    st.session_state[state.LINK_ERROR] = True  # the questionnaire page says so where it shows
    st.toast(t("resume.wrong"), icon="⚠️")
    return None
