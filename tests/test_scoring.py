"""Scoring rules of the 2021 SME DBI, every boundary, and invariants of the engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.scoring import (
    AnswerError,
    check_points,
    explain,
    overall_levels,
    pillar_levels,
    points_from_codes,
    score_codes,
    score_points,
)

from assessment.roadmap import exact_roadmap, next_level_gap, pillar_gain_at_least

# Upper bound (in points) of levels 1..5 per pillar, as tabulated in the T2 transcription
# (dbi-2021-sme-criteria.md, table 1.2). Independent of the percentages in the framework file.
T2_UPPER = {
    "P1": [13, 26, 39, 52, 65],
    "P2": [5, 10, 15, 20, 25],
    "P3": [16, 32, 48, 64, 80],
    "P4": [13, 26, 39, 52, 65],
    "P5": [10, 20, 30, 40, 50],
    "P6": [7, 14, 21, 28, 35],
}


def t2_level(points: int, max_points: int, upper: list[int]) -> int:
    if points * 10 < max_points:  # below 10%
        return 0
    return next(i + 1 for i, u in enumerate(upper) if points <= u)


def fill(fw, pillar_points: dict[str, int]) -> np.ndarray:
    """A criterion-points row giving each pillar exactly the points asked (greedy, valid steps)."""
    row = np.zeros(len(fw.criteria), dtype=np.int16)
    for pillar in fw.pillars:
        left = pillar_points.get(pillar.id, 0)
        for crit in pillar.criteria:
            col = fw.criterion_ids.index(crit.id)
            give = max(p for p in crit.code_points if p <= left)
            row[col] = give
            left -= give
        assert left == 0, f"cannot give {pillar_points[pillar.id]} to {pillar.id}"
    return row


def level_of(fw, pillar_points: dict[str, int]) -> tuple[int, list[int], int]:
    s = score_points(fw, fill(fw, pillar_points))
    return int(s.level[0]), s.pillar_level[0].tolist(), int(s.total[0])


# --- pillar levels ------------------------------------------------------------------------------


@pytest.mark.parametrize("pillar_id", list(T2_UPPER))
def test_every_pillar_level_boundary_matches_the_t2_table(dbi, pillar_id):
    j = [p.id for p in dbi.pillars].index(pillar_id)
    pillar = dbi.pillars[j]
    step = 5 if pillar_id == "P2" else 1
    points = np.arange(0, pillar.max_points + 1, step)
    matrix = np.zeros((len(points), len(dbi.pillars)), dtype=np.int32)
    matrix[:, j] = points
    got = pillar_levels(dbi, matrix)[:, j]
    expected = [t2_level(int(p), pillar.max_points, T2_UPPER[pillar_id]) for p in points]
    assert got.tolist() == expected


def test_worked_example_pillar_1_with_39_of_65_is_level_3(dbi):
    _, levels, _ = level_of(dbi, {"P1": 39})
    assert levels[0] == 3
    _, levels, _ = level_of(dbi, {"P1": 40})
    assert levels[0] == 4


@pytest.mark.parametrize(("pillar_id", "points", "level"), [("P3", 7, 0), ("P3", 8, 1), ("P5", 4, 0), ("P5", 5, 1)])
def test_exactly_ten_percent_is_level_1(dbi, pillar_id, points, level):
    """Our reading of the ambiguous boundary (assumption A-10PCT on the methodology page)."""
    j = [p.id for p in dbi.pillars].index(pillar_id)
    _, levels, _ = level_of(dbi, {pillar_id: points})
    assert levels[j] == level


def test_strategy_pillar_steps(dbi):
    # P2 has one criterion scored 0/5/.../25: 5 points is 20%, level 1; 10 is 40%, level 2.
    assert [level_of(dbi, {"P2": p})[1][1] for p in (0, 5, 10, 15, 20, 25)] == [0, 1, 2, 3, 4, 5]


# --- overall level ------------------------------------------------------------------------------


def _overall(dbi, total: int, levels: list[int]) -> int:
    return int(overall_levels(dbi, np.array([total]), np.array([levels], dtype=np.int8))[0])


@pytest.mark.parametrize(
    ("level", "threshold", "pillars", "pillar_level"),
    [(1, 20, 4, 1), (2, 64, 4, 2), (3, 128, 4, 3), (4, 192, 5, 4), (5, 256, 6, 5)],
)
def test_overall_total_boundaries(dbi, level, threshold, pillars, pillar_level):
    levels = [pillar_level] * pillars + [0] * (6 - pillars)
    assert _overall(dbi, threshold, levels) < level  # total must be strictly above
    assert _overall(dbi, threshold + 1, levels) == level


@pytest.mark.parametrize(
    ("level", "total", "pillars", "pillar_level"),
    [(1, 21, 4, 1), (2, 65, 4, 2), (3, 129, 4, 3), (4, 193, 5, 4), (5, 257, 6, 5)],
)
def test_overall_pillar_count_boundaries(dbi, level, total, pillars, pillar_level):
    enough = [pillar_level] * pillars + [0] * (6 - pillars)
    one_short = [pillar_level] * (pillars - 1) + [pillar_level - 1] * (6 - pillars + 1)
    assert _overall(dbi, total, enough) == level
    assert _overall(dbi, total, one_short) < level


def test_level_5_needs_all_six_pillars_at_5(dbi):
    assert _overall(dbi, 319, [5, 5, 5, 5, 5, 4]) == 4
    assert _overall(dbi, 300, [5, 5, 5, 5, 5, 5]) == 5


def test_total_above_20_with_three_pillars_started_stays_at_level_0(dbi):
    assert _overall(dbi, 60, [1, 1, 1, 0, 0, 0]) == 0  # assumption A-LOW-TOTAL
    assert _overall(dbi, 60, [1, 1, 1, 1, 0, 0]) == 1


def test_overall_levels_through_whole_scoring(dbi):
    # 20 vs 21 points with four pillars at level 1 (P1 7 = 10.8%, P3 8 = 10%, P5 5 = 10%)
    assert level_of(dbi, {"P1": 7, "P3": 8, "P5": 5})[0] == 0  # 20 points, only 3 pillars at 1
    assert level_of(dbi, {"P1": 7, "P3": 8, "P5": 5, "P6": 1})[0] == 0  # 21 points, P6 1/35 < 10%
    assert level_of(dbi, {"P1": 7, "P2": 5, "P3": 8, "P5": 5})[2] == 25
    assert level_of(dbi, {"P1": 2, "P2": 5, "P3": 8, "P5": 5})[0] == 0  # 20 points, 3 pillars >= 1
    assert level_of(dbi, {"P1": 7, "P2": 5, "P3": 8, "P5": 5})[0] == 1
    # 64 vs 65 with four pillars at level 2
    base = {"P1": 14, "P2": 10, "P3": 17, "P5": 11}  # 52 points, four pillars at 2
    assert level_of(dbi, {**base, "P4": 12})[0] == 1  # 64
    assert level_of(dbi, {**base, "P4": 13})[0] == 2  # 65
    # 128 vs 129 with four pillars at level 3
    base = {"P1": 27, "P2": 15, "P3": 33, "P4": 27}  # 102, four pillars at 3
    assert level_of(dbi, {**base, "P5": 20, "P6": 6})[0] == 2  # 128
    assert level_of(dbi, {**base, "P5": 20, "P6": 7})[0] == 3  # 129


def test_firm_at_the_top(dbi):
    top = np.array([dbi.criterion_max], dtype=np.int16)
    s = score_points(dbi, top)
    assert int(s.total[0]) == 320 and int(s.level[0]) == 5
    assert s.pillar_level[0].tolist() == [5] * 6
    assert s.to_frame().loc[0, "P1_percent"] == 100.0


# --- answers to points --------------------------------------------------------------------------


def test_codes_map_to_points_through_each_criterion(dbi):
    codes = np.array([[len(c.choices) - 1 for c in dbi.criteria], [0] * 60])
    points = points_from_codes(dbi, codes)
    assert points[0].tolist() == dbi.criterion_max.tolist()
    assert points[1].sum() == 0


def test_bad_codes_name_row_and_criterion(dbi):
    codes = np.zeros((3, 60), dtype=np.int16)
    codes[2, 5] = 9
    with pytest.raises(AnswerError) as info:
        points_from_codes(dbi, codes)
    assert info.value.row == 2 and info.value.criterion == dbi.criterion_ids[5]
    codes[2, 5] = -1
    with pytest.raises(AnswerError, match="no answer"):
        points_from_codes(dbi, codes)


def test_points_mode_only_accepts_points_a_criterion_can_award(dbi):
    pts = np.zeros((2, 60), dtype=np.int16)
    pts[1, dbi.criterion_ids.index("2.1.1")] = 7
    with pytest.raises(AnswerError, match="7 points is not possible for criterion 2.1.1") as info:
        check_points(dbi, pts)
    assert info.value.row == 1
    pts[1, dbi.criterion_ids.index("2.1.1")] = 10
    check_points(dbi, pts)


def test_wrong_shape_is_refused(dbi):
    with pytest.raises(ValueError, match="60 columns"):
        score_points(dbi, np.zeros((2, 59), dtype=np.int16))


def test_share_bands(dbi):
    crit = dbi.criterion_by_id["1.1.5"]
    assert [crit.code_for_figure(x) for x in (0, 0.01, 20, 20.5, 40, 60, 80, 80.1, 100)] == [0, 1, 1, 2, 2, 3, 4, 5, 5]
    with pytest.raises(ValueError):
        crit.code_for_figure(100.5)
    with pytest.raises(ValueError):
        crit.code_for_figure(-1)


def test_staff_count_bands(dbi):
    crit = dbi.criterion_by_id["4.2.1"]
    assert [crit.code_points[crit.code_for_figure(x)] for x in (0, 1, 2, 3, 4, 5, 9, 10, 500)] == [0, 1, 2, 3, 3, 4, 4, 5, 5]


# --- generic engine: the second framework ---------------------------------------------------------


def test_mini_framework_rules(mini):
    # pillar A (8 points): level 1 from 25% inclusive = 2 points, level 2 above 50% = 5, level 3 from 75% = 6
    pts = np.zeros((9, 3), dtype=np.int32)
    pts[:, 0] = np.arange(9)
    assert pillar_levels(mini, pts)[:, 0].tolist() == [0, 0, 1, 1, 1, 2, 3, 3, 3]
    # overall level 1: total >= 3 with one pillar at >= 1
    totals = np.array([2, 3, 10, 11, 19, 20])
    levels = np.array([[1, 0, 0], [1, 0, 0], [2, 2, 0], [2, 2, 0], [3, 3, 3], [3, 3, 3]], dtype=np.int8)
    assert overall_levels(mini, totals, levels).tolist() == [0, 1, 1, 2, 2, 3]


def test_mini_framework_scores_from_answers(mini):
    s = score_codes(mini, np.array([[2, 1, 2, 2, 1], [1, 0, 1, 1, 0]]))
    assert s.total.tolist() == [24, 8]
    assert s.level.tolist() == [3, 1]
    assert list(s.to_frame().columns) == [
        "total", "level", "A_points", "A_percent", "A_level", "B_points", "B_percent", "B_level",
        "C_points", "C_percent", "C_level",
    ]
    assert s.component_points[1].tolist() == [2, 4, 2, 0]


# --- explanations ------------------------------------------------------------------------------


def test_explain_lists_biggest_losses_per_pillar(dbi):
    row = np.array(dbi.criterion_max, dtype=np.int16)
    row[dbi.criterion_ids.index("1.1.3")] = 0  # loses 5
    row[dbi.criterion_ids.index("1.2.4")] = 3  # loses 2
    row[dbi.criterion_ids.index("2.1.1")] = 10  # loses 15
    res = score_points(dbi, row).firm()
    out = explain(dbi, res.criterion_points, top=3)
    assert [(x.criterion_id, x.lost) for x in out["P1"]] == [("1.1.3", 5), ("1.2.4", 2)]
    assert [(x.criterion_id, x.lost) for x in out["P2"]] == [("2.1.1", 15)]
    assert out["P3"] == []


def test_next_level_gap_names_points_and_pillars(dbi):
    res = score_points(dbi, fill(dbi, {"P1": 14, "P2": 10, "P3": 17, "P5": 11})).firm()  # 52 points
    assert res.level == 1
    gap = next_level_gap(dbi, res)
    assert gap.next_level == 2 and gap.min_total == 65 and gap.points_short == 13
    assert gap.pillars_at_level == 4 and gap.pillars_missing == 0
    res = score_points(dbi, fill(dbi, {"P1": 30, "P2": 10, "P3": 17, "P4": 10, "P5": 5})).firm()  # 72
    gap = next_level_gap(dbi, res)
    assert (res.level, gap.next_level, gap.points_short) == (1, 2, 0)
    assert gap.pillars_at_level == 3 and gap.pillars_missing == 1
    # P4 needs 14 (more than 20% of 65): 4 more; P5 needs 11: 6 more; P6 needs 8: 8 more
    assert [(s.pillar_id, s.points_needed) for s in gap.short_pillars] == [("P4", 4), ("P5", 6), ("P6", 8)]


def test_next_level_gap_at_the_top(dbi):
    res = score_points(dbi, np.array(dbi.criterion_max, dtype=np.int16)).firm()
    gap = next_level_gap(dbi, res)
    assert gap.next_level is None and gap.points_short == 0


# --- properties ----------------------------------------------------------------------------------


def _codes(fw):
    return st.tuples(*[st.integers(0, len(c.choices) - 1) for c in fw.criteria])


@pytest.mark.parametrize("which", ["dbi", "mini"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_raising_any_answer_never_lowers_a_result(request, which, data):
    fw = request.getfixturevalue(which)
    codes = np.array(data.draw(_codes(fw)))
    j = data.draw(st.integers(0, len(fw.criteria) - 1))
    up = data.draw(st.integers(int(codes[j]), len(fw.criteria[j].choices) - 1))
    raised = codes.copy()
    raised[j] = up
    s = score_codes(fw, np.stack([codes, raised]))
    assert s.total[1] >= s.total[0]
    assert (s.pillar_points[1] >= s.pillar_points[0]).all()
    assert (s.pillar_level[1] >= s.pillar_level[0]).all()
    assert s.level[1] >= s.level[0]


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_vectorised_scoring_equals_scoring_each_firm_alone(dbi, data):
    rows = data.draw(st.lists(_codes(dbi), min_size=1, max_size=20))
    codes = np.array(rows)
    together = score_codes(dbi, codes).to_frame()
    for i, row in enumerate(codes):
        alone = score_codes(dbi, row[None, :]).to_frame()
        assert together.iloc[i].tolist() == alone.iloc[0].tolist()


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_levels_agree_with_a_direct_reading_of_the_rules(dbi, data):
    """Independent re-implementation of the reference's rules on random firms."""
    codes = np.array(data.draw(_codes(dbi)))
    s = score_codes(dbi, codes[None, :])
    pillars = s.pillar_points[0]
    levels = [t2_level(int(p), pm.max_points, T2_UPPER[pm.id]) for p, pm in zip(pillars, dbi.pillars)]
    assert s.pillar_level[0].tolist() == levels
    total = int(pillars.sum())
    rules = [(20, 4, 1), (64, 4, 2), (128, 4, 3), (192, 5, 4), (256, 6, 5)]
    expected = max([0] + [i + 1 for i, (t, n, lv) in enumerate(rules) if total > t and sum(x >= lv for x in levels) >= n])
    assert int(s.level[0]) == expected


