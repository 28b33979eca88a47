"""Storage of firms, assessments and answers with SQLAlchemy 2 (SQLite by default, any URL works).

Answers live one row per (assessment, criterion), so saving a step writes only that step's rows:
a second tab saving another step cannot erase them, and a closed browser loses at most the step
on screen. Each assessment records the framework id and version it was answered with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from assessment import codes
from assessment.answers import Answer
from assessment.firms import FirmProfile
from assessment.scoring import FirmResult

DRAFT, SUBMITTED = "draft", "submitted"


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


class AssessmentRow(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    framework_id: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    lang: Mapped[str] = mapped_column(String(5), default="vi")
    resume_hash: Mapped[str] = mapped_column(String(64), unique=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), nullable=True)
    # Profile as entered for this assessment; sector/locality/size copied out for queries.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    sector: Mapped[str] = mapped_column(String(2), index=True)
    locality: Mapped[str] = mapped_column(String(40), index=True)
    size_class: Mapped[str] = mapped_column(String(10), index=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    answers: Mapped[list[AnswerRow]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class AnswerRow(Base):
    __tablename__ = "answers"
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[int] = mapped_column(Integer)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ScoreRow(Base):
    """A submitted assessment's points in compact form (comma-separated, in framework order), so
    dashboards read 100,000 firms without decoding each results document."""

    __tablename__ = "assessment_scores"
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    pillar_points: Mapped[str] = mapped_column(String(200))
    pillar_levels: Mapped[str] = mapped_column(String(100))
    criterion_points: Mapped[str] = mapped_column(String(2000))


class CatalogueEntryRow(Base):
    """The department's catalogue: one row per entry, its validated content as JSON."""

    __tablename__ = "catalogue_entries"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class CatalogueChangeRow(Base):
    """Every change to the catalogue: who, when, what (before and after)."""

    __tablename__ = "catalogue_changes"
    seq: Mapped[int] = mapped_column(primary_key=True)
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


# --- what callers get back ----------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRecord:
    id: int
    firm_id: int
    framework_key: str
    status: str
    lang: str
    step: int
    profile: FirmProfile
    answers: dict[str, Answer]
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    result: FirmResult | None
    previous_id: int | None

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


class NotFound(LookupError):
    pass


class AlreadySubmitted(RuntimeError):
    """A submitted assessment is final; start a re-assessment to change answers."""


# --- engine -------------------------------------------------------------------------------------


