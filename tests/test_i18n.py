"""Both languages say everything, and every message key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from assessment.i18n import catalogue, number, translate

ROOT = Path(__file__).resolve().parent.parent
KEY_RE = re.compile(r"""["']((?:nav|common|assess|code|profile|answer|err|review|results|col|level|gap|history|resume|method|rec|cat|road|admin|acct|dash|peers|clu)\.[a-z_.]+)["']""")


def test_catalogues_have_the_same_keys_and_placeholders():
    vi, en = catalogue("vi"), catalogue("en")
    assert set(vi) == set(en)
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key in vi:
        assert fields(vi[key]) == fields(en[key]), key


def test_every_key_used_in_the_code_exists():
    used = set()
    for path in [ROOT / "app.py", *ROOT.joinpath("assessment").rglob("*.py")]:
        used |= set(KEY_RE.findall(path.read_text(encoding="utf-8")))
    used |= {f"answer.{w}" for w in ("numerator", "denominator", "value")}  # built as f"answer.{what}"
    from assessment.firms import KINDS
    from assessment.peers import WIDENING

    used |= {f"peers.group.{'_'.join(g) if g else 'all'}" for g in WIDENING}  # built from the group
    used |= {f"{prefix}.{k}" for k in KINDS for prefix in ("kind", "profile.tax_code", "profile.tax_code_help")}
    used |= {f"role.{r}" for r in ("viewer", "admin")}
    assert len(used) > 100
    missing = sorted(k for k in used if k not in catalogue("vi"))
    assert missing == []


def test_translate_formats_and_flags_gaps():
    assert translate("assess.step_of", "en", i=2, n=8, name="P1") == "Step 2/8: P1"
    assert translate("no.such.key", "vi") == "[no.such.key]"
    assert translate("nav.assess", "fr") == translate("nav.assess", "vi")


def test_numbers_are_written_the_local_way():
    assert number(41.26, "vi", 1) == "41,3"
    assert number(1234.5, "vi", 1) == "1.234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
