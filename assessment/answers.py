"""A firm's answers: what an owner enters for each criterion, checked and turned into answer codes.

An :class:`Answer` keeps what the owner gave (a chosen option or band, or the figures typed in)
together with the answer code scoring uses. Input problems raise :class:`AnswerInputError` with a
translation key, so the page shows the message at the question in the owner's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from assessment.errors import UserError
from assessment.framework import Criterion, Framework
from assessment.scoring import MISSING

MAX_FIGURE = 1e15  # larger than any real revenue in VND: anything above is a typing error


class AnswerInputError(UserError):
    """An answer that cannot be stored as entered, at its criterion."""

    def __init__(self, criterion_id: str, key: str, **params: Any):
        self.criterion_id = criterion_id
        super().__init__(key, f"{criterion_id}: {key} {params}", **params)


@dataclass(frozen=True)
class Answer:
    code: int
    numerator: float | None = None  # share criteria answered with two figures
    denominator: float | None = None
    value: float | None = None  # count criteria: the number declared

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _check_figure(crit: Criterion, value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AnswerInputError(crit.id, "err.figure.not_number", what=what) from None
    if not math.isfinite(number) or number < 0:
        raise AnswerInputError(crit.id, "err.figure.negative", what=what)
    if number > MAX_FIGURE:
        raise AnswerInputError(crit.id, "err.figure.too_large", what=what)
    return number


def make_answer(
    crit: Criterion,
    *,
    code: int | None = None,
    numerator: Any = None,
    denominator: Any = None,
    value: Any = None,
) -> Answer | None:
    """Build the answer to one criterion from what the owner entered; None when nothing was.

    Share criteria: two figures (numerator and denominator) win over a chosen band, since the
    band is then computed from them. Count criteria take the number itself.
    """
    if crit.type == "share" and (numerator is not None or denominator is not None):
        if numerator is None or denominator is None:
            raise AnswerInputError(crit.id, "err.share.both")
        num = _check_figure(crit, numerator, "numerator")
        den = _check_figure(crit, denominator, "denominator")
        if den == 0:
            if num > 0:
                raise AnswerInputError(crit.id, "err.share.zero_total")
            share = 0.0
        else:
            share = 100.0 * num / den
        if share > 100:
            raise AnswerInputError(crit.id, "err.share.above_total")
        return Answer(crit.code_for_figure(share), numerator=num, denominator=den)
    if crit.type == "count" and value is not None:
        number = _check_figure(crit, value, "value")
        if number != int(number):
            raise AnswerInputError(crit.id, "err.figure.whole")
        return Answer(crit.code_for_figure(number), value=number)
    if code is None:
        return None
    if isinstance(code, bool) or not isinstance(code, (int, np.integer)) or not 0 <= code < len(crit.choices):
        raise AnswerInputError(crit.id, "err.answer.not_an_option", code=code)
    return Answer(int(code))


def share_of(answer: Answer) -> float | None:
    if answer.numerator is None or answer.denominator is None:
        return None
    return 0.0 if answer.denominator == 0 else 100.0 * answer.numerator / answer.denominator


def codes_vector(fw: Framework, answers: dict[str, Answer]) -> np.ndarray:
    """Answer codes in the framework's criterion order; MISSING where unanswered."""
    return np.array(
        [answers[c].code if c in answers else MISSING for c in fw.criterion_ids], dtype=np.int16
    )


def missing(fw: Framework, answers: dict[str, Answer]) -> list[str]:
    """Criterion ids still unanswered, in questionnaire order (a criterion answered from the
    platforms list is never missing: nothing listed is an answer too)."""
    return [c.id for c in fw.criteria if c.id not in answers and not c.from_platforms]
