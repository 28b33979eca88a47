"""Storage of firms, assessments and answers with SQLAlchemy 2 (SQLite by default, any URL works).

Answers live one row per (assessment, criterion), so saving a step writes only that step's rows:
a second tab saving another step cannot erase them, and a closed browser loses at most the step
on screen. Each assessment records the framework id and version it was answered with.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from assessment import codes, identity, inventory, states, versions
from assessment.inventory import PlatformUse
from assessment.answers import Answer
from assessment.firms import FirmProfile
from assessment.models import (  # noqa: F401 - the models are also reached through storage
    DEMO,
    PILLAR_COLUMNS,
    DRAFT,
    IMPORTED,
    PENDING,
    REJECTED,
    SELF,
    STAGED,
    SUBMITTED,
    AssessmentRow,
    AuditRow,
    Base,
    CatalogueChangeRow,
    CatalogueEntryRow,
    ClusterModelRow,
    CodeAttemptRow,
    FirmRow,
    ImportBatchRow,
    PlatformUseRow,
    ScoreRow,
    TargetRow,
    UserRow,
    answers_document,
    answers_from_document,
    utcnow,
)
from assessment.scoring import FirmResult

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
    claim: str | None = None  # PENDING or REJECTED: not (yet) the firm's own record
    platforms: tuple[PlatformUse, ...] = ()  # the tools the firm said it uses (assessment.inventory)

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
        from assessment.config import settings

        timeout = settings().sqlite_timeout
        kwargs["connect_args"] = {"timeout": timeout}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            _wal(cur, timeout)
            cur.close()

    from assessment.schema import migrate

    try:
        migrate(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


def _wal(cur, timeout: float) -> None:
    """Write-ahead logging on (readers and one writer at once). Connections opening a new file
    together each try to switch it, and SQLite answers "database is locked" at once, without
    waiting, to all but one of them (a shared lock cannot be raised while another connection
    waits to raise its own): try again until the switch is made or ``timeout`` has passed."""
    import sqlite3
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Store:
    """All reads and writes of firms and assessments."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    @classmethod
    def open(cls) -> Store:
        """The configured database (DBI_DATABASE_URL, else the SQLite file under var/)."""
        from assessment.config import settings

        return cls.from_url(settings().database_url)

    # --- creating -------------------------------------------------------------------------
    def create_assessment(
        self, profile: FirmProfile, framework_key: str, *, lang: str = "vi", previous_id: int | None = None,
        firm_code: str | None = None,
    ) -> tuple[int, str]:
        """Start a draft for the firm (created if new); returns its id and the resume code.

        The code is returned once and only its hash is stored. A tax code already registered needs
        one of the firm's codes (``firm_code``, or ``previous_id`` of one of its own assessments);
        without it the draft is a claim (assessment.identity).
        """
        fw_id, _, fw_version = framework_key.partition("@")
        code = codes.new_code()
        with self._session.begin() as s:
            owner = identity.resolve(s, profile.tax_code, profile.name, previous_id=previous_id, firm_code=firm_code)
            row = AssessmentRow(
                firm_id=owner.firm_id,
                framework_id=fw_id,
                framework_version=fw_version,
                status=DRAFT,
                lang=lang,
                resume_hash=codes.code_hash(code),
                previous_id=previous_id,
                claim=owner.claim,
                **profile_columns(profile),
            )
            s.add(row)
            s.flush()
            return row.id, code

    def is_registered(self, tax_code: str) -> bool:
        """Whether a firm with this tax code has records of its own: a newcomer then needs its code."""
        with self._session() as s:
            firm_id = s.scalar(select(FirmRow.id).where(FirmRow.tax_code == tax_code))
            return firm_id is not None and identity.has_own_records(s, firm_id)

    def code_opens_firm(self, code: str, tax_code: str) -> bool:
        """Whether ``code`` is one of the codes of the firm with this tax code."""
        with self._session() as s:
            firm_id = identity.firm_of_code(s, code)
            return firm_id is not None and s.scalar(select(FirmRow.tax_code).where(FirmRow.id == firm_id)) == tax_code

    def start_reassessment(self, previous_id: int, framework_key: str, *, lang: str = "vi") -> tuple[int, str]:
        """A new draft for the same firm, pre-filled with the previous assessment's profile, answers
        and platforms."""
        prev = self.get(previous_id)
        aid, code = self.create_assessment(prev.profile, framework_key, lang=lang, previous_id=previous_id)
        if framework_key == prev.framework_key:
            self.save_answers(aid, prev.answers)
        if prev.platforms:
            self.save_platforms(aid, list(prev.platforms))
        return aid, code

    def save_platforms(self, assessment_id: int, uses: list[PlatformUse]) -> None:
        """Replace a draft's platform inventory (already cleaned: inventory.clean)."""
        with self._session.begin() as s:
            row = self._draft(s, assessment_id)
            row.platforms = [PlatformUseRow(**r) for r in inventory.rows_of(uses)]
            row.updated_at = utcnow()

    # --- updating a draft -----------------------------------------------------------------
    def update_profile(self, assessment_id: int, profile: FirmProfile, *, who: str | None = None,
                       firm_code: str | None = None) -> None:
        """Change a draft's profile; recorded in the audit log. A new tax code moves the draft to
        that firm: to a new firm as its own, to a registered one as a claim unless ``firm_code`` is
        one of that firm's codes."""
        with self._session.begin() as s:
            row = self._draft(s, assessment_id)
            before = dict(row.profile)
            if profile.tax_code != before.get("tax_code"):
                old_firm = row.firm_id
                owner = identity.resolve(s, profile.tax_code, profile.name, firm_code=firm_code)
                row.firm_id, row.claim, row.previous_id = owner.firm_id, owner.claim, None
                s.flush()
                if not s.scalar(select(func.count()).select_from(AssessmentRow)
                                .where(AssessmentRow.firm_id == old_firm)):
                    s.execute(delete(FirmRow).where(FirmRow.id == old_firm, FirmRow.demo.is_(False)))
            for k, v in profile_columns(profile).items():
                setattr(row, k, v)
            change = identity.profile_change(before, profile.to_dict())
            if change is not None:
                identity.record(s, who or identity.firm_who(row.id), "profile", firm_id=row.firm_id,
                                assessment_id=row.id, before=change[0], after=change[1])

    def save_answers(self, assessment_id: int, answers: dict[str, Answer], *, step: int | None = None,
                     clear: tuple[str, ...] = ()) -> None:
        """Write (insert or replace) the given answers only; ``clear`` removes answers. The draft is
        locked first, so a second tab saving another step at the same moment keeps this one's."""
        with self._session.begin() as s:
            row = self._draft(s, assessment_id)
            document = dict(row.answers or {})
            document.update(answers_document(answers))
            for cid in clear:
                if cid not in answers:
                    document.pop(cid, None)
            row.answers = document
            if step is not None:
                row.step = step
            row.updated_at = utcnow()

    def set_step(self, assessment_id: int, step: int) -> None:
        with self._session.begin() as s:
            self._draft(s, assessment_id).step = step

    def submit(self, assessment_id: int, result: FirmResult, *, recommended: str | None = None) -> None:
        """Store a draft as submitted with its result; ``recommended``: what the results page
        recommends it (recommend.shown), kept to compare with what the firm uses later."""
        with self._session.begin() as s:
            row = self._draft(s, assessment_id)
            row.status = SUBMITTED
            row.submitted_at = utcnow()
            row.recommended = recommended
            columns, score = score_forms(result.to_dict())
            for name, value in columns.items():
                setattr(row, name, value)
            s.add(ScoreRow(assessment_id=row.id, **score))
            versions.bump(s, "assessments")
            if row.claim is None:  # the firm's own: its latest now; a claim never renames the firm
                s.flush()
                states.refresh(s.connection(), [row.firm_id])
                identity.rename_firm(s, s.get(FirmRow, row.firm_id), row.profile["name"], identity.firm_who(row.id),
                                     assessment_id=row.id)

    def _draft(self, s: Session, assessment_id: int) -> AssessmentRow:
        """The draft, locked for this transaction: the row on PostgreSQL, the database on SQLite (a
        write first, so the read below sees every save committed before it)."""
        s.execute(update(AssessmentRow).where(AssessmentRow.id == assessment_id)
                  .values(updated_at=AssessmentRow.updated_at))
        row = s.get(AssessmentRow, assessment_id, with_for_update=True, populate_existing=True)
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
            return s.scalar(select(AssessmentRow.id).where(AssessmentRow.resume_hash == digest,
                                                           AssessmentRow.status != STAGED))

    def history(self, assessment_id: int) -> list[AssessmentRecord]:
        """Earlier submitted assessments of the same firm, newest first.

        For the firm's own assessments that is every earlier one of its own (self-assessed,
        imported, or a confirmed claim). A claim sees only the chain it was started from (its own
        re-assessments): naming another firm's tax code never reveals that firm's results.
        """
        with self._session() as s:
            row = s.get(AssessmentRow, assessment_id)
            if row is None:
                return []
            if row.claim is None:
                query = (select(AssessmentRow)
                         .where(AssessmentRow.firm_id == row.firm_id, AssessmentRow.claim.is_(None),
                                AssessmentRow.status == SUBMITTED, AssessmentRow.id != row.id)
                         .order_by(AssessmentRow.submitted_at.desc(), AssessmentRow.id.desc()))
                if row.status == SUBMITTED:
                    query = query.where((AssessmentRow.submitted_at < row.submitted_at)
                                        | ((AssessmentRow.submitted_at == row.submitted_at)
                                           & (AssessmentRow.id < row.id)))
                return [_record(r) for r in s.scalars(query)]
            out, seen = [], {assessment_id}
            while row is not None and row.previous_id is not None and row.previous_id not in seen:
                seen.add(row.previous_id)
                row = s.get(AssessmentRow, row.previous_id)
                if row is not None and row.status == SUBMITTED:
                    out.append(_record(row))
            return out

    def newest_from(self, assessment_id: int) -> AssessmentRecord | None:
        """The newest assessment started (by re-assessing, perhaps several times over) from this
        one, or None: an older code then still leads to the firm's newer work."""
        with self._session() as s:
            current, seen = None, {assessment_id}
            frontier = assessment_id
            while True:
                row = s.scalar(select(AssessmentRow).where(AssessmentRow.previous_id == frontier)
                               .order_by(AssessmentRow.created_at.desc(), AssessmentRow.id.desc()).limit(1))
                if row is None or row.id in seen:
                    return current
                seen.add(row.id)
                current, frontier = _record(row), row.id

    def replace_demo(self, fw, firms, entries=()) -> int:
        """Remove what an earlier `demo` wrote (rows marked as demo, never chosen by their name),
        then store ``firms`` (assessment.demo.DemoFirm) as submitted demo assessments, in one
        transaction; returns how many assessments were written. A demo tax code that a real firm
        holds (or that someone claimed) is skipped. ``entries`` (the published catalogue): each
        assessment records what its results page recommends, as a submit does."""
        with self._session.begin() as s:
            self._clear_demo(s)
            return self._add_demo(s, fw, firms, entries)

    def clear_demo(self) -> None:
        """Remove what earlier `demo` runs wrote (a large demo is then added chunk by chunk)."""
        with self._session.begin() as s:
            self._clear_demo(s)

    def add_demo(self, fw, firms, entries=(), *, counted: bool = True) -> int:
        """Store one chunk of demo firms in its own transaction (see replace_demo). ``counted`` False:
        the department's cube and the platforms' counts are left for :meth:`recount` after the last
        chunk (one rebuild instead of each chunk's firms counted: a million firms in minutes)."""
        with self._session.begin() as s:
            return self._add_demo(s, fw, firms, entries, counted=counted)

    def recount(self) -> None:
        """Rebuild the department's cube and the platforms' counts from the assessment rows, in one
        transaction (after a large demo load; the `recount` command, should one have been cut off)."""
        with self._session.begin() as s:
            states.recount(s.connection())
            versions.bump(s, "assessments")

    @staticmethod
    def _clear_demo(s) -> None:
        demo_ids = select(AssessmentRow.id).where(AssessmentRow.source == DEMO)
        # a firm with its own rows beside the demo's (a paper form imported under a demo tax code):
        # which of its own rows is its latest is worked out again once the demo's are gone
        mixed = s.scalars(select(AssessmentRow.firm_id).where(AssessmentRow.source != DEMO, AssessmentRow.firm_id.in_(
            select(AssessmentRow.firm_id).where(AssessmentRow.source == DEMO))).distinct()).all()
        s.execute(delete(ScoreRow).where(ScoreRow.assessment_id.in_(demo_ids)))
        s.execute(delete(PlatformUseRow).where(PlatformUseRow.assessment_id.in_(demo_ids)))
        s.execute(update(AssessmentRow).where(AssessmentRow.previous_id.in_(demo_ids)).values(previous_id=None))
        s.execute(delete(AssessmentRow).where(AssessmentRow.source == DEMO))
        s.execute(delete(FirmRow).where(FirmRow.demo.is_(True),
                                        ~select(AssessmentRow.id).where(AssessmentRow.firm_id == FirmRow.id)
                                        .exists()))
        states.refresh(s.connection(), mixed)
        states.recount(s.connection())
        versions.bump(s, "assessments")

    @staticmethod
    def _add_demo(s, fw, firms, entries=(), *, counted: bool = True) -> int:
        from assessment.recommend import shown
        from assessment.scoring import score_codes

        fw_id, fw_version = fw.id, fw.version
        versions.bump(s, "assessments")
        wanted = [f.profile.tax_code for f in firms]
        taken: set[str] = set()
        for start in range(0, len(wanted), 5_000):
            taken.update(s.scalars(select(FirmRow.tax_code).where(FirmRow.tax_code.in_(wanted[start:start + 5_000]))))
        firms = [f for f in firms if f.profile.tax_code not in taken]
        if not firms:
            return 0
        current = score_codes(fw, np.stack([f.codes for f in firms]))
        with_earlier = [i for i, f in enumerate(firms) if f.earlier_codes is not None]
        earlier = score_codes(fw, np.stack([firms[i].earlier_codes for i in with_earlier])) if with_earlier else None
        firm_rows = [{"tax_code": f.profile.tax_code, "name": f.profile.name, "demo": True} for f in firms]
        firm_id: dict[str, int] = {}
        postgres = s.connection().dialect.name == "postgresql"
        if postgres:  # ids taken from the sequence, rows sent by COPY: no row returned per insert
            from assessment.staging import _bulk

            now = utcnow()
            ids = _next_ids(s, "firms", len(firm_rows))
            _bulk(s.connection(), "firms", ("id", "tax_code", "name", "demo", "created_at", "updated_at"),
                  [(i, r["tax_code"], r["name"], True, now, now) for i, r in zip(ids, firm_rows)])
            firm_id.update(zip((r["tax_code"] for r in firm_rows), ids))
        for start in range(0, len(firm_rows) if not postgres else 0, 5_000):  # many rows per statement, ids in order
            batch = firm_rows[start:start + 5_000]
            ids = s.scalars(insert(FirmRow).returning(FirmRow.id, sort_by_parameter_order=True), batch).all()
            firm_id.update(zip((r["tax_code"] for r in batch), ids))

        def rows(indices, scores, when, codes_of, platforms_of, latest, year_latest):
            indices = list(indices)
            # without the catalogue, "not recorded" (ranked when needed), not "nothing recommended"
            chosen = shown(fw, entries, scores.criterion_points,
                           size_classes=[firms[i].profile.size_class.id for i in indices],
                           sectors=[firms[i].profile.sector for i in indices],
                           inventories=[inventory.Inventory(list(platforms_of(firms[i]))) for i in indices]
                           ) if entries else [None] * len(indices)
            out = []
            fresh = codes.new_codes(len(indices))  # all at once: a code each, never handed out
            for i, document, recommended, code in zip(indices, scores.to_dicts(), chosen, fresh):
                f = firms[i]
                columns, score = score_forms(document)
                out.append({
                    "firm_id": firm_id[f.profile.tax_code], "framework_id": fw_id, "framework_version": fw_version,
                    "status": SUBMITTED, "lang": "vi", "resume_hash": codes.code_hash(code),
                    "source": DEMO, "latest": latest, "year_latest": year_latest(f),
                    "created_at": when(f), "updated_at": when(f), "submitted_at": when(f),
                    **columns, "step": 0, **profile_columns(f.profile),
                    "answers": dict(zip(fw.criterion_ids, map(int, codes_of(f)))), "recommended": recommended,
                    "_scores": score, "_platforms": platforms_of(f),
                })
            return out

        def write(batch, previous=None):
            scores_rows = [row.pop("_scores") for row in batch]
            tools = [row.pop("_platforms") for row in batch]
            for row in batch:  # the firm's own earlier assessment, if any, is also the one just before
                row["previous_id"] = row["prior_id"] = previous.get(row["firm_id"]) if previous is not None else None
            if postgres:  # COPY, as an import's staging does: a million firms in minutes
                from assessment.staging import _bulk, _row

                conn = s.connection()
                ids = _next_ids(s, "assessments", len(batch))
                rows_ = [{"id": aid, **row} for aid, row in zip(ids, batch)]
                _bulk(conn, "assessments", tuple(rows_[0]), [_row(conn, r) for r in rows_])
                _bulk(conn, "assessment_scores", ("assessment_id", "pillar_points", "pillar_levels", "criterion_points"),
                      [(aid, sc["pillar_points"], sc["pillar_levels"], sc["criterion_points"])
                       for aid, sc in zip(ids, scores_rows)])
                _bulk(conn, "platform_uses", ("assessment_id", "seq", "category", "entry_id", "name", "since", "linked"),
                      [(aid, r["seq"], r["category"], r["entry_id"], r["name"], r["since"], r["linked"])
                       for aid, mine in zip(ids, tools) for r in inventory.rows_of(mine)])
                return ids
            ids = []
            for start in range(0, len(batch), 5_000):  # many rows per statement, ids in order
                ids += s.scalars(insert(AssessmentRow).returning(AssessmentRow.id, sort_by_parameter_order=True),
                                 batch[start:start + 5_000]).all()
            # Core executemany (not the ORM's bulk path): many score rows stay quick
            s.connection().execute(ScoreRow.__table__.insert(),
                                   [{"assessment_id": aid, **sc} for aid, sc in zip(ids, scores_rows)])
            uses = [{"assessment_id": aid, **r} for aid, mine in zip(ids, tools) for r in inventory.rows_of(mine)]
            for start in range(0, len(uses), 50_000):
                s.connection().execute(PlatformUseRow.__table__.insert(), uses[start:start + 50_000])
            return ids

        # the firms are new: the flags are known (the current assessment is the latest; the one a year
        # before is its year's latest unless both fall in one year), so no window over the rows is run
        with states.kept(s.connection(), firm_id.values()) if counted else nullcontext():
            earlier_ids = write(rows(with_earlier, earlier, lambda f: f.earlier_at, lambda f: f.earlier_codes,
                                     lambda f: f.earlier_platforms, 0,
                                     lambda f: int(f.earlier_at.year != f.submitted_at.year))) if earlier is not None else []
            previous = {firm_id[firms[i].profile.tax_code]: aid for i, aid in zip(with_earlier, earlier_ids)}
            write(rows(range(len(firms)), current, lambda f: f.submitted_at, lambda f: f.codes, lambda f: f.platforms,
                       1, lambda f: 1), previous)
        return len(firms) + len(with_earlier)

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
                           AssessmentRow.claim.is_(None), AssessmentRow.framework_id == fw_id,
                           AssessmentRow.framework_version == fw_version)
                ).all()
                out.update((code, at.year) for code, at in rows)
        return out

    def import_assessments(self, fw, rows, *, lang: str = "vi", who: str = "import", progress=None,
                           chunk: int | None = None) -> list[tuple[int, str, int, str]]:
        """Store validated import rows (assessment.importer.ImportRow) as submitted assessments, all or
        nothing, in short transactions (assessment.staging) so that firms saving their steps are not
        held up. Returns (row, tax code, assessment id, access code) per row: the codes let the
        department hand each firm access to its results. A concurrent import of the same rows
        raises staging.ImportConflict and writes nothing."""
        from assessment.staging import CHUNK, write_import

        return write_import(self, fw, rows, lang=lang, who=who, progress=progress, chunk=chunk or CHUNK)

    def count_assessments(self) -> int:
        with self._session() as s:
            return s.scalar(select(func.count()).select_from(AssessmentRow))


