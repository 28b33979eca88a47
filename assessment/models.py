"""The database's tables (SQLAlchemy 2 declarative models) and the values their columns take.

Storage (assessment.storage), identity and claims (assessment.identity), accounts, the catalogue,
the department's targets and backups all read and write these tables; the migrations under
assessment/migrations create them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String, Text, false, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from assessment.answers import Answer
from assessment.framework import MAX_PILLARS

DRAFT, SUBMITTED = "draft", "submitted"
STAGED = "staged"  # written by an import that has not finished: invisible to every read
PENDING, REJECTED = "pending", "rejected"  # claims (assessment.identity)
SELF, IMPORTED, DEMO = "self", "import", "demo"  # where an assessment came from


def utcnow() -> dt.datetime:
    """Naive UTC timestamps: SQLite keeps no time zone, so every backend stores the same thing."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class FirmRow(Base):
    __tablename__ = "firms"
    id: Mapped[int] = mapped_column(primary_key=True)
    tax_code: Mapped[str] = mapped_column(String(14), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # set only by `demo`: demo data is replaced by what marks it, never by what a name says
    demo: Mapped[bool] = mapped_column(default=False, server_default=false())


_IMPORTED_ONCE = "source = 'import' AND status = 'submitted'"
_LATEST, _YEAR_LATEST = "latest = 1", "year_latest = 1"
# a framework's pillars fit the assessment row's pillar_1 .. pillar_12 (migration 0011)
PILLAR_COLUMNS = tuple(f"pillar_{k}" for k in range(1, MAX_PILLARS + 1))


class AssessmentRow(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        # one imported assessment per firm, framework and year, whoever confirms the file and when
        Index("uq_imported_period", "firm_id", "framework_id", "framework_version", "period", unique=True,
              sqlite_where=text(_IMPORTED_ONCE), postgresql_where=text(_IMPORTED_ONCE)),
        # the department's narrow reads (frames.department_rows) and figures (assessment.aggregates)
        # answered from the index alone
        Index("ix_assessments_department", "framework_id", "framework_version", "status", "claim", "firm_id",
              "submitted_at", "id", "level", "total", "kind", "size_class", "sector", "sector_version", "locality",
              *PILLAR_COLUMNS),
        # each firm's latest assessment of each year (assessment.states): the department's figures
        # and firm table read these rows alone (the flag itself in the index: SQLite reads a partial
        # index alone only when it holds every column the query names)
        Index("ix_assessments_year_latest", "framework_id", "framework_version", "year_latest", "submitted_at",
              "locality", "sector", "sector_version", "size_class", "kind", "level", "total", "firm_id", "id",
              *PILLAR_COLUMNS, sqlite_where=text(_YEAR_LATEST), postgresql_where=text(_YEAR_LATEST)),
        # the same rows by total: the firm table's page, best first, read from the top down (with the
        # pillar points, which place a row in the kept clustering when the table is filtered by cluster)
        Index("ix_assessments_year_latest_total", "framework_id", "framework_version", "year_latest", "total",
              "submitted_at", "locality", "sector", "sector_version", "size_class", "id", *PILLAR_COLUMNS,
              sqlite_where=text(_YEAR_LATEST), postgresql_where=text(_YEAR_LATEST)),
        # each firm's latest assessment: its peers are counted here, and the platforms firms use
        Index("ix_assessments_latest", "framework_id", "framework_version", "latest", "sector", "sector_version",
              "size_class", "locality", "firm_id", "total", "level", "submitted_at", "kind", "id", *PILLAR_COLUMNS,
              sqlite_where=text(_LATEST), postgresql_where=text(_LATEST)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    framework_id: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    lang: Mapped[str] = mapped_column(String(5), default="vi")
    resume_hash: Mapped[str] = mapped_column(String(64), unique=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), nullable=True, index=True)
    # Profile as entered for this assessment; kind/sector/locality/size copied out for queries.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    sector: Mapped[str] = mapped_column(String(2), index=True)
    sector_version: Mapped[str] = mapped_column(String(4), default="2018", server_default="2018")  # VSIC 2018 or 2025
    kind: Mapped[str] = mapped_column(String(12), default="enterprise", server_default="enterprise")
    locality: Mapped[str] = mapped_column(String(40), index=True)
    size_class: Mapped[str] = mapped_column(String(10), index=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # a submitted assessment's points per pillar, in framework order (NULL past the last pillar):
    # numbers the database adds up for the department's figures
    pillar_1: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_2: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_3: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_4: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_5: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_6: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_7: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_8: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_9: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_10: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_11: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pillar_12: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # 1 on the firm's latest own submitted assessment of the framework, and on its latest of each
    # calendar year (kept by assessment.states.refresh on every write that changes them)
    latest: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    year_latest: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # the firm's own submitted assessment of the framework just before this one (kept with the flags
    # by assessment.states.refresh; None for the first, a draft or a claim): what the tool recommended
    # then is compared with what the firm uses now (assessment.platform_cells)
    prior_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the catalogue entries the results page recommended when it was submitted (ids, best first,
    # comma-separated; "" none): what the department compares with what the firm uses later.
    # None: not recorded (submitted before migration 0010)
    recommended: Mapped[str | None] = mapped_column(Text, nullable=True)
    # None: the firm's own record; "pending"/"rejected": a claim on a firm registered by someone
    # else, made without one of the firm's codes (assessment.identity)
    claim: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(10), default=SELF, server_default=SELF)
    period: Mapped[int | None] = mapped_column(Integer, nullable=True)  # year of an imported assessment
    import_batch: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)

    # the answers, one document per assessment (answers_document): {criterion id: code}, or
    # [code, numerator, denominator, value] where figures were given. One row per assessment, not one
    # per answer: an import or a national demo writes 60 times fewer rows, each with no key to check.
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    # the digital platforms the firm said it uses (assessment.inventory), in the order given
    platforms: Mapped[list[PlatformUseRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PlatformUseRow.seq")


class PlatformUseRow(Base):
    """A platform or service a firm uses, as declared with one assessment: a published catalogue
    entry (its id, and its name at the time, so a retired entry stays readable) or another one by
    name; since when, and which of the firm's other tools it exchanges data with. Independent of
    the framework the questions were answered with."""

    __tablename__ = "platform_uses"
    # an assessment's tools read from the index alone (the department's adoption figures)
    __table_args__ = (Index("ix_platform_uses_tools", "assessment_id", "category", "entry_id"),)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    entry_id: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    since: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the year it was first used
    linked: Mapped[str] = mapped_column(String(200), default="")  # seqs of the tools it exchanges data with: "1,3"


def answers_document(answers: dict[str, Answer]) -> dict[str, Any]:
    """The stored form of answers (assessment.answers.Answer by criterion id)."""
    return {cid: a.code if a.numerator is None and a.denominator is None and a.value is None
            else [a.code, a.numerator, a.denominator, a.value] for cid, a in answers.items()}


def answers_from_document(document: dict[str, Any] | None) -> dict[str, Answer]:
    """Answers (assessment.answers.Answer by criterion id) from their stored form."""
    def figure(x):
        return None if x is None else float(x)

    out = {}
    for cid, cell in (document or {}).items():
        if isinstance(cell, list):
            code, numerator, denominator, value = cell
            out[cid] = Answer(int(code), figure(numerator), figure(denominator), figure(value))
        else:
            out[cid] = Answer(int(cell))
    return out


class ScoreRow(Base):
    """A submitted assessment's points in compact form (comma-separated, in framework order), so
    dashboards read 100,000 firms without decoding each results document."""

    __tablename__ = "assessment_scores"
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    pillar_points: Mapped[str] = mapped_column(String(200))
    pillar_levels: Mapped[str] = mapped_column(String(100))
    criterion_points: Mapped[str] = mapped_column(String(2000))


class CatalogueEntryRow(Base):
    """The department's catalogue of a framework: one row per entry, its validated content as JSON.
    Entries lift criteria of one framework, so each framework has its own catalogue."""

    __tablename__ = "catalogue_entries"
    framework: Mapped[str] = mapped_column(String(160), primary_key=True)  # id@version
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class CatalogueChangeRow(Base):
    """Every change to the catalogue: who, when, what (before and after)."""

    __tablename__ = "catalogue_changes"
    seq: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(160), index=True)
    entry_id: Mapped[str] = mapped_column(String(60), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    who: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))  # seed, add, edit, publish, retire, draft, import
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class UserRow(Base):
    """Department accounts (assessment.accounts): only password hashes are stored."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_login: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class TargetRow(Base):
    """A target the department sets, e.g. 50 % of firms at level 2 or above by 2027."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(160), index=True)  # id@version
    metric: Mapped[str] = mapped_column(String(30))
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    value: Mapped[float] = mapped_column(Float)
    year: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class YearCellRow(Base):
    """The department's cube, kept by every write (assessment.year_cells): the firms, and the sums of
    their total and pillar points, per framework x year x place x sector x size class x kind of unit x
    level x cluster of the kept clustering (-1: none). One anchor row per framework (year 0, level
    -1) holds the clustering the cells were placed by (``model``); no other row has one."""

    __tablename__ = "year_cells"
    __table_args__ = (
        Index("uq_year_cells", "framework_id", "framework_version", "year", "locality", "sector", "sector_version",
              "size_class", "kind", "level", "cluster", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(50))
    year: Mapped[int] = mapped_column(Integer)
    locality: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(2))
    sector_version: Mapped[str] = mapped_column(String(4))
    size_class: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    level: Mapped[int] = mapped_column(Integer)
    cluster: Mapped[int] = mapped_column(Integer)
    firms: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    pillar_1: Mapped[int] = mapped_column(BigInteger)
    pillar_2: Mapped[int] = mapped_column(BigInteger)
    pillar_3: Mapped[int] = mapped_column(BigInteger)
    pillar_4: Mapped[int] = mapped_column(BigInteger)
    pillar_5: Mapped[int] = mapped_column(BigInteger)
    pillar_6: Mapped[int] = mapped_column(BigInteger)
    pillar_7: Mapped[int] = mapped_column(BigInteger)
    pillar_8: Mapped[int] = mapped_column(BigInteger)
    pillar_9: Mapped[int] = mapped_column(BigInteger)
    pillar_10: Mapped[int] = mapped_column(BigInteger)
    pillar_11: Mapped[int] = mapped_column(BigInteger)
    pillar_12: Mapped[int] = mapped_column(BigInteger)
    model: Mapped[str | None] = mapped_column(Text, nullable=True)  # ClusterModel.to_json(), on the anchor


class PlatformCellRow(Base):
    """The Platforms in use page's counts, kept by every write (assessment.platform_cells): per
    framework x scope (0: each firm's latest assessment; a year: its latest of that year) x place x
    sector x size class x level x item, the firms (and, for an entry, its tool rows; for what was
    recommended, the firms that use it now). Items that count across the province keep the place,
    sector and size class empty and level -1. One anchor row per framework (scope -1) holds the Make
    in Vietnam entries its counts were made with (``note``)."""

    __tablename__ = "platform_cells"
    __table_args__ = (
        Index("uq_platform_cells", "framework_id", "framework_version", "scope", "locality", "sector",
              "sector_version", "size_class", "level", "item", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(50))
    scope: Mapped[int] = mapped_column(Integer)
    locality: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(2))
    sector_version: Mapped[str] = mapped_column(String(4))
    size_class: Mapped[str] = mapped_column(String(10))
    level: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(70))
    firms: Mapped[int] = mapped_column(BigInteger)
    uses: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ClusterModelRow(Base):
    """A fitted clustering kept so that new firms are placed without refitting; one active per framework."""

    __tablename__ = "cluster_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(160), index=True)
    model: Mapped[str] = mapped_column(String(20000))  # ClusterModel.to_json()
    n_firms: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditRow(Base):
    """Who changed a firm's records, when, and what (before and after): names, profiles, claims."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    who: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    firm_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    assessment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class CodeAttemptRow(Base):
    """Wrong resume or firm codes, per client, so the limit holds across reloads and processes."""

    __tablename__ = "code_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64), index=True)  # a hash, never the address itself
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ImportBatchRow(Base):
    """An import in progress or done: its rows are written in short transactions as STAGED and
    become visible together in one final step."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(12))  # staging, done, failed
    n_rows: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class DataVersionRow(Base):
    """A counter per kind of data that every write of that kind raises in its own transaction
    (assessment.versions): cached reads are keyed on it, in every app process, so none shows data
    older than the last write. Bookkeeping, not data: not in backups (a restore raises them)."""

    __tablename__ = "data_versions"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
