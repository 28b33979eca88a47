"""Assessment frameworks as data: the typed schema, the loader and its validation.

A framework file (see questionnaires/README.md) declares pillars, components, criteria with their
answer types, the level names and the level rules. :func:`load_framework` validates a file and
returns a :class:`Framework`; anything wrong raises :class:`FrameworkError` naming the file, the
place in it and the problem. Scoring (assessment.scoring) only reads the compiled arrays a
framework exposes, so a new framework version needs no code change.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assessment.errors import UserError

# the most pillars a framework may have: each pillar's points have a column of their own on an
# assessment row (models.PILLAR_COLUMNS, migration 0011)
MAX_PILLARS = 12

LANGS = ("vi", "en")
QUESTIONNAIRES_DIR = Path(__file__).resolve().parent.parent / "questionnaires"


def nfc(text: str) -> str:
    """Return ``text`` normalised to Unicode NFC (the form stored, compared and printed)."""
    return unicodedata.normalize("NFC", text)


class DataFileError(UserError):
    """A data file that cannot be used: names the file, the place in it and the problem."""

    def __init__(self, file: str, place: str, problem: str):
        self.file, self.place, self.problem = file, place, problem
        super().__init__("err.data_file", f"{file}: {place}: {problem}" if place else f"{file}: {problem}",
                         file=file, place=place or "-", problem=problem)


class FrameworkError(DataFileError):
    """A framework file that cannot be used."""


class DataModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(DataModel):
    """A text in both languages of the product."""

    vi: str
    en: str

    @field_validator("vi", "en")
    @classmethod
    def _non_empty_nfc(cls, value: str) -> str:
        value = nfc(value).strip()
        if not value:
            raise ValueError("text must not be empty")
        return value

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class Option(DataModel):
    points: Annotated[int, Field(ge=0)]
    text: Text


class Band(DataModel):
    up_to: float | None
    points: Annotated[int, Field(ge=0)]
    text: Text


class YesNoPoints(DataModel):
    no: Annotated[int, Field(ge=0)] = 0
    yes: Annotated[int, Field(ge=0)]

    @model_validator(mode="before")
    @classmethod
    def _yaml_booleans(cls, data: Any) -> Any:
        # YAML 1.1 reads the bare keys yes/no as booleans.
        if isinstance(data, dict):
            return {{True: "yes", False: "no"}.get(k, k): v for k, v in data.items()}
        return data


class PlatformRule(DataModel):
    """One answer of a criterion answered from the firm's platforms list (type ``platforms``):
    its points and text, and when it holds. Every condition given must hold: ``has``, a tool in
    each of these catalogue categories; ``any_of``, a tool in at least one of them; ``exchange``,
    for each pair of categories, a tool of the one exchanging data with a tool of the other;
    ``min_tools``, at least this many tools. The first answer has no condition (nothing listed)."""

    points: Annotated[int, Field(ge=0)]
    text: Text
    has: list[str] = []
    any_of: list[str] = []
    exchange: list[tuple[str, str]] = []
    min_tools: Annotated[int, Field(ge=0)] = 0

    @property
    def conditions(self) -> bool:
        return bool(self.has or self.any_of or self.exchange or self.min_tools)

    def categories(self) -> set[str]:
        return {*self.has, *self.any_of, *(c for pair in self.exchange for c in pair)}


CriterionType = Literal["choice", "yes_no", "share", "count", "platforms"]


class Criterion(DataModel):
    id: str
    title: Text
    question: Text
    help: Text
    type: CriterionType
    max_points: Annotated[int, Field(ge=1)]
    options: list[Option] | None = None
    points: YesNoPoints | None = None
    numerator: Text | None = None
    denominator: Text | None = None
    unit: Text | None = None
    bands: list[Band] | None = None
    rules: list[PlatformRule] | None = None  # type "platforms": the answers, lowest first
    # a count of the firm's own people: no answer above the firm's employees is plausible (checked
    # at the question, and the roadmap never proposes such a step)
    headcount: bool = False
    assumptions: list[str] = []

    @model_validator(mode="after")
    def _check_type_fields(self) -> Criterion:
        needed = {
            "choice": {"options"},
            "yes_no": {"points"},
            "share": {"bands", "numerator", "denominator"},
            "count": {"bands", "unit"},
            "platforms": {"rules"},
        }[self.type]
        optional = {"options", "points", "numerator", "denominator", "unit", "bands", "rules"}
        for name in sorted(needed):
            if getattr(self, name) is None:
                raise ValueError(f"a '{self.type}' criterion needs '{name}'")
        for name in sorted(optional - needed):
            if getattr(self, name) is not None:
                raise ValueError(f"'{name}' does not belong to a '{self.type}' criterion")
        if self.type == "choice":
            if len(self.options) < 2:
                raise ValueError("a choice needs at least two options")
            _check_non_decreasing([o.points for o in self.options], "option points")
        if self.type in ("share", "count"):
            _check_bands(self.bands, self.type)
        if self.type == "platforms":
            _check_rules(self.rules)
        if self.headcount and self.type != "count":
            raise ValueError("only a 'count' criterion can be a headcount")
        top = max(self.code_points)
        if top > self.max_points:
            raise ValueError(f"an answer gives {top} points, above the criterion's max_points {self.max_points}")
        if top < self.max_points:
            raise ValueError(f"no answer reaches the criterion's max_points {self.max_points} (highest: {top})")
        return self

    @property
    def choices(self) -> list[tuple[int, Text]]:
        """(points, text) of every answer code, in code order (code = position)."""
        if self.type == "choice":
            return [(o.points, o.text) for o in self.options]
        if self.type == "yes_no":
            return [
                (self.points.no, Text(vi="Không", en="No")),
                (self.points.yes, Text(vi="Có", en="Yes")),
            ]
        if self.type == "platforms":
            return [(r.points, r.text) for r in self.rules]
        return [(b.points, b.text) for b in self.bands]

    @property
    def from_platforms(self) -> bool:
        """Answered from the firm's platforms list, never asked."""
        return self.type == "platforms"

    @property
    def code_points(self) -> list[int]:
        return [p for p, _ in self.choices]

    def highest_code_for(self, people: float) -> int:
        """(headcount criteria) The highest answer a firm of ``people`` can give: the last band
        whose smallest count is at most ``people``.

        Examples
        --------
        >>> from assessment.framework import get_framework
        >>> staff = get_framework().criterion_by_id["4.2.1"]  # bands 0, 1, 2, 3-4, 5-9, 10+
        >>> [staff.highest_code_for(n) for n in (0, 1, 4, 5, 12)]
        [0, 1, 3, 4, 5]
        """
        lowest = [0] + [b.up_to + 1 for b in self.bands[:-1]]
        return max(code for code, low in enumerate(lowest) if low <= max(people, 0))

    def code_for_figure(self, value: float) -> int:
        """Answer code of a declared figure (a share in percent, or a count).

        Raises ValueError for a figure outside the criterion's range.
        """
        return int(self.codes_for_figures(np.asarray([value], dtype=float))[0])

    def codes_for_figures(self, values: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`code_for_figure`; NaN stays NaN-free only if inputs are valid."""
        if self.type not in ("share", "count"):
            raise ValueError(f"criterion {self.id} does not take a figure")
        values = np.asarray(values, dtype=float)
        if np.any(~np.isfinite(values)) or np.any(values < 0):
            raise ValueError("a figure must be a number of at least 0")
        if self.type == "share" and np.any(values > 100):
            raise ValueError("a share cannot exceed 100%")
        if self.type == "count" and np.any(values != np.floor(values)):
            raise ValueError("a count must be a whole number")
        edges = np.array([math.inf if b.up_to is None else b.up_to for b in self.bands])
        return np.searchsorted(edges, values, side="left")


def _check_rules(rules: list[PlatformRule]) -> None:
    from assessment.catalogue import CATEGORIES  # here: the catalogue module reads this one

    if len(rules) < 2:
        raise ValueError("a 'platforms' criterion needs at least two rules")
    if rules[0].conditions:
        raise ValueError("the first rule of a 'platforms' criterion is the answer with nothing listed: no condition")
    for k, rule in enumerate(rules[1:], start=1):
        if not rule.conditions:
            raise ValueError(f"rule {k + 1} has no condition (has, any_of, exchange or min_tools)")
        unknown = sorted(rule.categories() - set(CATEGORIES))
        if unknown:
            raise ValueError(f"rule {k + 1} names unknown catalogue categories {unknown}; known: {sorted(CATEGORIES)}")
    _check_non_decreasing([r.points for r in rules], "rule points")


def _check_non_decreasing(values: list[float], what: str) -> None:
    if any(b < a for a, b in zip(values, values[1:])):
        raise ValueError(f"{what} must not decrease along the list: {values}")


def _check_bands(bands: list[Band], kind: str) -> None:
    if len(bands) < 2:
        raise ValueError("at least two bands are needed")
    bounds = [b.up_to for b in bands]
    if any(b is None for b in bounds[:-1]):
        raise ValueError("only the last band may have no upper limit (up_to: null)")
    finite = [b for b in bounds if b is not None]
    if any(b < 0 for b in finite):
        raise ValueError("band limits must be at least 0")
    if any(b <= a for a, b in zip(finite, finite[1:])):
        raise ValueError(f"band limits must increase strictly: {finite}")
    if kind == "share" and bounds[-1] != 100:
        raise ValueError("the last share band must end at 100 (percent)")
    if kind == "count" and bounds[-1] is not None:
        raise ValueError("the last count band must have no upper limit (up_to: null)")
    _check_non_decreasing([b.points for b in bands], "band points")


class Component(DataModel):
    id: str
    name: Text
    max_points: Annotated[int, Field(gt=0)]
    criteria: list[Criterion]

    @model_validator(mode="after")
    def _check_sum(self) -> Component:
        if not self.criteria:
            raise ValueError("a component needs at least one criterion")
        for crit in self.criteria:  # a dotted id names its component: 1.1.3 belongs to 1.1
            prefix, dot, last = crit.id.rpartition(".")
            if dot and (prefix != self.id or not last.isdigit()):
                raise ValueError(f"criterion id {crit.id!r} does not fit component {self.id}: "
                                 f"write it as {self.id}.<number>")
        total = sum(c.max_points for c in self.criteria)
        if total != self.max_points:
            raise ValueError(
                f"criteria maxima sum to {total} but the component declares max_points {self.max_points}"
            )
        return self


class Pillar(DataModel):
    id: str
    name: Text
    max_points: Annotated[int, Field(gt=0)]
    components: list[Component]

    @model_validator(mode="after")
    def _check_sum(self) -> Pillar:
        if not self.components:
            raise ValueError("a pillar needs at least one component")
        total = sum(c.max_points for c in self.components)
        if total != self.max_points:
            raise ValueError(
                f"component maxima sum to {total} but the pillar declares max_points {self.max_points}"
            )
        return self

    @property
    def criteria(self) -> list[Criterion]:
        return [c for comp in self.components for c in comp.criteria]


class LevelName(DataModel):
    level: Annotated[int, Field(ge=0)]
    name: Text
    description: Text


class PillarLevelRule(DataModel):
    level: Annotated[int, Field(ge=1)]
    min_percent: Annotated[float, Field(ge=0, le=100)]
    inclusive: bool = False
    assumptions: list[str] = []


class OverallLevelRule(DataModel):
    level: Annotated[int, Field(ge=1)]
    min_total: Annotated[int, Field(ge=0)]
    inclusive: bool = False
    min_pillars: Annotated[int, Field(ge=0)]
    pillar_level: Annotated[int, Field(ge=0)]
    assumptions: list[str] = []


class Assumption(DataModel):
    id: str
    text: Text


class Source(DataModel):
    id: str
    text: Text


class FrameworkSpec(DataModel):
    """The validated content of a framework file."""

    schema_: Literal[1] = Field(alias="schema")
    id: str
    version: str
    title: Text
    description: Text
    sources: list[Source] = []
    # when a newer official version replaced this one: what replaced it and why the tool still
    # scores with this file (shown on the methodology page, the results page and the scorecard)
    superseded: Text | None = None
    max_points: Annotated[int, Field(gt=0, le=30000)]  # scoring sums in 16-bit integers
    levels: list[LevelName]
    pillar_levels: list[PillarLevelRule]
    overall_levels: list[OverallLevelRule]
    assumptions: list[Assumption] = []
    pillars: list[Pillar]

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @model_validator(mode="after")
    def _check_whole(self) -> FrameworkSpec:
        if not self.pillars:
            raise ValueError("a framework needs at least one pillar")
        if len(self.pillars) > MAX_PILLARS:  # each pillar's points have a column of their own
            raise ValueError(f"a framework has at most {MAX_PILLARS} pillars; this one has {len(self.pillars)}")
        ids: dict[str, str] = {}
        for p in self.pillars:
            for kind, item_id in [("pillar", p.id)] + [
                x for comp in p.components
                for x in [("component", comp.id)] + [("criterion", c.id) for c in comp.criteria]
            ]:
                if item_id in ids:
                    raise ValueError(f"id {item_id!r} is used twice ({ids[item_id]} and {kind})")
                ids[item_id] = kind
        total = sum(p.max_points for p in self.pillars)
        if total != self.max_points:
            raise ValueError(f"pillar maxima sum to {total} but the framework declares max_points {self.max_points}")
        levels = [lv.level for lv in self.levels]
        if levels != list(range(len(levels))) or len(levels) < 2:
            raise ValueError(f"levels must be numbered 0, 1, 2, ... without gaps; found {levels}")
        top = levels[-1]
        for name, rules in (("pillar_levels", self.pillar_levels), ("overall_levels", self.overall_levels)):
            if [r.level for r in rules] != list(range(1, top + 1)):
                raise ValueError(f"{name} must give one rule for each level 1..{top}, in order")
        pct = [(r.min_percent, r.inclusive) for r in self.pillar_levels]
        if any((b[0], not b[1]) <= (a[0], not a[1]) for a, b in zip(pct, pct[1:])):
            raise ValueError("pillar_levels thresholds must increase from one level to the next")
        for r in self.overall_levels:
            if r.min_pillars > len(self.pillars):
                raise ValueError(
                    f"overall level {r.level} asks for {r.min_pillars} pillars but there are only {len(self.pillars)}"
                )
            if r.pillar_level > top:
                raise ValueError(f"overall level {r.level} refers to pillar level {r.pillar_level}, above {top}")
        known = {a.id for a in self.assumptions}
        used = [(c.id, a) for p in self.pillars for c in p.criteria for a in c.assumptions]
        used += [(f"pillar level {r.level}", a) for r in self.pillar_levels for a in r.assumptions]
        used += [(f"overall level {r.level}", a) for r in self.overall_levels for a in r.assumptions]
        for where, a in used:
            if a not in known:
                raise ValueError(f"{where} refers to assumption {a!r}, which the file does not define")
        return self


@dataclass(frozen=True)
class Framework:
    """A loaded framework: its spec plus the arrays the vectorised scoring runs on.

    Criteria are kept in file order; every array below is indexed the same way.
    """

    spec: FrameworkSpec
    path: str = ""

    # --- plain accessors -------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def key(self) -> str:
        """``id@version``, how stored assessments name the framework."""
        return f"{self.spec.id}@{self.spec.version}"

    @property
    def pillars(self) -> list[Pillar]:
        return self.spec.pillars

    @property
    def max_level(self) -> int:
        return self.spec.levels[-1].level

    @cached_property
    def criteria(self) -> list[Criterion]:
        return [c for p in self.pillars for c in p.criteria]

    @cached_property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    @cached_property
    def criterion_by_id(self) -> dict[str, Criterion]:
        return {c.id: c for c in self.criteria}

    @cached_property
    def pillar_of(self) -> dict[str, Pillar]:
        return {c.id: p for p in self.pillars for c in p.criteria}

    @cached_property
    def assumption_by_id(self) -> dict[str, Assumption]:
        return {a.id: a for a in self.spec.assumptions}

    def level_name(self, level: int, lang: str) -> str:
        return self.spec.levels[level].name(lang)

    # --- compiled arrays for scoring -------------------------------------------------------
    @cached_property
    def pillar_index(self) -> np.ndarray:
        """Pillar position of each criterion, shape (n_criteria,)."""
        return np.array([i for i, p in enumerate(self.pillars) for _ in p.criteria], dtype=np.intp)

    @cached_property
    def components(self) -> list[Component]:
        return [comp for p in self.pillars for comp in p.components]

    @cached_property
    def pillar_max(self) -> np.ndarray:
        return np.array([p.max_points for p in self.pillars], dtype=np.int64)

    @cached_property
    def component_max(self) -> np.ndarray:
        return np.array([c.max_points for c in self.components], dtype=np.int64)

    @cached_property
    def criterion_max(self) -> np.ndarray:
        return np.array([c.max_points for c in self.criteria], dtype=np.int64)

    @cached_property
    def n_codes(self) -> np.ndarray:
        """Number of answer codes of each criterion."""
        return np.array([len(c.code_points) for c in self.criteria], dtype=np.int64)

    @cached_property
    def code_luts(self) -> list[np.ndarray]:
        """Points of each answer code, one small table per criterion."""
        return [np.array(c.code_points, dtype=np.int16) for c in self.criteria]

    @cached_property
    def lut_is_identity(self) -> np.ndarray:
        """True where answer code k is simply worth k points."""
        return np.array([c.code_points == list(range(len(c.code_points))) for c in self.criteria])

    @cached_property
    def component_of_criterion(self) -> list[int]:
        """Position of each criterion's component."""
        return [k for k, comp in enumerate(self.components) for _ in comp.criteria]

    @cached_property
    def pillar_of_component(self) -> list[int]:
        return [i for i, p in enumerate(self.pillars) for _ in p.components]

    @cached_property
    def pillar_level_min_points(self) -> np.ndarray:
        """Fewest whole points a pillar needs for each level 1..N, shape (n_pillars, N).

        Computed with exact fractions, so 39/65 is exactly 60% and never 60.0000001%.
        """
        out = np.empty((len(self.pillars), len(self.spec.pillar_levels)), dtype=np.int64)
        for i, p in enumerate(self.pillars):
            for j, rule in enumerate(self.spec.pillar_levels):
                out[i, j] = _min_points_above(
                    Fraction(str(rule.min_percent)) * p.max_points / 100, rule.inclusive
                )
        return out

    @cached_property
    def pillar_level_table(self) -> list[np.ndarray]:
        """For each pillar, its level at every whole number of points 0..max (a lookup table)."""
        return [
            np.searchsorted(thresholds, np.arange(p.max_points + 1), side="right").astype(np.int8)
            for p, thresholds in zip(self.pillars, self.pillar_level_min_points)
        ]

    @cached_property
    def overall_min_total(self) -> np.ndarray:
        """Fewest whole points of the total for each overall level 1..N."""
        return np.array(
            [_min_points_above(Fraction(r.min_total), r.inclusive) for r in self.spec.overall_levels],
            dtype=np.int64,
        )


def _min_points_above(threshold: Fraction, inclusive: bool) -> int:
    """Smallest integer x with x >= threshold (inclusive) or x > threshold."""
    if inclusive:
        return math.ceil(threshold)
    return math.floor(threshold) + 1


# --- loading ---------------------------------------------------------------------------------


def error_place(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic error location into a readable place, naming ids where there are some."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key + 1}]"
            if isinstance(node, list) and 0 <= key < len(node):
                node = node[key]
                if isinstance(node, dict) and "id" in node:
                    label = f"[{key + 1}] (id {node['id']})"
                elif isinstance(node, dict) and "level" in node:
                    label = f"[{key + 1}] (level {node['level']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "top level"


class _UniqueKeys(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's safe loader, refusing a key written twice in one mapping (the last would silently win).
    libyaml's parser where PyYAML has it (its wheels do): a framework file reads in about a tenth of
    the pure-Python parser's 0.15 s, which every new app process paid on its first page."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"the key {key!r} is written twice (first on line {seen[key].line + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def load_yaml_text(text: str) -> Any:
    """YAML text parsed safely, a key written twice in a mapping being an error (yaml.YAMLError)."""
    return yaml.load(text, Loader=_UniqueKeys)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: Path, error: type[DataFileError]) -> Any:
    """The parsed content of a UTF-8 YAML file, or ``error`` naming the file and where it broke
    (a key written twice in one mapping is refused with its line)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(str(path), "", f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(str(path), f"byte {exc.start}", "the file is not UTF-8 text") from None
    try:
        return load_yaml_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(str(path), place, f"not valid YAML: {problem}") from None


def parse_framework(data: Any, *, source: str = "<data>") -> Framework:
    """Validate already-parsed framework data and return the :class:`Framework`."""
    if not isinstance(data, dict):
        raise FrameworkError(source, "top level", "the file must hold a mapping of keys (schema, id, pillars, ...)")
    try:
        spec = FrameworkSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise FrameworkError(source, error_place(tuple(err["loc"]), data), msg + more) from None
    return Framework(spec=spec, path=source)


def load_framework(path: str | Path) -> Framework:
    """Load and validate one framework file.

    Examples
    --------
    >>> fw = load_framework(QUESTIONNAIRES_DIR / "dbi-2021-sme.yaml")
    >>> fw.key, len(fw.criteria), fw.spec.max_points
    ('dbi-2021-sme@2021', 60, 320)
    """
    path = Path(path)
    data = read_yaml(path, FrameworkError)
    return parse_framework(data, source=str(path))


def available_frameworks(directory: str | Path = QUESTIONNAIRES_DIR) -> dict[str, Framework]:
    """All framework files of a folder, keyed by ``id@version``."""
    out: dict[str, Framework] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        fw = load_framework(path)
        out[fw.key] = fw
    return out


DEFAULT_FRAMEWORK_FILE = QUESTIONNAIRES_DIR / "dbi-2021-sme.yaml"


# --- the registry: every lookup of a framework by name goes through here --------------------------


def version_key(version: str) -> tuple:
    """Order of versions: numeric parts as numbers, so "9" < "10" and "2021" < "2023.1".

    Examples
    --------
    >>> sorted(["10", "9", "2021", "2021.2", "2021.10"], key=version_key)
    ['9', '10', '2021', '2021.2', '2021.10']
    """
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-_ ]+", version))


@lru_cache(maxsize=16)
def _folder(directory: str) -> dict[str, Framework]:
    return available_frameworks(directory)


def frameworks(directory: str | Path | None = None) -> dict[str, Framework]:
    """Every framework of the configured folder (DBI_FRAMEWORKS_DIR, or ``directory``), keyed by
    ``id@version``; each folder is read and validated once per process."""
    from assessment.config import settings

    return _folder(str(directory or settings().frameworks_dir))


def get_framework(name: str | None = None, directory: str | Path | None = None) -> Framework:
    """A framework by ``id@version``, by ``id`` (its highest version) or by file path; the configured
    default (DBI_DEFAULT_FRAMEWORK) when ``name`` is None. FrameworkError when there is none."""
    from assessment.config import settings

    if name and Path(name).suffix in (".yaml", ".yml"):
        return load_framework(name)
    known = frameworks(directory)
    name = name or settings().default_framework
    if name in known:
        return known[name]
    same_id = sorted((fw for fw in known.values() if fw.id == name), key=lambda fw: version_key(fw.version))
    if same_id:
        return same_id[-1]
    where = str(directory or settings().frameworks_dir)
    raise FrameworkError(where, "", f"no framework {name!r}; available: {', '.join(sorted(known))}")
