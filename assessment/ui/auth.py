"""Department sign-in for the pages that need it: accounts, roles, idle expiry."""

from __future__ import annotations

import time

import streamlit as st

from assessment.accounts import AccountError, Accounts, User
from assessment.config import settings
from assessment.ui import common, state
from assessment.ui.common import t
from assessment.ui.text import plain

SESSION_MINUTES = 30


@st.cache_resource(show_spinner=False)
def _accounts(url: str) -> tuple[Accounts, AccountError | None]:
    """The accounts, and why the configured first admin was refused (None: created, or not asked)."""
    accounts = Accounts(common.store_at(url))
    try:
        accounts.ensure_first_admin()
    except AccountError as exc:  # a weak configured password creates nobody; the page says why
        return accounts, exc
    return accounts, None


def accounts() -> Accounts:
    return _accounts(settings().database_url)[0]


def current_user() -> User | None:
    """The signed-in user; the session ends after SESSION_MINUTES without activity."""
    user, seen = st.session_state.get(state.USER), st.session_state.get(state.USER_SEEN, 0.0)
    if user is not None and time.time() - seen < SESSION_MINUTES * 60:
        # the account as it is now: a disabled account or a changed role applies at once
        user = accounts().current(user.username)
        if user is not None:
            st.session_state[state.USER], st.session_state[state.USER_SEEN] = user, time.time()
            return user
    st.session_state.pop(state.USER, None)
    return None


def require_user() -> User | None:
    """Return the signed-in user, or show the sign-in form and return None."""
    user = current_user()
    if user is not None:
        c1, c2 = st.columns([3, 1])
        # the role in the page's words (role.admin: "Quản trị"), never its stored key
        # the name as typed by whoever created the account: shown literally, never as Markdown
        c1.caption(t("admin.signed_in_as", name=f"{plain(user.display_name)} ({t(f'role.{user.role}')})"))
        if c2.button(t("admin.sign_out"), key="dept_sign_out"):
            st.session_state.pop(state.USER, None)
            st.rerun()
        return user
    if accounts().count() == 0:
        refused = _accounts(settings().database_url)[1]
        if refused is not None:  # DBI_ADMIN_PASSWORD was set: say why it made no account (never the password)
            st.warning(t("admin.first_admin_refused", reason=t(refused.key, **refused.params)))
        st.info(t("admin.no_accounts"))
        return None
    if settings().auth == "oidc":
        return _single_sign_on()
    with st.form("dept_sign_in"):
        name = st.text_input(t("admin.username"), max_chars=60, key="signin_user")
        password = st.text_input(t("admin.password"), type="password", key="signin_password")
        go = st.form_submit_button(t("admin.sign_in"), type="primary", key="signin_button")
    if go:
        try:
            user = accounts().authenticate(name, password)
        except AccountError as exc:
            st.error(t(exc.key, **exc.params))
            return None
        st.session_state[state.USER], st.session_state[state.USER_SEEN] = user, time.time()
        st.rerun()
    return None


def admin(user: User, note_key: str = "admin.viewer_note") -> bool:
    """The one check every department page makes before showing an action: True for an admin; a
    viewer is told, once on the page, that only administrators can act."""
    if user.is_admin:
        return True
    st.info(t(note_key))
    return False


def _single_sign_on() -> User | None:
    """DBI_AUTH=oidc: the identity provider configured under [auth] in secrets.toml signs people
    in (st.login); their e-mail must be the username of an active account, which gives the role."""
    if not st.user.get("is_logged_in"):
        if st.button(t("admin.sign_in_sso"), type="primary", key="sso_login"):
            st.login()
        return None
    user = accounts().for_identity(str(st.user.get("email") or ""))
    if user is None:
        st.error(t("admin.sso_unknown", email=str(st.user.get("email") or "?")))
        if st.button(t("admin.sign_out"), key="sso_logout"):
            st.logout()
        return None
    st.session_state[state.USER], st.session_state[state.USER_SEEN] = user, time.time()
    st.rerun()
