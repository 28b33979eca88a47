"""Plain-word explanations of results."""

from __future__ import annotations

import numpy as np

from assessment import narrative
from assessment.scoring import score_codes, score_points


def test_change_text_names_points_and_level(mini):
    before = score_codes(mini, np.array([[1, 0, 1, 1, 0]])).firm()
    after = score_codes(mini, np.array([[2, 1, 2, 2, 1]])).firm()
    assert narrative.change_text(mini, after, before, "en") == "+16 points; level 1 → 3"
    assert narrative.change_text(mini, before, after, "vi") == "-16 điểm; mức 3 → 1"
    assert narrative.change_text(mini, before, before, "en") == "0 points"


def test_gap_lines_in_both_languages(dbi):
    row = np.zeros(60, dtype=np.int16)
    for cid, pts in {"1.1.1": 5, "1.1.2": 5, "1.1.3": 5, "2.1.1": 10, "3.1.1": 5, "3.1.2": 5, "3.2.1": 5,
                     "3.2.2": 3, "4.1.1": 5, "4.1.2": 5}.items():
        row[dbi.criterion_ids.index(cid)] = pts
    res = score_points(dbi, row).firm()  # 53 points: P1 15, P2 10, P3 18, P4 10 -> level 1
    assert res.level == 1
    en = narrative.gap_lines(dbi, res, "en")
    assert en[0] == "To reach Level 2 – Beginning, the firm needs:"
    assert en[1] == "at least 12 more points (a total of 65 or more; now 53);"
    assert en[2] == "at least 4 pillars at level 2 or above: 3 now, 1 more needed;"
    assert en[3:] == ["The pillars closest to it:", "  P4. Operations: 4 more points to reach level 2"]
    vi = narrative.gap_lines(dbi, res, "vi")
    assert vi[0] == "Để đạt Mức 2 – Bắt đầu, doanh nghiệp cần:"
    top = score_points(dbi, np.array(dbi.criterion_max, dtype=np.int16)).firm()
    assert narrative.gap_lines(dbi, top, "en") == ["The firm is already at the top level (Level 5 – Leading)."]


def test_losses_rows_carry_titles(dbi):
    res = score_points(dbi, np.zeros(60, dtype=np.int16)).firm()
    rows = narrative.losses(dbi, res, "vi", top=2)
    assert [r.criterion_id for r in rows[:2]] == ["1.1.1", "1.1.2"]
    assert rows[2].criterion_id == "2.1.1" and rows[2].max_points == 25
    assert all(r.title for r in rows)