def make_engine(url: str) -> Engine:
    """Engine for ``url``; creates the SQLite file's folder, and creates or upgrades the schema
    (assessment.schema; a database from a newer version raises SchemaTooNew)."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    from assessment.schema import migrate

    try:
        migrate(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


class Store:
    """All reads and writes of firms and assessments."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    # --- creating -------------------------------------------------------------------------
    def create_assessment(
        self, profile: FirmProfile, framework_key: str, *, lang: str = "vi", previous_id: int | None = None
    ) -> tuple[int, str]:
        """Start a draft for the firm (created if new); returns its id and the resume code.

        The code is returned once and only its hash is stored.
        """
        fw_id, _, fw_version = framework_key.partition("@")
        code = codes.new_code()
        with self._session.begin() as s:
            firm = self._upsert_firm(s, profile)
            row = AssessmentRow(
                firm_id=firm.id,
                framework_id=fw_id,
                framework_version=fw_version,
                status=DRAFT,
                lang=lang,
                resume_hash=codes.code_hash(code),
                previous_id=previous_id,
                **_profile_columns(profile),
            )
            s.add(row)
            s.flush()
            return row.id, code

    def start_reassessment(self, previous_id: int, framework_key: str, *, lang: str = "vi") -> tuple[int, str]:
        """A new draft for the same firm, pre-filled with the previous assessment's profile and answers."""
        prev = self.get(previous_id)
        aid, code = self.create_assessment(prev.profile, framework_key, lang=lang, previous_id=previous_id)
        if framework_key == prev.framework_key:
            self.save_answers(aid, prev.answers)
        return aid, code

    @staticmethod
    def _upsert_firm(s: Session, profile: FirmProfile) -> FirmRow:
        firm = s.scalar(select(FirmRow).where(FirmRow.tax_code == profile.tax_code))
        if firm is None:
            firm = FirmRow(tax_code=profile.tax_code, name=profile.name)
            s.add(firm)
            s.flush()
        return firm

    # --- updating a draft -----------------------------------------------------------------
    def update_profile(self, assessment_id: int, profile: FirmProfile) -> None:
        with self._session.begin() as s:
            row = self._draft(s, assessment_id)
            if profile.tax_code != row.profile.get("tax_code"):
                row.firm_id = self._upsert_firm(s, profile).id
            for k, v in _profile_columns(profile).items():
                setattr(row, k, v)

    def save_answers(self, assessment_id: int, answers: dict[str, Answer], *, step: int | None = None,
                     clear: tuple[str, ...] = ()) -> None:
        """Write (insert or replace) the given answers only; ``clear`` removes answers."""
        with self._session.begin() as s:
            row = self._draft(s, assessment_id)
            existing = {a.criterion_id: a for a in row.answers}
            for cid, ans in answers.items():
                target = existing.get(cid)
                if target is None:
                    target = AnswerRow(assessment_id=assessment_id, criterion_id=cid)
                    row.answers.append(target)
                target.code, target.numerator = ans.code, ans.numerator
                target.denominator, target.value = ans.denominator, ans.value
                target.updated_at = utcnow()
            for cid in clear:
                if cid in existing and cid not in answers:
                    row.answers.remove(existing[cid])
            if step is not None:
                row.step = step
            row.updated_at = utcnow()

    def set_step(self, assessment_id: int, step: int) -> None:
        with self._session.begin() as s:
            self._draft(s, assessment_id).step = step

    def submit(self, assessment_id: int, result: FirmResult) -> None:
        with self._session.begin() as s:
            row = self._draft(s, assessment_id)
            row.status = SUBMITTED
            row.submitted_at = utcnow()
            row.total, row.level, row.results = result.total, result.level, result.to_dict()
            s.add(ScoreRow(assessment_id=row.id, **score_columns(result)))
            firm = s.get(FirmRow, row.firm_id)
            firm.name = row.profile["name"]

    def _draft(self, s: Session, assessment_id: int) -> AssessmentRow:
        row = s.get(AssessmentRow, assessment_id, with_for_update=True)
        if row is None:
            raise NotFound(assessment_id)
        if row.status == SUBMITTED:
            raise AlreadySubmitted(assessment_id)
        return row

    # --- reading --------------------------------------------------------------------------
    def get(self, assessment_id: int) -> AssessmentRecord:
        with self._session() as s:
            row = s.get(AssessmentRow, assessment_id)
            if row is None:
                raise NotFound(assessment_id)
            return _record(row)

    def get_many(self, assessment_ids: list[int]) -> list[AssessmentRecord]:
        """Several assessments in one query (answers loaded together), in the order asked."""
        with self._session() as s:
            rows = s.scalars(select(AssessmentRow).where(AssessmentRow.id.in_(assessment_ids))).all()
            by_id = {row.id: _record(row) for row in rows}
        missing = [i for i in assessment_ids if i not in by_id]
        if missing:
            raise NotFound(missing[0])
        return [by_id[i] for i in assessment_ids]

    def find_by_code(self, code: str) -> int | None:
        """The assessment a resume code opens, or None (malformed or unknown: the caller can't tell)."""
        digest = codes.code_hash(code)
        if digest is None:
            return None
        with self._session() as s:
            return s.scalar(select(AssessmentRow.id).where(AssessmentRow.resume_hash == digest))

    def history(self, assessment_id: int) -> list[AssessmentRecord]:
        """Earlier submitted assessments this one was started from, newest first.

        Only the chain of re-assessments is followed (each started from the previous one's
        resume code), so typing another firm's tax code never reveals that firm's results.
        """
        out = []
        with self._session() as s:
            row = s.get(AssessmentRow, assessment_id)
            seen = {assessment_id}
            while row is not None and row.previous_id is not None and row.previous_id not in seen:
                seen.add(row.previous_id)
                row = s.get(AssessmentRow, row.previous_id)
                if row is not None and row.status == SUBMITTED:
                    out.append(_record(row))
        return out

    def latest_submitted(self, framework_key: str) -> list[AssessmentRecord]:
        """Each firm's latest submitted assessment answered with this framework."""
        fw_id, _, fw_version = framework_key.partition("@")
        with self._session() as s:
            rows = s.scalars(
                select(AssessmentRow)
                .where(AssessmentRow.status == SUBMITTED, AssessmentRow.framework_id == fw_id,
                       AssessmentRow.framework_version == fw_version)
                .order_by(AssessmentRow.firm_id, AssessmentRow.submitted_at.desc(), AssessmentRow.id.desc())
            ).all()
            latest: dict[int, AssessmentRow] = {}
            for row in rows:
                latest.setdefault(row.firm_id, row)
            return [_record(row) for row in latest.values()]

    def replace_demo(self, fw, firms, prefix: str) -> int:
        """Remove earlier demo firms (name starting with ``prefix``), then store ``firms``
        (assessment.demo.DemoFirm) as submitted assessments, in one transaction; returns how
        many assessments were written."""
        from assessment.scoring import score_codes

        current = score_codes(fw, np.stack([f.codes for f in firms]))
        with_earlier = [i for i, f in enumerate(firms) if f.earlier_codes is not None]
        earlier = score_codes(fw, np.stack([firms[i].earlier_codes for i in with_earlier])) if with_earlier else None
        fw_id, fw_version = fw.id, fw.version
        with self._session.begin() as s:
            old_firms = s.scalars(select(FirmRow.id).where(FirmRow.name.startswith(prefix))).all()
            if old_firms:
                old_ids = s.scalars(select(AssessmentRow.id).where(AssessmentRow.firm_id.in_(old_firms))).all()
                s.execute(delete(AnswerRow).where(AnswerRow.assessment_id.in_(old_ids)))
                s.execute(delete(ScoreRow).where(ScoreRow.assessment_id.in_(old_ids)))
                s.execute(update(AssessmentRow).where(AssessmentRow.id.in_(old_ids)).values(previous_id=None))
                s.execute(delete(AssessmentRow).where(AssessmentRow.id.in_(old_ids)))
                s.execute(delete(FirmRow).where(FirmRow.id.in_(old_firms)))
            s.execute(insert(FirmRow), [{"tax_code": f.profile.tax_code, "name": f.profile.name} for f in firms])
            firm_id = dict(s.execute(select(FirmRow.tax_code, FirmRow.id).where(FirmRow.name.startswith(prefix))).all())

            def rows(indices, scores, when, codes_of):
                out = []
                for k, i in enumerate(indices):
                    f = firms[i]
                    result = scores.firm(k)
                    out.append({
                        "firm_id": firm_id[f.profile.tax_code], "framework_id": fw_id, "framework_version": fw_version,
                        "status": SUBMITTED, "lang": "vi", "resume_hash": codes.code_hash(codes.new_code()),
                        "created_at": when(f), "updated_at": when(f), "submitted_at": when(f),
                        "total": result.total, "level": result.level, "results": result.to_dict(),
                        "step": 0, **_profile_columns(f.profile), "_codes": codes_of(f),
                        "_scores": score_columns(result),
                    })
                return out

            def write(batch, previous=None):
                codes_rows = [row.pop("_codes") for row in batch]
                scores_rows = [row.pop("_scores") for row in batch]
                if previous is not None:
                    for row in batch:
                        row["previous_id"] = previous.get(row["firm_id"])
                else:
                    for row in batch:
                        row["previous_id"] = None
                ids = []
                for start in range(0, len(batch), 5_000):  # many rows per statement, ids in order
                    ids += s.scalars(insert(AssessmentRow).returning(AssessmentRow.id, sort_by_parameter_order=True),
                                     batch[start:start + 5_000]).all()
                # Core executemany (not the ORM's bulk path): millions of answer rows stay quick
                conn, now = s.connection(), utcnow()
                conn.execute(ScoreRow.__table__.insert(), [{"assessment_id": aid, **sc} for aid, sc in zip(ids, scores_rows)])
                answers = [{"assessment_id": aid, "criterion_id": cid, "code": int(c), "updated_at": now}
                           for aid, codes_row in zip(ids, codes_rows) for cid, c in zip(fw.criterion_ids, codes_row)]
                for start in range(0, len(answers), 50_000):
                    conn.execute(AnswerRow.__table__.insert(), answers[start:start + 50_000])
                return ids

            earlier_ids = write(rows(with_earlier, earlier, lambda f: f.earlier_at, lambda f: f.earlier_codes)) \
                if earlier is not None else []
            previous = {firm_id[firms[i].profile.tax_code]: aid for i, aid in zip(with_earlier, earlier_ids)}
            write(rows(range(len(firms)), current, lambda f: f.submitted_at, lambda f: f.codes), previous)
        return len(firms) + len(with_earlier)

    def submitted_frame(self, framework_key: str, *, criteria: bool = False):
        """Every submitted assessment of a framework as a pandas DataFrame, one row each, with the
        profile columns, total, level and per pillar its points and level (for dashboards);
        ``criteria=True`` returns (frame, points) with the (n, n_criteria) criterion points too."""
        import pandas as pd

        self._backfill_scores()
        fw_id, _, fw_version = framework_key.partition("@")
        # on SQLite the dates arrive as text: pandas parses them all at once, faster than row by row
        when = (type_coerce(AssessmentRow.submitted_at, String) if self.engine.dialect.name == "sqlite"
                else AssessmentRow.submitted_at)
        query = (
            select(AssessmentRow.id, AssessmentRow.firm_id, FirmRow.tax_code, FirmRow.name, AssessmentRow.sector,
                   AssessmentRow.locality, AssessmentRow.size_class, when,
                   AssessmentRow.total, AssessmentRow.level, ScoreRow.pillar_points, ScoreRow.pillar_levels,
                   *([ScoreRow.criterion_points] if criteria else []))
            .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
            .join(ScoreRow, ScoreRow.assessment_id == AssessmentRow.id)
            .where(AssessmentRow.status == SUBMITTED, AssessmentRow.framework_id == fw_id,
                   AssessmentRow.framework_version == fw_version)
            .order_by(AssessmentRow.id)
        )
        columns = ["assessment_id", "firm_id", "tax_code", "name", "sector", "locality", "size_class",
                   "submitted_at", "total", "level", "pillar_points", "pillar_levels"]
        columns += ["criterion_points"] if criteria else []
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        # column by column: much faster than letting pandas inspect each row object
        frame = pd.DataFrame({name: list(values) for name, values in zip(columns, zip(*rows))} if rows
                             else {name: [] for name in columns})
        frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], format="ISO8601")
        points = _int_matrix(frame.pop("pillar_points"))
        levels = _int_matrix(frame.pop("pillar_levels"))
        pillar_ids = self._pillar_ids(framework_key) if len(frame) else []
        for k, pid in enumerate(pillar_ids):
            frame[f"{pid}_points"] = points[:, k]
            frame[f"{pid}_level"] = levels[:, k]
        if criteria:
            return frame, _int_matrix(frame.pop("criterion_points"))
        return frame

    def _pillar_ids(self, framework_key: str) -> list[str]:
        fw_id, _, fw_version = framework_key.partition("@")
        with self._session() as s:
            results = s.scalar(select(AssessmentRow.results).where(
                AssessmentRow.status == SUBMITTED, AssessmentRow.framework_id == fw_id,
                AssessmentRow.framework_version == fw_version).limit(1))
        return [p["id"] for p in results["pillars"]] if results else []

    def _backfill_scores(self) -> int:
        """Write the compact score row of submitted assessments stored before that table existed."""
        with self._session.begin() as s:
            missing = s.execute(
                select(AssessmentRow.id, AssessmentRow.results)
                .outerjoin(ScoreRow, ScoreRow.assessment_id == AssessmentRow.id)
                .where(AssessmentRow.status == SUBMITTED, ScoreRow.assessment_id.is_(None))
            ).all()
            if missing:
                s.execute(insert(ScoreRow), [
                    {"assessment_id": aid, **score_columns(FirmResult.from_dict(results))} for aid, results in missing
                ])
            return len(missing)

    def submitted_periods(self, framework_key: str, tax_codes: set[str]) -> set[tuple[str, int]]:
        """(tax code, year) of the submitted assessments of these firms with this framework."""
        fw_id, _, fw_version = framework_key.partition("@")
        out: set[tuple[str, int]] = set()
        codes_list = sorted(tax_codes)
        with self._session() as s:
            for start in range(0, len(codes_list), 5_000):
                rows = s.execute(
                    select(FirmRow.tax_code, AssessmentRow.submitted_at)
                    .join(AssessmentRow, AssessmentRow.firm_id == FirmRow.id)
                    .where(FirmRow.tax_code.in_(codes_list[start:start + 5_000]), AssessmentRow.status == SUBMITTED,
                           AssessmentRow.framework_id == fw_id, AssessmentRow.framework_version == fw_version)
                ).all()
                out.update((code, at.year) for code, at in rows)
        return out

    def import_assessments(self, fw, rows, *, lang: str = "vi") -> list[tuple[int, str, int, str]]:
        """Store validated import rows (assessment.importer.ImportRow) as submitted assessments, in one
        transaction. Each firm's earlier assessment becomes the previous one, so its history shows the
        change. Returns (row, tax code, assessment id, resume code) per row: the codes let the
        department hand each firm access to its results."""
        from assessment.scoring import score_codes

        if not rows:
            return []
        scores = score_codes(fw, np.stack([r.codes for r in rows]))
        out = []
        with self._session.begin() as s:
            for k, r in sorted(enumerate(rows), key=lambda kr: kr[1].submitted_at):
                firm = self._upsert_firm(s, r.profile)
                firm.name = r.profile.name
                previous = s.scalar(
                    select(AssessmentRow.id)
                    .where(AssessmentRow.firm_id == firm.id, AssessmentRow.status == SUBMITTED,
                           AssessmentRow.submitted_at <= r.submitted_at)
                    .order_by(AssessmentRow.submitted_at.desc(), AssessmentRow.id.desc()).limit(1))
                result = scores.firm(k)
                code = codes.new_code()
                row = AssessmentRow(
                    firm_id=firm.id, framework_id=fw.id, framework_version=fw.version, status=SUBMITTED, lang=lang,
                    resume_hash=codes.code_hash(code), previous_id=previous, created_at=r.submitted_at,
                    updated_at=r.submitted_at, submitted_at=r.submitted_at, total=result.total, level=result.level,
                    results=result.to_dict(), **_profile_columns(r.profile),
                )
                s.add(row)
                s.flush()
                s.execute(insert(AnswerRow), [
                    {"assessment_id": row.id, "criterion_id": cid, "code": a.code, "numerator": a.numerator,
                     "denominator": a.denominator, "value": a.value}
                    for cid, a in r.answers.items()
                ])
                s.add(ScoreRow(assessment_id=row.id, **score_columns(result)))
                out.append((r.row, r.profile.tax_code, row.id, code))
        return sorted(out)

    def count_assessments(self) -> int:
        with self._session() as s:
            return s.scalar(select(func.count()).select_from(AssessmentRow))


