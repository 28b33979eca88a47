"""Streamlit entry point: language choice, router, page config. Everything else lives in assessment/."""

import streamlit as st

from assessment.i18n import DEFAULT_LANG, LANGUAGES
from assessment.ui import common, startup, state

# as in .streamlit/config.toml, for a server started from another folder: no traceback on screen,
# no built-in table download (ours neutralise formulas)
st.set_option("client.showErrorDetails", "none")
st.set_option("client.disableDataExport", True)
if state.LANG not in st.session_state:  # first run: ?lang=en in the link, else Vietnamese
    st.session_state[state.LANG] = st.query_params.get("lang") if st.query_params.get("lang") in LANGUAGES else DEFAULT_LANG
landing = None
with common.page_errors():
    startup.check_database()
    landing = startup.open_code_from_link()  # a ?code= link: its page is drawn in this run, in its language
if state.PENDING_LANG in st.session_state:  # an assessment was opened: its language, switch kept
    st.session_state[state.LANG] = st.session_state[state.LANG_CHOICE] = st.session_state.pop(state.PENDING_LANG)
codes = list(LANGUAGES)
# the first run starts at the chosen language; later runs keep the switch's own state (no default
# passed then, so setting it for an opened assessment is not a conflict)
start = {} if state.LANG_CHOICE in st.session_state else {"index": codes.index(st.session_state[state.LANG])}
st.session_state[state.LANG] = st.radio(
    ":material/language:", codes, format_func=LANGUAGES.get, horizontal=True, label_visibility="collapsed",
    key=state.LANG_CHOICE, **start,
)
with common.page_errors():
    pages = state.pages(st.session_state[state.LANG], landing)
    page = st.navigation(state.sections(st.session_state[state.LANG], pages), position="top")
    # One call per run, once the page to draw is known and before it draws: the department's pages
    # wide, the firms' narrow. Two calls with different layouts in one run (app-wide "centered", then
    # "wide" from the page) race in the browser, which keeps either one at random.
    st.set_page_config(page_title="DBI Sơn La", page_icon=":material/insights:", layout=state.layout(page, pages))
    page.run()
