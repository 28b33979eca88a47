"""A synthetic, clearly labelled demo province, reproducible for a seed.

Firms get Sơn La's communes and wards in proportions that look like the province (the weights in
the localities file: most in the wards of Sơn La city and Mộc Châu, few in remote communes), VSIC
2025 sections weighted to the province's economy (farming and agro-processing, trade, tourism,
construction, hydropower), a mix of enterprises, cooperatives, branches and household businesses,
a size mix dominated by micro and small firms, and answers drawn from a few latent profiles (traditional, online seller,
infrastructure first, data-driven) around a firm-level maturity, so pillars correlate as they do in
real surveys. Part of the firms also have an assessment a year earlier, with lower answers.

Every demo firm's name starts with "[DEMO]" and its tax code with 99 (a household business's
12-digit identifier with 999), prefixes no Vietnamese province uses, so demo data can never be
mistaken for, or collide with, real firms; the 10-digit codes carry a valid check digit, as every
code the app accepts does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from assessment.firms import FirmProfile, sector_version_on
from assessment.firms import sectors as sectors_of
from assessment.framework import Framework
from assessment.scoring import score_codes

DEMO_PREFIX = "[DEMO] "
SECTOR_WEIGHTS = {"A": 0.30, "C": 0.14, "G": 0.30, "I": 0.10, "F": 0.08, "H": 0.04, "D": 0.02, "T": 0.02}  # VSIC 2025
# household businesses are most of the province's businesses, but fewer of them self-assess (assumption)
KIND_WEIGHTS = {"enterprise": 0.55, "cooperative": 0.12, "branch": 0.05, "household": 0.28}
SIZE_WEIGHTS = {"micro": 0.66, "small": 0.27, "medium": 0.07}
# latent profiles: propensity per pillar (P1..P6, or per pillar in order for other frameworks)
PROFILES = {
    "traditional": [0.15, 0.10, 0.20, 0.15, 0.15, 0.05],
    "online_seller": [0.60, 0.30, 0.30, 0.25, 0.35, 0.20],
    "infrastructure": [0.25, 0.40, 0.60, 0.45, 0.40, 0.20],
    "data_driven": [0.65, 0.70, 0.70, 0.65, 0.60, 0.60],
}
PROFILE_WEIGHTS = [0.40, 0.25, 0.22, 0.13]
NAME_PARTS = {
    "A": ["HTX Chè", "HTX Cà phê", "Trang trại Bò sữa", "HTX Xoài", "HTX Mận hậu", "HTX Nhãn"],
    "C": ["Cơ sở Chế biến Chè", "Xưởng Sữa", "Công ty Chế biến Nông sản", "Xưởng Cà phê rang"],
    "G": ["Cửa hàng", "Công ty Thương mại", "Đại lý Vật tư", "Tạp hóa"],
    "I": ["Homestay", "Nhà hàng", "Khách sạn", "Khu nghỉ"],
    "F": ["Công ty Xây dựng", "Đội Xây dựng"],
    "H": ["Công ty Vận tải", "Nhà xe"],
    "D": ["Công ty Thủy điện"],
    "T": ["Cơ sở Dịch vụ"],
}
HOUSEHOLD_NAMES = ["Hộ kinh doanh", "Quán", "Tạp hóa", "Homestay"]
# how likely a firm of middling maturity uses something of each category (e-invoices are compulsory
# since 2022, the national services common), and tools firms name that are not in the catalogue
CATEGORY_USE = {"einvoice": 0.75, "national": 0.8, "accounting": 0.5, "esignature": 0.45, "sales": 0.4,
                "customer": 0.55, "management": 0.2, "marketplace": 0.15, "cloud": 0.12, "security": 0.1,
                "logistics": 0.3}
OTHER_TOOLS = {"accounting": "Sổ sách Excel", "sales": "Sổ bán hàng trên điện thoại", "customer": "Nhóm Zalo khách hàng",
               "management": "Google Trang tính"}
PLACE_WORDS = ["Mộc Châu", "Tà Xùa", "Chiềng Ve", "Bản Mòng", "Phiêng Khoài", "Nà Ka", "Tô Múa", "Long Hẹ",
               "Chiềng Sơn", "Mường Bú", "Vân Hồ", "Cò Nòi", "Hát Lót", "Ít Ong", "Sốp Cộp", "Suối Tọ"]


@dataclass(frozen=True)
class DemoFirm:
    profile: FirmProfile
    codes: np.ndarray  # (n_criteria,) answer codes of the current assessment
    submitted_at: dt.datetime
    earlier_codes: np.ndarray | None  # a year before, for part of the firms
    earlier_at: dt.datetime | None
    platforms: tuple = ()  # the platforms it uses now (assessment.inventory.PlatformUse)
    earlier_platforms: tuple = ()  # a year before: fewer


def _answers(fw: Framework, rng: np.random.Generator, propensity: np.ndarray) -> np.ndarray:
    """(n_firms, n_criteria) answer codes around each firm's propensity for each pillar."""
    n = propensity.shape[0]
    codes = np.empty((n, len(fw.criteria)), dtype=np.int16)
    for j, crit in enumerate(fw.criteria):
        k = len(crit.choices)
        p = np.clip(propensity[:, fw.pillar_index[j]] + rng.normal(0, 0.18, n), 0, 1)
        codes[:, j] = np.clip(np.rint(p * (k - 1) + rng.normal(0, 0.6, n)), 0, k - 1)
    return codes


