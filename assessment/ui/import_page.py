"""The department imports paper or spreadsheet responses: templates, a validation report and a
preview of what would be stored, then a confirmed write (all rows, or only the valid ones) and the
access codes to hand to the firms."""

from __future__ import annotations

import hashlib
from functools import partial

import pandas as pd
import streamlit as st

from assessment import exports, importer
from assessment.ui import auth, common, state
from assessment.ui.common import lang, t

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 20


def render() -> None:
    st.title(t("imp.title"))
    user = auth.require_user()
    if user is None:
        return
    fw = common.framework()
    L = lang()
    st.caption(t("imp.intro"))
    c1, c2 = st.columns(2)
    # built when clicked, not on every rerun of the page
    c1.download_button(t("imp.template_xlsx"), partial(importer.template_xlsx, fw, L),
                       f"mau-nhap-{fw.id}-{L}.xlsx", XLSX, key="imp_tpl_xlsx", on_click="ignore")
    c2.download_button(t("imp.template_csv"), partial(importer.template_csv, fw, L), f"mau-nhap-{fw.id}-{L}.csv",
                       "text/csv", key="imp_tpl_csv", on_click="ignore")
    from assessment.ui.methodology_page import blank_form_buttons

    blank_form_buttons(fw, "imp_blank")
    _written()
    if not auth.admin(user, "imp.admin_only"):
        return
    _demo(fw)
    # a new key after each confirmed import: the file just written is not checked again
    upload = st.file_uploader(t("imp.upload"), type=["csv", "xlsx"], key=f"imp_upload_{st.session_state.get(state.IMPORT_N, 0)}",
                              max_upload_size=importer.MAX_BYTES // 2**20)
    if upload is None:
        return
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(state.IMPORT_REPORT)
    if cached is None or cached[0] != digest or cached[1] != L:
        with st.spinner(), common.guard("err.kept.import") as outcome:
            report = importer.import_file(common.store(), fw, data, upload.name)
        if not outcome.ok:
            return
        preview = report.preview(fw, L) if report.valid else None  # once per file, not every rerun
        st.session_state[state.IMPORT_REPORT] = (digest, L, report, preview)
    _, _, report, preview = st.session_state[state.IMPORT_REPORT]
    if report.problems:
        st.error(t("imp.problems", n=len(report.problems), rows=len(report.bad_rows) or 1))
        st.dataframe(report.table(L), hide_index=True, width="stretch")
        if len(report.problems) > importer.MAX_LISTED:
            st.caption(t("imp.more_problems", n=len(report.problems) - importer.MAX_LISTED))
        st.download_button(t("imp.download_report"), exports.to_csv_bytes(report.table(L)), "bao-cao-loi.csv",
                           "text/csv", key="imp_report_csv")
    if not report.valid:
        return
    _preview(preview)
    st.markdown(t("imp.rows_ok", ok=len(report.valid), n=report.n_rows) if report.problems
                else t("imp.all_ok", n=len(report.valid)))
    only_valid = st.checkbox(t("imp.only_valid", n=len(report.valid)), key="imp_only_valid") if report.problems else True
    if st.button(t("imp.confirm"), type="primary", key="imp_confirm", disabled=not only_valid):
        bar = st.progress(0.0, text=t("imp.writing", done=0, n=len(report.valid)))
        with common.guard("err.kept.import") as outcome:
            written = common.store().import_assessments(
                fw, report.valid, lang=L, who=user.username,
                progress=lambda k, n: bar.progress(k / n, text=t("imp.writing", done=k, n=n)))
        if not outcome.ok:
            st.session_state.pop(state.IMPORT_REPORT, None)  # checked again against the database next time
            return
        st.session_state[state.IMPORT_DONE] = written
        st.session_state.pop(state.IMPORT_REPORT, None)
        st.session_state[state.IMPORT_N] = st.session_state.get(state.IMPORT_N, 0) + 1
        st.rerun()


def _demo(fw) -> None:
    """A synthetic province to try the tool with, one click away (replaces only earlier demo rows)."""
    with st.expander(t("imp.demo_title")):
        st.caption(t("imp.demo_hint"))
        if st.button(t("admin.demo_button"), key="adm_demo"):
            from assessment import demo

            with st.spinner(), common.guard("err.kept.nothing") as outcome:
                entries = common.catalogue(fw.key).published()
                written = common.store().replace_demo(fw, demo.generate(fw, 500, seed=1, entries=entries), entries)
            if outcome.ok:
                st.success(t("imp.demo_done", n=written))


def _preview(preview: pd.DataFrame) -> None:
    """What would be stored, before anything is: the first rows here, all of them as a file."""
    st.subheader(t("imp.preview_title"))
    st.caption(t("imp.preview_hint", n=min(PREVIEW_ROWS, len(preview)), total=len(preview)))
    st.table(preview.head(PREVIEW_ROWS).set_index(preview.columns[0]))
    c1, c2 = st.columns(2)
    c1.download_button(t("imp.preview_csv"), partial(exports.to_csv_bytes, preview), "xem-truoc.csv", "text/csv",
                       key="imp_preview_csv", on_click="ignore")
    c2.download_button(t("imp.preview_xlsx"), partial(exports.to_xlsx_bytes, preview, "preview"), "xem-truoc.xlsx",
                       XLSX, key="imp_preview_xlsx", on_click="ignore")


def _written() -> None:
    done = st.session_state.get(state.IMPORT_DONE)
    if not done:
        return
    st.success(t("imp.done", n=len(done)))
    st.info(t("imp.codes_hint"))
    codes = pd.DataFrame(done, columns=[t("imp.codes_col.row"), t("imp.codes_col.tax_code"),
                                        t("imp.codes_col.assessment"), t("imp.codes_col.code")])
    st.download_button(t("imp.codes_download"), exports.to_csv_bytes(codes), "ma-tra-cuu.csv", "text/csv",
                       key="imp_codes")
