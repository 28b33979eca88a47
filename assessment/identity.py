"""Whose records an assessment belongs to: firm identity, claims and the audit log.

A tax code is printed on every invoice: it identifies a firm, it does not authenticate anyone. What
proves that a person speaks for a firm is one of the firm's codes: the resume code of any of its own
assessments, or the access code the department handed out when it imported the firm's paper form
(which is that imported assessment's resume code).

- A new assessment for a tax code nobody registered yet creates the firm; it is the firm's own.
- A re-assessment started from one of the firm's own assessments, or a new one made with one of
  the firm's codes, is the firm's own too.
- Anything else that names a registered tax code is a *claim* (``claim = "pending"``): saved,
  scored and shown to the person who made it, but it never renames the firm and never counts as
  the firm's latest anywhere (every department read filters ``claim IS NULL``). The department
  confirms it (it joins the firm's history) or rejects it; a firm's code links it at any time.

Every change of a firm's name or of a profile, and every decision on a claim, goes to the audit
log: who, when, before and after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from assessment import codes, versions
from assessment.errors import UserError
from assessment.models import (
    PENDING,
    REJECTED,
    STAGED,
    SUBMITTED,
    AssessmentRow,
    AuditRow,
    CodeAttemptRow,
    FirmRow,
    utcnow,
)

FIRM = "firm"  # who: a person holding one of the firm's codes (or the first to register it)


def firm_who(assessment_id: int) -> str:
    """How the audit log names a change made through an assessment's code."""
    return f"{FIRM}:{assessment_id}"