def _draw(fw: Framework, n: int, rng: np.random.Generator):
    """Sectors, sizes, latent propensities and answer codes of ``n`` firms."""
    sectors = rng.choice(list(SECTOR_WEIGHTS), size=n, p=np.array(list(SECTOR_WEIGHTS.values())) / sum(SECTOR_WEIGHTS.values()))
    sizes = rng.choice(list(SIZE_WEIGHTS), size=n, p=list(SIZE_WEIGHTS.values()))
    kinds = rng.choice(len(PROFILES), size=n, p=PROFILE_WEIGHTS)
    base = np.array(list(PROFILES.values()))
    n_p = len(fw.pillars)
    base = np.resize(base, (len(PROFILES), n_p)) if n_p != base.shape[1] else base
    size_boost = np.select([sizes == "medium", sizes == "small"], [0.15, 0.06], 0.0)
    maturity = rng.normal(0, 0.10, n) + size_boost
    propensity = np.clip(base[kinds] + maturity[:, None], 0.02, 0.98)
    return sectors, sizes, propensity, _answers(fw, rng, propensity)


def demo_tax_codes(n: int) -> list[str]:
    """The first ``n`` valid 10-digit tax codes starting with 99 (nine digits, then the check digit;
    a nine-digit start whose weighted sum divides by 11 has no valid code and is skipped)."""
    from assessment.firms import CHECK_WEIGHTS

    start = np.arange(int(n * 1.2) + 20, dtype=np.int64)
    digits = (990_000_000 + start)[:, None] // 10 ** np.arange(8, -1, -1) % 10
    remainder = digits @ np.array(CHECK_WEIGHTS) % 11
    ok = remainder != 0
    return [f"{base}{10 - r}" for base, r in zip(990_000_000 + start[ok], remainder[ok])][:n]


def answer_matrix(fw: Framework, n: int, *, seed: int) -> np.ndarray:
    """Only the (n, n_criteria) answer codes of ``n`` demo firms: fast enough for a million (benchmarks)."""
    return _draw(fw, n, np.random.default_rng(seed))[3]


MAX_FIRMS = 2_000_000  # demo tax codes 99xxxxxxxx and households 999xxxxxxxxx stay distinct
CHUNK = 50_000  # firms generated and written at a time: memory stays flat for a million


def generate_chunks(fw: Framework, n: int, *, seed: int, chunk: int = CHUNK, **options) -> Iterator[list[DemoFirm]]:
    """``n`` demo firms in lists of at most ``chunk``, the same for the same seed (and chunk size):
    the first chunk is ``generate(fw, min(n, chunk), seed=seed)``, chunk k draws from the seed
    sequence (seed, k), so the firms of a small demo do not change when chunks are added. Firm
    numbers and tax codes continue across chunks."""
    codes = demo_tax_codes(n)
    for k, start in enumerate(range(0, n, chunk)):
        size = min(chunk, n - start)
        yield generate(fw, size, seed=seed if k == 0 else [seed, k], first=start, tax_codes=codes[start:start + size],
                       **options)