def score_columns(result: FirmResult) -> dict[str, str]:
    return {
        "pillar_points": ",".join(str(p.points) for p in result.pillars),
        "pillar_levels": ",".join(str(p.level) for p in result.pillars),
        "criterion_points": ",".join(str(v) for v in result.criterion_points.values()),
    }


def _int_matrix(cells) -> np.ndarray:
    """Comma-separated integers, one string per row, as an (n, width) int array (all rows alike)."""
    if len(cells) == 0:
        return np.zeros((0, 0), dtype=np.int32)
    flat = ",".join(cells.tolist()).split(",")
    return np.array(flat, dtype=np.int32).reshape(len(cells), -1)


def _profile_columns(profile: FirmProfile) -> dict[str, Any]:
    return {
        "profile": profile.to_dict(),
        "sector": profile.sector,
        "locality": profile.locality,
        "size_class": profile.size_class.id,
    }


def _record(row: AssessmentRow) -> AssessmentRecord:
    return AssessmentRecord(
        id=row.id,
        firm_id=row.firm_id,
        framework_key=f"{row.framework_id}@{row.framework_version}",
        status=row.status,
        lang=row.lang,
        step=row.step,
        profile=FirmProfile(**row.profile),
        answers={
            a.criterion_id: Answer(a.code, a.numerator, a.denominator, a.value) for a in row.answers
        },
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        result=FirmResult.from_dict(row.results) if row.results else None,
        previous_id=row.previous_id,
    )
