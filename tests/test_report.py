"""PDF scorecards and the blank questionnaire, read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile

import numpy as np
import pytest
from pypdf import PdfReader

from assessment import demo, firm_view, report, scorecards
from assessment.answers import Answer
from assessment.catalogue import CATALOGUE_FILE, load_catalogue
from assessment.cli import main
from assessment.clustering import fit_clusters
from assessment.firms import FirmProfile
from assessment.peers import PeerIndex
from assessment.scoring import score_codes
from assessment.storage import Store
from tests.conftest import tax_code

TODAY = dt.date(2026, 11, 27)
NAME = "Hợp tác xã Chè Shan Tuyết Tà Xùa – Bắc Yên"


def _submitted(store, fw, *, name=NAME, tax_code="5500123464", seed=3):
    profile = FirmProfile(tax_code=tax_code, name=name, sector="A", employees=12, revenue_bn=5.0, capital_bn=None,
                          locality="SL-BY")
    aid, _ = store.create_assessment(profile, fw.key)
    codes = demo.answer_matrix(fw, 1, seed=seed)[0]
    store.save_answers(aid, {c.id: Answer(int(v)) for c, v in zip(fw.criteria, codes)})
    store.submit(aid, score_codes(fw, codes[None, :]).firm(0))
    return store.get(aid)


def _view(fw, record):
    """A view with nothing from the province (no catalogue, peers, cluster or history)."""
    return firm_view.view(fw, record, firm_view.Context())


def _text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), reader


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store.from_url(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    yield s
    s.engine.dispose()


def test_scorecard_shows_the_same_numbers_as_the_scoring_in_vietnamese(sqlite_store, dbi):
    record = _submitted(sqlite_store, dbi)
    entries = load_catalogue(CATALOGUE_FILE, dbi).published()
    data = firm_view.view(dbi, record, firm_view.Context(entries=entries))
    pdf = report.scorecard_pdf(dbi, data, "vi", today=TODAY)
    text, reader = _text(pdf)
    result = record.result
    assert NAME in text and "5500123464" in text and "Bắc Yên" in text
    assert "A – Nông nghiệp, lâm nghiệp và thủy sản" in text
    assert f"Mức {result.level} – {dbi.level_name(result.level, 'vi')}" in text
    assert f"Tổng điểm {result.total}/320" in text
    for p, res in zip(dbi.pillars, result.pillars):
        assert p.name("vi") in text.replace("\n", " ")
        assert f"{res.points}/{res.max_points}" in text
    assert "Lộ trình ngắn nhất lên mức tiếp theo" in text and data.recommendations
    assert data.recommendations[0].entry.name in text
    assert "Quyết định 1970/QĐ-BTTTT" in text and "A-10PCT" in text
    # the appendix lists every criterion with its points
    for cid, pts in result.criterion_points.items():
        assert cid in text
    n = len(reader.pages)
    assert 3 <= n <= 5
    for k, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert f"Trang {k}/{n}" in page_text and "tạo ngày 27/11/2026" in page_text
    assert unicodedata.is_normalized("NFC", text)


def test_english_scorecard_with_peers_cluster_and_history(sqlite_store, dbi):
    firms = demo.generate(dbi, 60, seed=5, localities=["SL-BY", "SL-MC"])
    sqlite_store.replace_demo(dbi, firms)
    first = _submitted(sqlite_store, dbi, seed=1)
    aid, _ = sqlite_store.start_reassessment(first.id, dbi.key)
    codes = demo.answer_matrix(dbi, 1, seed=9)[0]
    sqlite_store.save_answers(aid, {c.id: Answer(int(v)) for c, v in zip(dbi.criteria, codes)})
    sqlite_store.submit(aid, score_codes(dbi, codes[None, :]).firm(0))
    record = sqlite_store.get(aid)
    from assessment import frames
    from assessment.clustering import pillar_percent_of

    latest = frames.latest_frame(sqlite_store, dbi.key)
    model, _ = fit_clusters(dbi, pillar_percent_of(dbi, latest), k=3)
    data = firm_view.view(dbi, record, firm_view.Context(peers=PeerIndex(dbi, latest), cluster_model=model,
                                                         store=sqlite_store))
    pdf = report.scorecard_pdf(dbi, data, "en", today=TODAY)
    text, reader = _text(pdf)
    assert "DIGITAL TRANSFORMATION SCORECARD" in text and f"Total {record.result.total}/320" in text
    assert data.peers is not None and data.cluster_name("en") in text.replace("\n", " ")
    assert [r.id for r in data.history] == [first.id]
    assert f"{data.peers.n_peers} other firms" in text
    assert "Earlier assessments" in text and first.submitted_at.strftime("%Y-%m-%d") in text
    assert "generated 2026-11-27" in reader.pages[-1].extract_text()


@pytest.mark.parametrize("name", [
    "Công ty " + "Rất Dài " * 40,  # 300+ characters
    "Cửa hàng 😀🛒 Hoa quả sạch ✅",
    "شركة الاختبار · חברה",  # right-to-left scripts
    "<script>alert('x')</script> & <b>Đậm</b>",
    ") Tj ET /Type /Catalog (endstream) \\ (",  # PDF syntax
    "Co\u0302ng ty Ha\u0300 Nô\u0323i",  # decomposed (NFD) input
])
def test_hostile_names_neither_crash_nor_overflow(sqlite_store, dbi, name):
    record = _submitted(sqlite_store, dbi, name=name[:300])
    pdf = report.scorecard_pdf(dbi, _view(dbi, record), "vi", today=TODAY)
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0]
    width = float(first.mediabox.width)
    xs = []
    first.extract_text(visitor_text=lambda text, cm, tm, fd, fs: xs.append(tm[4] * cm[0] + cm[4]) if text.strip() else None)
    assert xs and max(xs) < width - 20  # every line starts inside the page
    text = first.extract_text()
    if "script" in name:
        assert "<script>alert('x')</script>" in text  # shown literally, not interpreted
    if "Catalog" in name:
        assert "/Type /Catalog (endstream)" in text
    if "\u0302" in name:
        assert "Công ty Hà Nội" in text
    if "😀" in name:
        assert "Cửa hàng ?? Hoa quả sạch ?" in text  # missing glyphs stay visible
    if "Rất Dài" in name:
        assert "…" in text or "Rất Dài" in text


def test_clean_text():
    assert report.clean("Ha\u0300 Nô\u0323i") == "Hà Nội"
    assert report.clean("a\u202eb\x00c\u200bd") == "abcd"
    assert report.clean("x" * 50, limit=10) == "x" * 9 + "…"
    assert report.file_name("5500123464-001", dt.datetime(2026, 11, 27, 9), "en") == "5500123464-001_2026-11-27_en.pdf"
    assert report.file_name("../../etc", dt.date(2026, 1, 2), "vi") == "firm_2026-01-02_vi.pdf"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_blank_form_lists_every_criterion_and_option_numbers(dbi, mini, lang):
    for fw in (dbi, mini):
        pdf = report.blank_form_pdf(fw, lang, today=TODAY)
        text, reader = _text(pdf)
        for c in fw.criteria:
            assert f"{c.id} " in text, c.id
        assert ("Mã số thuế" if lang == "vi" else "Tax code") in text
        assert "03980 Phường Mộc Châu" in text and "SL-MC" not in text  # the communes of today
    assert len(reader.pages) >= 1


def test_bulk_zip_in_two_processes_and_cli(tmp_path, monkeypatch, dbi):
    url = f"sqlite:///{tmp_path / 'bulk.sqlite3'}"
    monkeypatch.setenv("DBI_DATABASE_URL", url)
    store = Store.from_url(url)
    store.replace_demo(dbi, demo.generate(dbi, 45, seed=2, localities=["SL-BY", "SL-MC", "SL-SM"]))
    from assessment import frames

    latest = frames.latest_frame(store, dbi.key)
    ids = latest["assessment_id"].tolist()
    done = []
    data = scorecards.zip_of(scorecards.many(ids, "vi", workers=2),
                             total=len(ids), progress=lambda k, n: done.append((k, n)))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == 45 == len(set(names)) and done[-1] == (45, 45)
        first = zf.read(names[0])
        assert first.startswith(b"%PDF")
    row = latest.iloc[0]
    text, _ = _text(first)
    assert row["name"] in text.replace("\n", " ") or row["name"][:30] in text
    # the command line: one firm, then all, then the blank form
    out = tmp_path / "out"
    assert main(["report", "--firm", row["tax_code"], "--lang", "en", "-o", str(out)]) == 0
    (only,) = list(out.iterdir())
    assert only.name.startswith(row["tax_code"]) and only.name.endswith("_en.pdf")
    assert main(["report", "--firm", "5500000007", "-o", str(out)]) == 1
    assert main(["report", "--all", "-o", str(tmp_path / "all")]) == 0
    assert len(list((tmp_path / "all").glob("*_vi.pdf"))) == 45
    assert main(["blank-form", "--lang", "en", "-o", str(tmp_path / "form.pdf")]) == 0
    text, _ = _text((tmp_path / "form.pdf").read_bytes())
    assert all(c.id in text for c in dbi.criteria)


def test_scorecard_numbers_match_for_many_random_firms(sqlite_store, dbi):
    rng = np.random.default_rng(4)
    for i in range(5):
        record = _submitted(sqlite_store, dbi, tax_code=tax_code(i, "5500"), seed=int(rng.integers(1000)))
        text, _ = _text(report.scorecard_pdf(dbi, _view(dbi, record), "en", today=TODAY))
        assert f"Total {record.result.total}/320" in text
        assert f"Level {record.result.level} – {dbi.level_name(record.result.level, 'en')}" in text


def test_no_character_of_our_own_layout_falls_back_to_a_question_mark(dbi, mini):
    """Every text the product writes itself (translations, both frameworks, the shipped catalogue,
    the reference data) is drawable with the shipped font once laid out for a PDF: "→" was "?"."""
    import yaml

    from assessment.catalogue import CATALOGUE_FILE
    from assessment.config import DATA_DIR
    from assessment.firms import areas, localities, sectors

    texts = []
    for lang in ("vi", "en"):
        texts += [str(v) for v in yaml.safe_load((DATA_DIR / "i18n" / f"{lang}.yaml").read_text(encoding="utf-8")).values()]
        for fw in (dbi, mini):
            texts += [fw.spec.title(lang), fw.spec.description(lang)] + [s.text(lang) for s in fw.spec.sources]
            texts += [a.text(lang) for a in fw.spec.assumptions]
            for c in fw.criteria:
                texts += [c.title(lang), c.question(lang)] + [t(lang) for _p, t in c.choices]
        texts += [s.name(lang) for v in ("2018", "2025") for s in sectors(v).values()]
    texts += [u.name for u in localities().values()] + [a.name for a in areas().values()]
    texts += [e.name for e in load_catalogue(CATALOGUE_FILE, dbi).entries]
    missing = sorted({ch for text in texts for ch in report._not_drawable().findall(report.ours(text))})
    assert missing == []
    assert report.ours("Không có (0%) → Trên 60%") == "Không có (0%) » Trên 60%"
    # and a hostile name still shows its missing glyphs
    assert report.clean("Cửa hàng 😀") == "Cửa hàng ?"
