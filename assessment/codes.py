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


def new_codes(n: int) -> list[str]:
    """``n`` fresh codes at once (as :func:`new_code`, from the system's random source): an import
    of 200,000 paper forms gets its access codes in a fraction of a second."""
    import numpy as np

    raw = np.frombuffer(secrets.token_bytes(13 * n), dtype=np.uint8).reshape(n, 13)
    bits = np.unpackbits(raw, axis=1)[:, : 5 * LENGTH].reshape(n, LENGTH, 5)
    values = bits @ np.array([16, 8, 4, 2, 1], dtype=np.uint8)
    width = LENGTH + LENGTH // 4 - 1  # groups of four with dashes between
    out = np.full((n, width), ord("-"), dtype=np.uint8)
    positions = [i + i // 4 for i in range(LENGTH)]
    out[:, positions] = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)[values]
    text = out.tobytes().decode("ascii")
    return [text[i * width:(i + 1) * width] for i in range(n)]
