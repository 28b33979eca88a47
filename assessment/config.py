"""Configuration from environment variables, with defaults that need no set-up.

| variable | default | meaning |
|---|---|---|
| DBI_DATABASE_URL | sqlite:///<project>/var/dbi.sqlite3 | any SQLAlchemy URL (PostgreSQL for several users) |
| DBI_FRAMEWORKS_DIR | <project>/questionnaires | folder of framework files |
| DBI_DEFAULT_FRAMEWORK | dbi-2021-sme@2021 | framework new assessments use |
| DBI_LOCALITIES_FILE | assessment/data/localities/son-la.yaml | the province's localities |
| DBI_APP_URL | (empty) | public address of the app, used to print full resume links |
| DBI_SQLITE_TIMEOUT | 30 | seconds a SQLite write waits for another writer before giving up |
| DBI_DEPARTMENT | Sở Tài chính tỉnh Sơn La | the department that runs the tool, as shown in the menu, pages and scorecards |
| DBI_DEPARTMENT_EN | Sơn La Department of Finance | the same in English |
| DBI_AUTH | password | "oidc" signs the department in through the identity provider (st.login) |
| DBI_ADMIN_USER | admin | the first admin, created on first start when no account exists ... |
| DBI_ADMIN_PASSWORD | (empty) | ... with this password (no first admin when empty) |

Every module takes its defaults from here (``settings()``, read when called so that tests can
change the environment): the database of ``Store.open()``, the framework folder and default
framework of ``framework.get_framework``, the localities of ``firms.localities``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Settings:
    database_url: str
    frameworks_dir: Path
    default_framework: str
    localities_file: Path
    app_url: str
    auth: str  # "password" (accounts here) or "oidc" (st.login, mapped to accounts by e-mail)
    sqlite_timeout: float = 30.0
    admin_user: str = "admin"
    admin_password: str = ""
    # since 2025 the Department of Finance holds the former Department of Planning and Investment's duties
    department_vi: str = "Sở Tài chính tỉnh Sơn La"
    department_en: str = "Sơn La Department of Finance"

    def department(self, lang: str) -> str:
        """The department's name in ``lang``."""
        return self.department_en if lang == "en" else self.department_vi


def settings() -> Settings:
    """Read the settings now (tests change the environment between calls)."""
    default_db = PROJECT_DIR / "var" / "dbi.sqlite3"
    return Settings(
        database_url=os.environ.get("DBI_DATABASE_URL") or f"sqlite:///{default_db}",
        frameworks_dir=Path(os.environ.get("DBI_FRAMEWORKS_DIR") or PROJECT_DIR / "questionnaires"),
        default_framework=os.environ.get("DBI_DEFAULT_FRAMEWORK") or "dbi-2021-sme@2021",
        localities_file=Path(os.environ.get("DBI_LOCALITIES_FILE") or DATA_DIR / "localities" / "son-la.yaml"),
        app_url=(os.environ.get("DBI_APP_URL") or "").rstrip("/"),
        auth="oidc" if (os.environ.get("DBI_AUTH") or "").strip().lower() == "oidc" else "password",
        sqlite_timeout=_number(os.environ.get("DBI_SQLITE_TIMEOUT"), 30.0),
        admin_user=os.environ.get("DBI_ADMIN_USER", "") or "admin",
        admin_password=os.environ.get("DBI_ADMIN_PASSWORD", ""),
        department_vi=(os.environ.get("DBI_DEPARTMENT") or "").strip() or Settings.department_vi,
        department_en=(os.environ.get("DBI_DEPARTMENT_EN") or "").strip() or Settings.department_en,
    )


def _number(raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default
