"""The department checks claims: assessments that name a registered firm's tax code without one of
the firm's codes. Admins confirm them (they join the firm's history) or reject them; everyone
signed in sees them and the audit log of firm names, profiles and decisions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.ui import auth, common
from assessment.ui.common import t
from assessment.ui.text import plain


def _who(who: str) -> str:
    kind, _, aid = who.partition(":")
    return t("claims.who_firm", id=aid) if kind == "firm" and aid else who


def render() -> None:
    st.title(t("claims.title"))
    user = auth.require_user()
    if user is None:
        return
    st.caption(t("claims.intro"))
    with common.guard() as outcome:
        pending = common.claims().pending()
        log = common.claims().log(limit=200)
    if not outcome.ok:
        return
    if not pending:
        st.success(t("claims.none"))
    else:
        st.dataframe(pd.DataFrame([{
            "#": c.assessment_id, t("profile.tax_code"): c.tax_code, t("claims.registered_name"): c.registered_name,
            t("claims.claimed_name"): c.claimed_name, t("dash.date"): common.day(c.when),
            t("col.total"): c.total, t("col.level"): c.level, t("claims.contact"): c.contact,
        } for c in pending]), hide_index=True, width="stretch")
        if auth.admin(user, "claims.viewer_note"):
            _decide(pending, user)
    st.subheader(t("claims.log_title"))
    if not log:
        st.caption(t("claims.log_empty"))
        return
    st.dataframe(pd.DataFrame([{
        t("admin.col_time"): e.at.strftime("%Y-%m-%d %H:%M"), t("admin.col_who"): _who(e.who),
        t("admin.col_action"): t(f"claims.action.{e.action}"), "#": e.assessment_id,
        t("claims.change"): _change(e.before or {}, e.after or {}),
    } for e in log]), hide_index=True, width="stretch")


def _field(key: str) -> str:
    """A changed field's name in the user's language (profile fields as the form labels them)."""
    labels = {"tax_code": "profile.tax_code", "name": "claims.field.name", "sector": "profile.sector",
              "locality": "profile.locality", "employees": "profile.employees", "revenue_bn": "profile.revenue",
              "capital_bn": "profile.capital", "contact_name": "profile.contact_name",
              "contact_phone": "profile.contact_phone", "contact_email": "profile.contact_email",
              "claim": "claims.field.claim"}
    return t(labels[key]) if key in labels else key


def _value(key: str, value) -> str:
    if key == "claim":
        return t(f"claims.state.{value or 'none'}")
    return "–" if value in (None, "") else str(value)


def _change(before: dict, after: dict) -> str:
    """'name: A → B; employees: 8 → 12', in the user's language."""
    keys = list(dict.fromkeys([*before, *after]))
    return "; ".join(f"{_field(k)}: {_value(k, before.get(k))} → {_value(k, after.get(k))}" for k in keys)


def _decide(pending, user) -> None:
    by_id = {c.assessment_id: c for c in pending}
    pick = st.selectbox(t("claims.pick"), list(by_id), key="claims_pick",
                        format_func=lambda i: f"#{i} · {by_id[i].tax_code} · {by_id[i].claimed_name}")
    chosen = by_id[pick]
    st.markdown(t("claims.detail", tax_code=plain(chosen.tax_code), registered=plain(chosen.registered_name),
                  claimed=plain(chosen.claimed_name)))
    # a key per claim: a tick given for one claim never carries over to the next
    rename = st.checkbox(t("claims.rename", name=chosen.claimed_name), key=f"claims_rename_{pick}",
                         disabled=chosen.claimed_name == chosen.registered_name)
    c1, c2 = st.columns(2)
    confirm = c1.button(t("claims.confirm"), type="primary", key="claims_confirm")
    reject = c2.button(t("claims.reject"), key="claims_reject")
    if not (confirm or reject):
        return
    with common.guard("err.kept.action") as outcome:
        if confirm:
            common.claims().confirm(pick, user.username, rename=rename)
        else:
            common.claims().reject(pick, user.username)
    if not outcome.ok:
        return
    st.toast(t("claims.confirmed" if confirm else "claims.rejected", id=pick))
    st.rerun()
