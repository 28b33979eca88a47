"""Department accounts: hashing, roles, lockout, first admin, the users command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assessment.accounts import AccountError, Accounts, hash_password, verify_password

PASSWORD = "một-mật-khẩu-dài"


def test_password_hash_is_salted_scrypt():
    a, b = hash_password(PASSWORD), hash_password(PASSWORD)
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert verify_password(PASSWORD, a) and not verify_password(PASSWORD + "x", a)
    assert not verify_password(PASSWORD, "md5$abc") and not verify_password(PASSWORD, "garbage")


def test_accounts_in_the_database(store):
    accounts = Accounts(store)
    accounts.add("Lo.Minh", PASSWORD, role="admin", display_name="Lò Văn Minh")
    with store.engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.exec_driver_sql("SELECT * FROM users"))
    assert PASSWORD not in dump and "scrypt$" in dump
    user = accounts.authenticate("lo.minh", PASSWORD)
    assert user.is_admin and user.display_name == "Lò Văn Minh" and user.last_login is not None
    with pytest.raises(AccountError, match="acct.username_taken"):
        accounts.add("lo.minh", PASSWORD)
    with pytest.raises(AccountError, match="acct.password_short"):
        accounts.add("new", "short")
    with pytest.raises(AccountError, match="acct.role_invalid"):
        accounts.add("new", PASSWORD, role="owner")
    accounts.set_active("lo.minh", False)
    with pytest.raises(AccountError, match="acct.wrong"):
        accounts.authenticate("lo.minh", PASSWORD)  # disabled: the same message as a wrong password
    accounts.set_active("lo.minh", True)
    accounts.reset_password("lo.minh", PASSWORD + "2")
    with pytest.raises(AccountError, match="acct.wrong"):
        accounts.authenticate("lo.minh", PASSWORD)
    assert accounts.authenticate("lo.minh", PASSWORD + "2").username == "lo.minh"


def test_lockout_survives_new_sessions_and_reset_clears_it(store):
    accounts = Accounts(store)
    accounts.add("admin", PASSWORD, role="admin")
    for _ in range(5):
        with pytest.raises(AccountError, match="acct.wrong"):
            accounts.authenticate("admin", "wrong-password")
    with pytest.raises(AccountError, match="acct.wrong") as locked:
        Accounts(store).authenticate("admin", PASSWORD)  # locked: even the right password is refused
    with pytest.raises(AccountError) as unknown:
        Accounts(store).authenticate("nobody-here", PASSWORD)
    # the lockout reveals nothing: a locked account and an unknown name read exactly alike
    assert locked.value.message("vi") == unknown.value.message("vi") and "khóa" in locked.value.message("vi")
    assert locked.value.message("en") == unknown.value.message("en")
    accounts.reset_password("admin", PASSWORD)
    assert accounts.authenticate("admin", PASSWORD).is_admin


@pytest.mark.parametrize("password", [" " * 12, "aaaaaaaaaaaa", "ababababab12", "1234567890", "0987654321",
                                      "qwertyuiop", "abcdefghijk", "7890123456", "password2026", "matkhau@123",
                                      "abcabcabcabc", "quan.ly.so.1"])
def test_obvious_passwords_are_refused(store, password):
    accounts = Accounts(store)
    with pytest.raises(AccountError) as err:
        accounts.add("quan.ly.so.1", password)
    assert err.value.key in ("acct.password_weak", "acct.password_short")
    assert not err.value.message("vi").startswith("[")


def test_a_real_passphrase_is_accepted(store):
    assert Accounts(store).add("lo.minh", "chè Tà Xùa mùa xuân").username == "lo.minh"


def test_usernames_are_one_spelling_and_never_invisible(store):
    accounts = Accounts(store)
    accounts.add("ｌｏ.ｍｉｎｈ", PASSWORD)  # full-width letters are the same name
    assert accounts.authenticate("Lo.Minh", PASSWORD).username == "lo.minh"
    with pytest.raises(AccountError, match="acct.username_taken"):
        accounts.add("lo.minh", PASSWORD)
    for name in ("lo\u200b.minh", "lo.minh\u202e", "lo\x00minh", "lò minh"):
        with pytest.raises(AccountError, match="acct.username_invalid"):
            accounts.add(name, PASSWORD)


def test_first_admin_from_configuration(store, monkeypatch):
    monkeypatch.setenv("DBI_ADMIN_USER", "so.khdt")
    monkeypatch.setenv("DBI_ADMIN_PASSWORD", PASSWORD)
    accounts = Accounts(store)
    assert accounts.ensure_first_admin().username == "so.khdt"
    assert accounts.ensure_first_admin() is None  # only when there is no user yet
    assert [u.role for u in accounts.list()] == ["admin"]


def test_users_command(tmp_path):
    root = Path(__file__).resolve().parent.parent
    env = {"DBI_DATABASE_URL": f"sqlite:///{tmp_path / 'u.sqlite3'}", "PATH": "/usr/bin:/bin"}

    def users(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "assessment", "users", *args], cwd=root, input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    assert users("add", "lo.minh", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n").stdout == \
        "added lo.minh (admin)\n"
    bad = users("add", "x", "--password-stdin", stdin="short\n")
    assert bad.returncode == 1 and "at least 10 characters" in bad.stderr
    assert users("disable", "lo.minh").returncode == 0
    listed = users("list").stdout
    assert listed.startswith("lo.minh\tadmin\tdisabled") and PASSWORD not in listed
    missing = users("disable", "nobody")
    assert missing.returncode == 1 and "There is no account nobody" in missing.stderr
