"""Reading what an AppTest run drew, as a person sees it."""

from __future__ import annotations

import re

import pandas as pd

_CELL = re.compile(r"(?:\\.|[^|\\])*")
_ESCAPED = re.compile(r"\\(.)")


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]  # without the outer pipes
    return [_ESCAPED.sub(r"\1", m.group(0)).strip() for m in _CELL.finditer(inner) if m.start() == 0
            or inner[m.start() - 1] == "|"]


def tables(at) -> list[pd.DataFrame]:
    """Every table on the page, in order: st.table's frames and Markdown tables (components.
    markdown_table), each as a frame indexed by its first column, with escapes undone."""
    found = []
    for node in at.main:  # every element, depth first, in page order
        kind = getattr(node, "type", "")
        if kind == "table":
            found.append(node.value)
        elif kind == "markdown" and node.value.lstrip().startswith("|"):
            lines = [line for line in node.value.splitlines() if line.strip().startswith("|")]
            head, body = _cells(lines[0]), [_cells(line) for line in lines[2:]]
            found.append(pd.DataFrame([row[1:] for row in body], columns=head[1:],
                                      index=pd.Index([row[0] for row in body], name=head[0] or None)))
    return found
