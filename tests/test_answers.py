"""Turning what an owner enters into answers."""

from __future__ import annotations

import pytest

from assessment.answers import AnswerInputError, make_answer, missing, share_of


def test_choice_answer(dbi):
    crit = dbi.criterion_by_id["1.1.1"]
    assert make_answer(crit, code=3).code == 3
    assert make_answer(crit) is None
    with pytest.raises(AnswerInputError) as info:
        make_answer(crit, code=6)
    assert info.value.key == "err.answer.not_an_option" and info.value.criterion_id == "1.1.1"


def test_share_from_two_figures(dbi):
    crit = dbi.criterion_by_id["1.1.5"]
    ans = make_answer(crit, code=0, numerator=30, denominator=100)
    assert ans.code == 2 and share_of(ans) == 30  # figures win over the band picked
    assert make_answer(crit, numerator=0, denominator=0).code == 0
    assert make_answer(crit, numerator=100, denominator=100).code == 5


@pytest.mark.parametrize(
    ("num", "den", "key"),
    [(120, 100, "err.share.above_total"), (5, 0, "err.share.zero_total"), (-1, 10, "err.figure.negative"),
     (10, None, "err.share.both"), ("abc", 10, "err.figure.not_number"), (1e16, 1e17, "err.figure.too_large"),
     (float("inf"), 10, "err.figure.negative")],
)
def test_share_figures_refused(dbi, num, den, key):
    with pytest.raises(AnswerInputError) as info:
        make_answer(dbi.criterion_by_id["1.1.5"], numerator=num, denominator=den)
    assert info.value.key == key


def test_count_answer(dbi):
    crit = dbi.criterion_by_id["5.2.3"]
    assert make_answer(crit, value=0).code == 0
    assert make_answer(crit, value=7).code == 5
    with pytest.raises(AnswerInputError, match="err.figure.whole"):
        make_answer(crit, value=1.5)
    with pytest.raises(AnswerInputError, match="err.figure.negative"):
        make_answer(crit, value=-2)


def test_missing_lists_unanswered_in_order(mini):
    answers = {"a2": make_answer(mini.criterion_by_id["a2"], code=1)}
    assert missing(mini, answers) == ["a1", "b1", "c1", "c2"]