def test_next_level_gap_counts_answer_steps(dbi):
    """P2's one criterion moves in steps of 5: 1 point short of level 3 really needs 5."""
    res = score_points(dbi, fill(dbi, {"P1": 30, "P2": 10, "P3": 40, "P4": 30, "P5": 10, "P6": 5})).firm()
    assert res.level == 2  # 125 points: P1, P3, P4 above 40%, P2 at exactly 40%
    gap = next_level_gap(dbi, res)
    p2 = next(s for s in gap.short_pillars if s.pillar_id == "P2")
    assert p2.points_needed == 5  # 11 would do by the threshold, but 2.1.1 only goes 10 -> 15


def test_all_results_at_once_equal_each_firms_result(dbi):
    rng = np.random.default_rng(11)
    codes = np.stack([rng.integers(0, len(c.choices), 50) for c in dbi.criteria], axis=1)
    scores = score_codes(dbi, codes)
    assert scores.to_dicts() == [scores.firm(i).to_dict() for i in range(50)]


def test_next_level_gap_is_a_lower_bound_of_the_exact_roadmap(dbi):
    """The words (points short, pillars short) never promise less than the exact cheapest path
    needs, and each pillar's need is a gain its answers can make."""
    rng = np.random.default_rng(11)
    for _ in range(60):
        codes = np.array([[rng.integers(0, len(c.choices)) for c in dbi.criteria]], dtype=np.int16)
        res = score_codes(dbi, codes).firm(0)
        gap = next_level_gap(dbi, res)
        road = exact_roadmap(dbi, res.criterion_points)
        if gap.next_level is None:
            assert road.target_level is None
            continue
        bound = max(gap.points_short,
                    sum(p.points_needed for p in gap.short_pillars[:gap.pillars_missing]))
        assert road.reachable and road.points_to_gain >= bound
        for short in gap.short_pillars:  # each need is a gain the pillar's answers can make exactly
            pillar = dbi.pillars[[p.id for p in dbi.pillars].index(short.pillar_id)]
            assert pillar_gain_at_least(pillar, res.criterion_points, short.points_needed) == short.points_needed
