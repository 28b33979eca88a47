"""Department accounts: users with roles (viewer, admin), scrypt password hashes, sign-in limits.

Passwords are hashed with scrypt (memory-hard; Python's hashlib, no extra dependency) with a
random salt, and only the hash is stored. Sign-in failures are counted per user in the database:
after MAX_FAILURES in a row the account is locked for LOCK_MINUTES, whichever app process or
browser the attempts come from. Nothing here logs a password.

The first admin comes from the command line (``python -m assessment users add NAME --role admin``)
or from configuration: DBI_ADMIN_USER and DBI_ADMIN_PASSWORD create it on first start when the
database has no user yet.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assessment.errors import UserError
from assessment.framework import nfc
from assessment.models import UserRow, utcnow
from assessment.storage import Store

ROLES = ("viewer", "admin")
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AccountError(UserError):
    """A problem with an account or a sign-in that the person can fix."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), dklen=len(expected),
                             n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_hex(8)))
    return _DUMMY[0]


_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
              "1qaz2wsx3edc4rfv", "qazwsxedcrfv")
_COMMON = ("password", "matkhau", "mậtkhẩu", "admin", "quantri", "123456", "qwerty", "sonla", "dbi", "iloveyou")


def check_password(password: str, *, username: str = "") -> None:
    """At least MIN_PASSWORD characters that are not spaces, and not an obvious guess: one repeated
    character or a few, a run along the keyboard or the alphabet, a common word or the user name."""
    if len(password.strip()) < MIN_PASSWORD:
        raise AccountError("acct.password_short", min=MIN_PASSWORD)
    plain = "".join(password.split()).casefold()
    if len(set(plain)) < 4:
        raise AccountError("acct.password_weak")
    for seq in _SEQUENCES:
        for text in (seq, seq[::-1]):
            if plain in text * 2:  # wraps around: 7890123456
                raise AccountError("acct.password_weak")
    # a short piece repeated (abcabcabcabc), a common word or the user name, give or take digits
    stripped = plain.strip("0123456789!@#$%^&*.-_ ")
    for text in (plain, stripped):
        if any(text == text[:k] * (len(text) // k) + text[:len(text) % k] for k in range(1, 5)):
            raise AccountError("acct.password_weak")
    name = "".join(normalise_username(username).split()).strip("0123456789!@#$%^&*.-_ ")
    if stripped in _COMMON or len(stripped) < 3 or (len(name) >= 4 and name in plain):
        raise AccountError("acct.password_weak")


def normalise_username(name: str) -> str:
    """One spelling per name: NFKC (full-width or composed letters alike), lower case, trimmed."""
    return unicodedata.normalize("NFKC", name or "").strip().casefold()


def _username_ok(name: str) -> bool:
    if not name or len(name) > 60:
        return False
    # no spaces and nothing invisible (format, control, private-use or unassigned characters)
    return not any(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") for ch in name)


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    active: bool
    last_login: dt.datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _user(row: UserRow) -> User:
    return User(row.username, row.display_name, row.role, row.active, row.last_login)


class Accounts:
    def __init__(self, store: Store):
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    def add(self, username: str, password: str, *, role: str = "viewer", display_name: str = "") -> User:
        username = normalise_username(username)
        if not _username_ok(username):
            raise AccountError("acct.username_invalid")
        if role not in ROLES:
            raise AccountError("acct.role_invalid")
        check_password(password, username=username)
        with self._session.begin() as s:
            if s.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
                raise AccountError("acct.username_taken", username=username)
            row = UserRow(username=username, display_name=nfc(display_name).strip() or username, role=role,
                          password_hash=hash_password(password), active=True)
            s.add(row)
        return _user(row)

    def list(self) -> list[User]:
        with self._session() as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.username))]

    def count(self) -> int:
        return len(self.list())

    def _row(self, s, username: str) -> UserRow:
        row = s.scalar(select(UserRow).where(UserRow.username == normalise_username(username)))
        if row is None:
            raise AccountError("acct.no_such_user", username=username)
        return row

    def set_active(self, username: str, active: bool) -> None:
        with self._session.begin() as s:
            row = self._row(s, username)
            row.active = active
            row.failed_attempts, row.locked_until = 0, None

    def reset_password(self, username: str, password: str) -> None:
        check_password(password, username=username)
        with self._session.begin() as s:
            row = self._row(s, username)
            row.password_hash = hash_password(password)
            row.failed_attempts, row.locked_until = 0, None

    def set_role(self, username: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError("acct.role_invalid")
        with self._session.begin() as s:
            self._row(s, username).role = role

    def authenticate(self, username: str, password: str) -> User:
        """The user, or AccountError("acct.wrong"): the same message for a wrong name, a wrong
        password and a locked account (it says that accounts lock), so that sign-in never reveals
        which names have an account."""
        now = utcnow()
        error: AccountError | None = None
        with self._session.begin() as s:  # failures are committed before the error is raised
            row = s.scalar(select(UserRow).where(UserRow.username == normalise_username(username or "")))
            wrong = AccountError("acct.wrong", n=MAX_FAILURES, minutes=LOCK_MINUTES)
            if row is None:
                verify_password(password or "", _dummy_hash())  # the same work as a real check
                error = wrong
            elif row.locked_until is not None and row.locked_until > now:
                verify_password(password or "", _dummy_hash())
                error = wrong
            elif not row.active or not verify_password(password or "", row.password_hash):
                row.failed_attempts += 1
                if row.failed_attempts >= MAX_FAILURES:
                    row.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                    row.failed_attempts = 0
                error = wrong
            else:
                row.failed_attempts, row.locked_until, row.last_login = 0, None, now
                user = _user(row)
        if error is not None:
            raise error
        return user

    def current(self, username: str) -> User | None:
        """The account as it is now (role, active), or None if it was removed or disabled."""
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.username == normalise_username(username)))
            return _user(row) if row is not None and row.active else None

    def for_identity(self, email: str) -> User | None:
        """The active account whose username is this single-sign-on e-mail address, or None.

        With OIDC (st.login) the identity provider checks the password; the role still comes from
        an account here, so an administrator decides who may see the department's pages."""
        name = normalise_username(email or "")
        if not name:
            return None
        with self._session.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.username == name))
            if row is None or not row.active:
                return None
            row.last_login = utcnow()
            return _user(row)

    def ensure_first_admin(self) -> User | None:
        """Create the admin named in DBI_ADMIN_USER (default "admin") with DBI_ADMIN_PASSWORD when
        the database has no user yet."""
        from assessment.config import settings

        cfg = settings()
        username, password = cfg.admin_user, cfg.admin_password
        if not username or not password or self.count():
            return None
        return self.add(username, password, role="admin", display_name=username)