def generate(fw: Framework, n: int, *, seed: int | list[int], localities: list[str] | None = None,
             today: dt.date | None = None, earlier_share: float = 0.35, entries=(), first: int = 0,
             tax_codes: list[str] | None = None) -> list[DemoFirm]:
    """``n`` demo firms, the same for the same seed. ``localities``: the unit codes to use, evenly;
    by default the province's current communes and wards, weighted as in the localities file.
    ``entries`` (the published catalogue): firms also list the platforms they use, more of them the
    more mature they are, some tools outside the catalogue, a few linked to each other. ``first``
    and ``tax_codes``: where the firms' numbering starts and their codes (generate_chunks)."""
    from assessment.firms import current_localities

    rng = np.random.default_rng(seed)
    today = today or dt.date.today()
    sectors, sizes, propensity, codes = _draw(fw, n, rng)
    earlier = _answers(fw, rng, np.clip(propensity - rng.uniform(0.05, 0.2, (n, 1)), 0.0, 1.0))
    earlier = np.minimum(earlier, codes)  # a year ago the firm was not ahead of today
    has_earlier = rng.random(n) < earlier_share
    if localities is None:
        units = list(current_localities(today).values())
        weights = np.array([u.weight for u in units], dtype=float)
        loc = rng.choice([u.code for u in units], size=n, p=weights / weights.sum())
    else:
        loc = rng.choice(localities, size=n)
    kinds = rng.choice(list(KIND_WEIGHTS), size=n, p=list(KIND_WEIGHTS.values()))
    days_ago = rng.integers(0, 60, size=n)
    tax_codes = tax_codes if tax_codes is not None else demo_tax_codes(n)
    version = sector_version_on(today)
    by_category: dict[str, list] = {}
    for e in sorted(entries, key=lambda e: e.id):
        by_category.setdefault(e.category, []).append(e)
    by_category = {cat: (options, _first_common(len(options))) for cat, options in by_category.items()}
    out = []
    for i in range(n):
        size, sector, kind = str(sizes[i]), str(sectors[i]), str(kinds[i])
        if kind == "household" or (kind == "cooperative" and size == "medium"):
            kind = "household" if size == "micro" else "enterprise"  # households are micro; few big cooperatives
        employees, revenue = {
            "micro": (int(rng.integers(1, 11)), round(float(rng.uniform(0.3, 2.9)), 1)),
            "small": (int(rng.integers(11, 50)), round(float(rng.uniform(3.5, 45)), 1)),
            "medium": (int(rng.integers(51, 100)), round(float(rng.uniform(60, 190)), 1)),
        }[size]
        if sector not in sectors_of(version):  # a framework date before VSIC 2025: the 2018 letter
            sector = {"T": "S"}.get(sector, sector)
        parts = HOUSEHOLD_NAMES if kind == "household" else NAME_PARTS[sector]
        # parts[rng.integers(...)] draws as rng.choice(parts) does, without its checks (a million firms)
        name = (f"{DEMO_PREFIX}{parts[int(rng.integers(0, len(parts)))]} "
                f"{PLACE_WORDS[int(rng.integers(0, len(PLACE_WORDS)))]} {first + i + 1}")
        code = {"household": f"999{first + i:09d}", "branch": f"{tax_codes[i]}-001"}.get(kind, tax_codes[i])
        profile = FirmProfile(
            tax_code=code, name=name, sector=sector, employees=employees,
            revenue_bn=revenue, capital_bn=None, locality=str(loc[i]), kind=kind, sector_version=version,
        )
        at = dt.datetime.combine(today - dt.timedelta(days=int(days_ago[i])), dt.time(9, 0))
        now, before = _platforms(rng, by_category, float(propensity[i].mean()), at.year)
        out.append(DemoFirm(profile, codes[i], at, earlier[i] if has_earlier[i] else None,
                            at - dt.timedelta(days=365) if has_earlier[i] else None, now,
                            before if has_earlier[i] else ()))
    return out


def _first_common(n: int) -> np.ndarray:
    """The cumulative weights of ``n`` catalogue entries of a category, the first ones the common
    ones (weight 1/(k+1)), normalised as numpy's Generator.choice(n, p=...) does before drawing."""
    weights = np.array([1.0 / (k + 1) for k in range(n)])
    cdf = (weights / weights.sum()).cumsum()
    return cdf / cdf[-1]


def _platforms(rng: np.random.Generator, by_category: dict, maturity: float, year: int) -> tuple[tuple, tuple]:
    """A firm's tools now and a year before (a subset: adoption grows). ``by_category``: each
    category's published entries and their cumulative weights (_first_common)."""
    from assessment.inventory import PlatformUse

    if not by_category:
        return (), ()
    uses = []
    for cat, base in CATEGORY_USE.items():
        options, cdf = by_category.get(cat, ([], None))
        if not options or rng.random() > min(0.95, base * (0.4 + 1.4 * maturity)):
            continue
        if cat in OTHER_TOOLS and rng.random() < 0.25 * (1 - maturity):
            uses.append(PlatformUse(cat, OTHER_TOOLS[cat], None, int(year - rng.integers(0, 6))))
            continue
        entry = options[int(cdf.searchsorted(rng.random(), side="right"))]  # = rng.choice(len(options), p=...)
        uses.append(PlatformUse(cat, entry.name, entry.id, int(year - rng.integers(0, 6))))
    # the mature link their tools: sales, invoices and accounting exchange data
    linked = [k for k, u in enumerate(uses) if u.category in ("sales", "einvoice", "accounting")]
    if len(linked) >= 2 and rng.random() < maturity:
        uses = [PlatformUse(u.category, u.name, u.entry_id, u.since, tuple(j for j in linked if j != k))
                if k in linked else u for k, u in enumerate(uses)]
    before = tuple(PlatformUse(u.category, u.name, u.entry_id, u.since) for u in uses
                   if u.since is not None and u.since < year and rng.random() < 0.8)
    return tuple(uses), before


def scores_of(fw: Framework, firms: list[DemoFirm]):
    """Scores of the current assessments (for checks and summaries)."""
    return score_codes(fw, np.stack([f.codes for f in firms]))
