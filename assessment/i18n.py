"""Translations: one flat YAML catalogue per language under assessment/data/i18n/.

``translate(key, lang, **params)`` formats the message with str.format. A missing key is returned
as ``[key]`` so that a gap is visible on screen; tests check that both catalogues have the same keys
and that every key the code uses exists.
"""

from __future__ import annotations

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


def translate(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    text = catalogue(lang).get(key)
    if text is None:
        return f"[{key}]"
    return text.format(**params) if params else text


def number(value: float, lang: str, decimals: int = 1) -> str:
    """A number as each language writes it: 41,3 in Vietnamese, 41.3 in English."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text
