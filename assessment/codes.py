"""Resume codes: how a firm gets back to its assessment without an account.

A code carries 100 random bits, written as 20 characters of Crockford's base-32 alphabet (no I, L,
O or U, so it survives being read aloud or copied by hand) in groups of four. Only its SHA-256 hash
is stored: with 100 random bits a fast hash is safe, and lookup by hash is a single index probe, so
the time taken does not depend on how much of a guess is right.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20  # 20 x 5 bits = 100 bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(code: str) -> str | None:
    """Canonical form of a typed code (case, spaces and dashes ignored), or None if malformed."""
    text = "".join(ch for ch in str(code or "").upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def code_hash(code: str) -> str | None:
    canonical = normalise(code)
    if canonical is None:
        return None
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
