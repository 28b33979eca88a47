"""The department imports paper or spreadsheet responses: templates, a validation report, then a
confirmed write (all rows, or only the valid ones) and the access codes to hand to the firms."""

from __future__ import annotations

import hashlib
from functools import partial

import pandas as pd
import streamlit as st

from assessment import exports, importer
from assessment.config import settings
from assessment.ui import auth, common
from assessment.ui.common import lang, t

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render() -> None:
    st.title(t("imp.title"))
    user = auth.require_user()
    if user is None:
        return
    fw = common.framework()
    L = lang()
    lf = str(settings().localities_file)
    st.caption(t("imp.intro"))
    c1, c2 = st.columns(2)
    # built when clicked, not on every rerun of the page
    c1.download_button(t("imp.template_xlsx"), partial(importer.template_xlsx, fw, L, lf),
                       f"mau-nhap-{fw.id}-{L}.xlsx", XLSX, key="imp_tpl_xlsx", on_click="ignore")
    c2.download_button(t("imp.template_csv"), partial(importer.template_csv, fw, L), f"mau-nhap-{fw.id}-{L}.csv",
                       "text/csv", key="imp_tpl_csv", on_click="ignore")
    from assessment.ui.methodology_page import blank_form_buttons

    blank_form_buttons(fw, "imp_blank")
    done = st.session_state.get("imp_done")
    if done:
        st.success(t("imp.done", n=len(done)))
        st.info(t("imp.codes_hint"))
        codes = pd.DataFrame(done, columns=["row", "tax_code", "assessment_id", "access_code"])
        st.download_button(t("imp.codes_download"), exports.to_csv_bytes(codes), "ma-tra-cuu.csv", "text/csv",
                           key="imp_codes")
    if not auth.admin(user, "imp.admin_only"):
        return
    upload = st.file_uploader(t("imp.upload"), type=["csv", "xlsx"], key="imp_upload",
                              max_upload_size=importer.MAX_BYTES // 2**20)
    if upload is None:
        return
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get("imp_report")
    if cached is None or cached[0] != digest or cached[1] != L:
        with st.spinner():
            report = importer.import_file(common.store(), fw, data, upload.name, localities_file=lf)
        st.session_state["imp_report"] = (digest, L, report)
    report = st.session_state["imp_report"][2]
    if report.problems:
        st.error(t("imp.problems", n=len(report.problems), rows=len(report.bad_rows) or 1))
        st.dataframe(report.table(L), hide_index=True, width="stretch")
        if len(report.problems) > importer.MAX_LISTED:
            st.caption(t("imp.more_problems", n=len(report.problems) - importer.MAX_LISTED))
        st.download_button(t("imp.download_report"), exports.to_csv_bytes(report.table(L)), "bao-cao-loi.csv",
                           "text/csv", key="imp_report_csv")
    if not report.valid:
        return
    st.markdown(t("imp.rows_ok", ok=len(report.valid), n=report.n_rows) if report.problems
                else t("imp.all_ok", n=len(report.valid)))
    only_valid = st.checkbox(t("imp.only_valid", n=len(report.valid)), key="imp_only_valid") if report.problems else True
    if st.button(t("imp.confirm"), type="primary", key="imp_confirm", disabled=not only_valid):
        written = common.store().import_assessments(fw, report.valid, lang=L)
        st.session_state["imp_done"] = written
        st.session_state.pop("imp_report", None)
        st.cache_data.clear()  # the dashboard and clusters read the new assessments
        st.rerun()
