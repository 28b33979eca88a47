"""What the department keeps besides assessments: its targets and its chosen clustering.

Targets are figures the department commits to (share of firms at or above a level, number of firms
assessed, mean total) for a year; the dashboard shows progress against them for the filtered firms.
A clustering fitted on the clusters page can be kept: it becomes the one the dashboard filters by
and the one a new firm is placed in, without refitting, until another is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import delete, select, true, update
from sqlalchemy.orm import sessionmaker

from assessment import versions, year_cells
from assessment.clustering import ClusterModel
from assessment.framework import Framework
from assessment.errors import UserError
from assessment.models import ClusterModelRow, TargetRow
from assessment.storage import Store

METRICS = ("share_at_level", "firms_assessed", "mean_total")


class TargetError(UserError):
    """A target the department cannot save as entered."""


@dataclass(frozen=True)
class Target:
    id: int
    metric: str
    level: int | None
    value: float
    year: int
    note: str
    updated_by: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class Progress:
    target: Target
    current: float
    reached: bool
    ratio: float  # current / target value, capped at 1, for a progress bar


@dataclass(frozen=True)
class KeptClustering:
    """The clustering the department kept for a framework: the model, and who kept it, when, on
    how many firms."""

    model: ClusterModel
    n_firms: int
    created_by: str
    created_at: dt.datetime


class Department:
    def __init__(self, store: Store):
        self.store = store
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    # --- targets ----------------------------------------------------------------------------
    def targets(self, fw: Framework) -> list[Target]:
        with self._session() as s:
            rows = s.scalars(select(TargetRow).where(TargetRow.framework == fw.key)
                             .order_by(TargetRow.year, TargetRow.id)).all()
            return [Target(r.id, r.metric, r.level, r.value, r.year, r.note, r.updated_by, r.updated_at) for r in rows]

    def save_target(self, fw: Framework, *, metric: str, value: float, year: int, level: int | None = None,
                    note: str = "", who: str, target_id: int | None = None) -> int:
        """Add a target (or change ``target_id``); raises TargetError with a translation key.

        A target the framework already has (same metric, level, value and year) is not added a
        second time, whether the same form was sent twice or two administrators set it at once:
        the one kept takes the new note (when one is given) and who set it, and its id is returned.
        Changing a target into one that exists already merges the two.
        """
        if metric not in METRICS:
            raise TargetError("tgt.err.metric")
        if metric == "share_at_level":
            if level is None or not 0 <= level <= fw.max_level:
                raise TargetError("tgt.err.level", max=fw.max_level)
            if not 0 < value <= 100:
                raise TargetError("tgt.err.share")
        else:
            level = None
            if metric == "mean_total" and not 0 < value <= fw.spec.max_points:
                raise TargetError("tgt.err.total", max=fw.spec.max_points)
            if metric == "firms_assessed" and (value < 1 or value != int(value)):
                raise TargetError("tgt.err.count")
        if not 2020 <= year <= 2100:
            raise TargetError("tgt.err.year")
        note = note.strip()[:300]
        with self._session.begin() as s:
            # first: the counter's row lock makes concurrent saves of targets wait for each other,
            # so the look-up below sees a twin another session has just committed
            versions.bump(s, "department")
            twin = s.scalar(select(TargetRow).where(
                TargetRow.framework == fw.key, TargetRow.metric == metric,
                TargetRow.level.is_(None) if level is None else TargetRow.level == level,
                TargetRow.value == float(value), TargetRow.year == int(year),
                TargetRow.id != target_id if target_id is not None else true(),
            ).order_by(TargetRow.id).limit(1))
            row = s.get(TargetRow, target_id) if target_id is not None else None
            if twin is not None:
                if row is not None:  # changed into a target that exists: one of them is enough
                    s.delete(row)
                row = twin
                note = note or twin.note
            elif row is None:
                row = TargetRow(framework=fw.key)
                s.add(row)
            row.metric, row.level, row.value, row.year = metric, level, float(value), int(year)
            row.note, row.updated_by = note, who
            s.flush()
            return row.id

    def delete_target(self, target_id: int) -> None:
        with self._session.begin() as s:
            s.execute(delete(TargetRow).where(TargetRow.id == target_id))
            versions.bump(s, "department")

    # --- the kept clustering --------------------------------------------------------------------
    def keep_cluster_model(self, model: ClusterModel, *, n_firms: int, who: str) -> int:
        with self._session.begin() as s:
            s.execute(update(ClusterModelRow).where(ClusterModelRow.framework == model.framework)
                      .values(active=False))
            row = ClusterModelRow(framework=model.framework, model=model.to_json(), n_firms=n_firms, created_by=who)
            versions.bump(s, "department")
            s.add(row)
            s.flush()
            year_cells.rebuild(s.connection())  # every firm's cluster in the department's cube
            return row.id

    def cluster_model(self, fw: Framework) -> KeptClustering | None:
        """The kept clustering of this framework, or None."""
        with self._session() as s:
            row = s.scalar(select(ClusterModelRow).where(ClusterModelRow.framework == fw.key,
                                                         ClusterModelRow.active.is_(True))
                           .order_by(ClusterModelRow.id.desc()).limit(1))
            if row is None:
                return None
            return KeptClustering(ClusterModel.from_json(row.model), row.n_firms, row.created_by, row.created_at)


@dataclass(frozen=True)
class Standing:
    """What targets are measured on: how many firms, how many at each level, the sum of their totals
    (from one row per firm: ``of``; from the database's figures: aggregates.standing)."""
    firms: int
    at_level: dict[int, int]
    total: int

    @classmethod
    def of(cls, now: pd.DataFrame) -> Standing:
        counts = now["level"].value_counts()
        return cls(len(now), {int(k): int(v) for k, v in counts.items()}, int(now["total"].sum()))


def progress(fw: Framework, target: Target, now: pd.DataFrame | Standing) -> Progress:
    """Where the firms in ``now`` (one row per firm, or their Standing) stand against a target."""
    held = now if isinstance(now, Standing) else Standing.of(now)
    if target.metric == "share_at_level":
        at = sum(n for lv, n in held.at_level.items() if lv >= target.level)
        current = 100.0 * at / held.firms if held.firms else 0.0
    elif target.metric == "mean_total":
        current = held.total / held.firms if held.firms else 0.0
    else:
        current = float(held.firms)
    ratio = float(np.clip(current / target.value, 0.0, 1.0)) if target.value else 1.0
    return Progress(target, current, current >= target.value, ratio)
