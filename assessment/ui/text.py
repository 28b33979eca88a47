"""Showing user-entered text safely: never as Markdown or HTML."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Escape Markdown so a firm name like ``**x** [y](z)`` shows literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
