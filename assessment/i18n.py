"""Translations: one flat YAML catalogue per language under assessment/data/i18n/.

``translate(key, lang, **params)`` formats the message with str.format. A missing key is returned
as ``[key]`` so that a gap is visible on screen; tests check that both catalogues have the same keys
and that every key the code uses exists.
"""

from __future__ import annotations

import datetime as dt
import string
from functools import lru_cache
from typing import Any


from assessment.config import DATA_DIR
from assessment.framework import nfc

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANG = "vi"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    from assessment.framework import DataFileError, read_yaml

    data = read_yaml(DATA_DIR / "i18n" / f"{lang}.yaml", DataFileError) or {}
    return {str(k): nfc(str(v)) for k, v in data.items()}


class _Formatter(string.Formatter):
    """str.format with two specs of ours: ``{n:plural:point|points}`` writes "1 point" or "5
    points" (English needs it; Vietnamese gives the same word twice), and ``{n:num}`` writes a
    number the language's way (1,504 in English, 1.504 in Vietnamese)."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, spec: str) -> str:
        if spec.startswith("plural:"):
            one, _, many = spec[len("plural:"):].partition("|")
            try:
                count = abs(float(value))
            except (TypeError, ValueError):
                count = None
            shown = value if isinstance(value, str) else number(value, self.lang, 0)  # "+5" stays as given
            return f"{shown} {one if count == 1 else many or one}"
        if spec == "num":
            if isinstance(value, str):  # already written out (as the plural spec leaves "+5")
                return value
            return number(value, self.lang, 0 if float(value).is_integer() else 1)
        return super().format_field(value, spec)


def translate(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """The message ``key`` in ``lang``, formatted (see :class:`_Formatter` for plurals and numbers).

    Examples
    --------
    >>> translate("gap.pillar_needs", "en", pillar="P3", points=1, level=2)
    'P3: 1 more point to reach level 2'
    """
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    text = catalogue(lang).get(key)
    if text is None:
        return f"[{key}]"
    return _Formatter(lang).format(text, **params) if params else text


def number(value: float, lang: str, decimals: int = 1) -> str:
    """A number as each language writes it: 41,3 in Vietnamese, 41.3 in English."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text


# how each language writes a day: 27/11/2026 in Vietnamese, 2026-11-27 (ISO) in English, as the
# pages, the scorecards and the exports do
_DAY = {"vi": "%d/%m/%Y", "en": "%Y-%m-%d"}
_DAY_INPUT = {"vi": "DD/MM/YYYY", "en": "YYYY-MM-DD"}


def day_text(value: dt.date | dt.datetime | None, lang: str, *, time: bool = False) -> str:
    """A date (with its hour and minute when ``time``) as each language writes it; "" for None.

    Examples
    --------
    >>> day_text(dt.datetime(2026, 11, 27, 9, 5), "vi", time=True), day_text(dt.date(2026, 11, 27), "en")
    ('27/11/2026 09:05', '2026-11-27')
    """
    if value is None:
        return ""
    text = value.strftime(_DAY.get(lang, _DAY[DEFAULT_LANG]))
    if time and isinstance(value, dt.datetime):
        text += value.strftime(" %H:%M")
    return text


def day_input_format(lang: str) -> str:
    """The ``format`` of a date picker (streamlit's date_input) that writes days as :func:`day_text`."""
    return _DAY_INPUT.get(lang, _DAY_INPUT[DEFAULT_LANG])
