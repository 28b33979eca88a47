"""The department's accounts: who may sign in, with which role. Everyone signed in sees the list;
admins add accounts and disable or enable them (assessment.accounts)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.ui import auth, common
from assessment.ui.common import t


def render() -> None:
    st.title(t("accounts.title"))
    user = auth.require_user()
    if user is None:
        return
    accounts = auth.accounts()
    st.dataframe(
        pd.DataFrame([{t("admin.username"): u.username, t("admin.role"): t(f"role.{u.role}"),
                       t("admin.status"): t("admin.active") if u.active else t("admin.disabled")}
                      for u in accounts.list()]),
        hide_index=True, width="stretch",
    )
    if not auth.admin(user, "accounts.viewer_note"):
        return
    with st.form("adm_new_user"):
        name = st.text_input(t("admin.username"), key="adm_new_username")
        # labels bound now, in the page's language (a format_func may run again outside this run)
        roles = {r: t(f"role.{r}") for r in ("viewer", "admin")}
        role = st.selectbox(t("admin.role"), list(roles), key="adm_new_role", format_func=roles.get)
        password = st.text_input(t("admin.password"), type="password", key="adm_new_password")
        add = st.form_submit_button(t("admin.add_user"), key="adm_add_user")
    if add:
        with common.guard("err.kept.action") as outcome:  # an AccountError says what to fix
            accounts.add(name, password, role=role)
        if outcome.ok:
            st.success(t("admin.saved"))
    usernames = [u.username for u in accounts.list()]
    target = st.selectbox(t("admin.username"), usernames, key="adm_user_pick")
    c1, c2 = st.columns(2)
    if c1.button(t("admin.disable"), key="adm_disable_user"):
        with common.guard("err.kept.action"):
            accounts.set_active(target, False)
        st.rerun()
    if c2.button(t("admin.enable"), key="adm_enable_user"):
        with common.guard("err.kept.action"):
            accounts.set_active(target, True)
        st.rerun()