def _next_ids(s: Session, table: str, n: int) -> list[int]:
    """``n`` new ids of a table from its PostgreSQL sequence, ascending (rows written with them by
    COPY keep the order they were made in)."""
    found = s.connection().exec_driver_sql(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, {int(n)})").scalars().all()
    return sorted(found)


def score_forms(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A submitted assessment's score in the three forms it is stored in, from its results document
    (FirmResult.to_dict(), or a row of FirmScores.to_dicts()): the assessment's columns (total,
    level, each pillar's points, and the document itself) and its compact score row (comma-separated integers in
    framework order, which dashboards read without decoding documents). Submit, import and demo
    all store scores through here."""
    pillars = document["pillars"]
    return ({"total": document["total"], "level": document["level"], "results": document,
             **{name: (pillars[k]["points"] if k < len(pillars) else None) for k, name in enumerate(PILLAR_COLUMNS)}},
            {"pillar_points": ",".join(str(p["points"]) for p in pillars),
             "pillar_levels": ",".join(str(p["level"]) for p in pillars),
             "criterion_points": ",".join(map(str, document["criterion_points"].values()))})


def profile_columns(profile: FirmProfile) -> dict[str, Any]:
    """The profile as stored with an assessment: the document, and the columns queries filter on."""
    return {
        "profile": profile.to_dict(),
        "kind": profile.kind,
        "sector": profile.sector,
        "sector_version": profile.sector_version,
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
        answers=answers_from_document(row.answers),
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        result=FirmResult.from_dict(row.results) if row.results else None,
        previous_id=row.previous_id,
        claim=row.claim,
        platforms=tuple(inventory.from_rows(row.platforms)),
    )