def record(s: Session, who: str, action: str, *, firm_id: int | None = None, assessment_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    s.add(AuditRow(who=who[:120], action=action, firm_id=firm_id, assessment_id=assessment_id,
                   before=before, after=after))


def has_own_records(s: Session, firm_id: int, *, besides: int | None = None) -> bool:
    """Whether the firm has an assessment of its own (other than ``besides``): then it is registered
    and a newcomer naming its tax code needs one of its codes."""
    query = select(AssessmentRow.id).where(AssessmentRow.firm_id == firm_id, AssessmentRow.claim.is_(None),
                                           AssessmentRow.status != STAGED)
    if besides is not None:
        query = query.where(AssessmentRow.id != besides)
    return bool(s.scalar(select(exists(query))))


def firm_of_code(s: Session, code: str | None) -> int | None:
    """The firm whose own assessment this code opens, or None (wrong code, or a claim's code)."""
    digest = codes.code_hash(code or "")
    if digest is None:
        return None
    row = s.execute(select(AssessmentRow.firm_id, AssessmentRow.claim, AssessmentRow.status)
                    .where(AssessmentRow.resume_hash == digest)).first()
    if row is None or row.claim is not None or row.status == STAGED:
        return None
    return row.firm_id


@dataclass(frozen=True)
class Owner:
    firm_id: int
    claim: str | None  # None: the firm's own; PENDING: a claim


def resolve(s: Session, tax_code: str, name: str, *, previous_id: int | None = None,
            firm_code: str | None = None) -> Owner:
    """The firm a new assessment belongs to, and whether it is a claim (see the module's rules)."""
    firm = s.scalar(select(FirmRow).where(FirmRow.tax_code == tax_code))
    if firm is None:
        firm = FirmRow(tax_code=tax_code, name=name)
        s.add(firm)
        s.flush()
        return Owner(firm.id, None)
    if previous_id is not None:
        prev = s.get(AssessmentRow, previous_id)
        if prev is not None and prev.firm_id == firm.id:
            return Owner(firm.id, None if prev.claim is None else PENDING)
    if firm_code and firm_of_code(s, firm_code) == firm.id:
        return Owner(firm.id, None)
    if not has_own_records(s, firm.id):
        return Owner(firm.id, None)  # a firm row left with nothing of its own
    return Owner(firm.id, PENDING)


def rename_firm(s: Session, firm: FirmRow, name: str, who: str, *, assessment_id: int | None = None) -> None:
    if firm.name != name:
        record(s, who, "firm_name", firm_id=firm.id, assessment_id=assessment_id, before={"name": firm.name},
               after={"name": name})
        firm.name = name


def profile_change(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict] | None:
    """Only the fields that changed, before and after; None when nothing did."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    if not keys:
        return None
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# --- the department's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    assessment_id: int
    firm_id: int
    tax_code: str
    registered_name: str  # the firm's name now
    claimed_name: str  # the name the claimant gave
    state: str
    submitted: bool
    when: dt.datetime
    total: int | None
    level: int | None
    contact: str


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    who: str
    action: str
    firm_id: int | None
    assessment_id: int | None
    before: dict | None
    after: dict | None


class ClaimError(UserError):
    pass


class Claims:
    """Pending claims and the audit log for the department; decisions are recorded with who and when."""

    def __init__(self, store):  # an assessment.storage.Store
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    def pending(self, *, include_drafts: bool = False) -> list[Claim]:
        """Claims waiting for a decision, oldest first (submitted ones; drafts too if asked)."""
        with self._session() as s:
            query = (select(AssessmentRow, FirmRow.tax_code, FirmRow.name)
                     .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
                     .where(AssessmentRow.claim == PENDING)
                     .order_by(AssessmentRow.created_at, AssessmentRow.id))
            if not include_drafts:
                query = query.where(AssessmentRow.status == SUBMITTED)
            out = []
            for row, tax_code, name in s.execute(query).all():
                p = row.profile
                contact = " · ".join(x for x in (p.get("contact_name"), p.get("contact_phone"),
                                                 p.get("contact_email")) if x)
                out.append(Claim(row.id, row.firm_id, tax_code, name, p.get("name", ""), row.claim,
                                 row.status == SUBMITTED, row.submitted_at or row.created_at, row.total, row.level,
                                 contact))
            return out

    @staticmethod
    def _decide(s: Session, assessment_id: int, before: tuple[str, ...], after: str | None) -> AssessmentRow | None:
        """Move a claim from one of ``before`` to ``after`` in one conditional UPDATE, so that of two
        admins (or processes) deciding at the same moment exactly one succeeds; the row, or None."""
        done = s.execute(update(AssessmentRow).where(AssessmentRow.id == assessment_id,
                                                     AssessmentRow.claim.in_(before)).values(claim=after))
        if done.rowcount != 1:
            return None
        versions.bump(s, "assessments")  # the firm's records change for every reader
        row = s.get(AssessmentRow, assessment_id)
        if after is None:  # the claim joins the firm's own records: it may be its latest now
            from assessment import states

            s.flush()
            states.refresh(s.connection(), [row.firm_id])
        return row

    def confirm(self, assessment_id: int, who: str, *, rename: bool = False) -> None:
        """The claim joins the firm's history (it may become its latest); ``rename`` also gives the
        firm the name the claimant used."""
        with self._session.begin() as s:
            row = self._decide(s, assessment_id, (PENDING,), None)
            if row is None:
                raise ClaimError("claim.not_pending", id=assessment_id)  # decided meanwhile, perhaps by another admin
            record(s, who, "claim_confirm", firm_id=row.firm_id, assessment_id=row.id, before={"claim": PENDING},
                   after={"claim": None})
            if rename and row.status == SUBMITTED:
                rename_firm(s, s.get(FirmRow, row.firm_id), row.profile["name"], who, assessment_id=row.id)

    def reject(self, assessment_id: int, who: str) -> None:
        """The claim stays visible to whoever made it, never to the firm's figures."""
        with self._session.begin() as s:
            row = self._decide(s, assessment_id, (PENDING,), REJECTED)
            if row is None:
                raise ClaimError("claim.not_pending", id=assessment_id)
            record(s, who, "claim_reject", firm_id=row.firm_id, assessment_id=row.id, before={"claim": PENDING},
                   after={"claim": REJECTED})

    def link_with_code(self, assessment_id: int, firm_code: str) -> bool:
        """The claimant proves, with one of the firm's codes, that it speaks for the firm: the claim
        becomes the firm's own. False when the code is not one of that firm's."""
        with self._session.begin() as s:
            current = s.get(AssessmentRow, assessment_id)
            if current is None or current.claim is None:
                return current is not None
            if firm_of_code(s, firm_code) != current.firm_id:
                return False
            before = current.claim
            row = self._decide(s, assessment_id, (PENDING, REJECTED), None)
            if row is None:
                return s.get(AssessmentRow, assessment_id).claim is None
            record(s, firm_who(row.id), "claim_linked", firm_id=row.firm_id, assessment_id=row.id,
                   before={"claim": before}, after={"claim": None})
            if row.status == SUBMITTED:
                rename_firm(s, s.get(FirmRow, row.firm_id), row.profile["name"], firm_who(row.id),
                            assessment_id=row.id)
            return True

    def log(self, *, limit: int = 200, firm_id: int | None = None) -> list[AuditEntry]:
        with self._session() as s:
            query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
            if firm_id is not None:
                query = query.where(AuditRow.firm_id == firm_id)
            return [AuditEntry(r.seq, r.at, r.who, r.action, r.firm_id, r.assessment_id, r.before, r.after)
                    for r in s.scalars(query)]


# --- guessing codes ---------------------------------------------------------------------------------

MAX_WRONG_CODES = 10  # wrong resume or firm codes per client within WINDOW_MINUTES
WINDOW_MINUTES = 10


class CodeAttempts:
    """Wrong codes per client (a hash of its address), kept in the database: a page reload, a new
    browser tab or another app process does not reset the count."""

    def __init__(self, store, *, limit: int = MAX_WRONG_CODES, minutes: int = WINDOW_MINUTES):
        self._session = sessionmaker(store.engine, expire_on_commit=False)
        self.limit, self.minutes = limit, minutes

    @staticmethod
    def client_key(client: str) -> str:
        return hashlib.sha256(client.encode("utf-8")).hexdigest()

    def blocked(self, client: str) -> bool:
        since = utcnow() - dt.timedelta(minutes=self.minutes)
        with self._session() as s:
            n = s.scalar(select(func.count()).select_from(CodeAttemptRow)
                         .where(CodeAttemptRow.client == self.client_key(client), CodeAttemptRow.at > since))
        return n >= self.limit

    def failed(self, client: str) -> None:
        now = utcnow()
        with self._session.begin() as s:
            s.execute(delete(CodeAttemptRow).where(CodeAttemptRow.at < now - dt.timedelta(minutes=self.minutes)))
            s.add(CodeAttemptRow(client=self.client_key(client), at=now))
