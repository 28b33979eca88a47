"""A synthetic, clearly labelled demo province, reproducible for a seed.

Firms get Sơn La's localities, sectors weighted to the province's economy (farming and
agro-processing, trade, tourism, construction, hydropower), a size mix dominated by micro and
small firms, and answers drawn from a few latent profiles (traditional, online seller,
infrastructure first, data-driven) around a firm-level maturity, so pillars correlate as they do in
real surveys. Part of the firms also have an assessment a year earlier, with lower answers.

Every demo firm's name starts with "[DEMO]" and its tax code with 99, a prefix no Vietnamese
province uses, so demo data can never be mistaken for, or collide with, real firms; the codes
carry a valid check digit, as every code the app accepts does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from assessment.firms import FirmProfile
from assessment.framework import Framework
from assessment.scoring import score_codes

DEMO_PREFIX = "[DEMO] "
SECTOR_WEIGHTS = {"A": 0.30, "C": 0.14, "G": 0.30, "I": 0.10, "F": 0.08, "H": 0.04, "D": 0.02, "S": 0.02}
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
    "S": ["Cơ sở Dịch vụ"],
}
PLACE_WORDS = ["Mộc Châu", "Tà Xùa", "Chiềng Ve", "Bản Mòng", "Phiêng Khoài", "Nà Ka", "Tô Múa", "Long Hẹ",
               "Chiềng Sơn", "Mường Bú", "Vân Hồ", "Cò Nòi", "Hát Lót", "Ít Ong", "Sốp Cộp", "Suối Tọ"]


@dataclass(frozen=True)
class DemoFirm:
    profile: FirmProfile
    codes: np.ndarray  # (n_criteria,) answer codes of the current assessment
    submitted_at: dt.datetime
    earlier_codes: np.ndarray | None  # a year before, for part of the firms
    earlier_at: dt.datetime | None


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


def generate(fw: Framework, n: int, *, seed: int, localities: list[str],
             today: dt.date | None = None, earlier_share: float = 0.35) -> list[DemoFirm]:
    """``n`` demo firms, the same for the same seed."""
    rng = np.random.default_rng(seed)
    today = today or dt.date.today()
    sectors, sizes, propensity, codes = _draw(fw, n, rng)
    earlier = _answers(fw, rng, np.clip(propensity - rng.uniform(0.05, 0.2, (n, 1)), 0.0, 1.0))
    earlier = np.minimum(earlier, codes)  # a year ago the firm was not ahead of today
    has_earlier = rng.random(n) < earlier_share
    loc = rng.choice(localities, size=n)
    days_ago = rng.integers(0, 60, size=n)
    tax_codes = demo_tax_codes(n)
    out = []
    for i in range(n):
        size = str(sizes[i])
        employees, revenue = {
            "micro": (int(rng.integers(1, 11)), round(float(rng.uniform(0.3, 2.9)), 1)),
            "small": (int(rng.integers(11, 50)), round(float(rng.uniform(3.5, 45)), 1)),
            "medium": (int(rng.integers(51, 100)), round(float(rng.uniform(60, 190)), 1)),
        }[size]
        sector = str(sectors[i])
        name = f"{DEMO_PREFIX}{rng.choice(NAME_PARTS[sector])} {rng.choice(PLACE_WORDS)} {i + 1}"
        profile = FirmProfile(
            tax_code=tax_codes[i], name=name, sector=sector, employees=employees,
            revenue_bn=revenue, capital_bn=None, locality=str(loc[i]),
        )
        at = dt.datetime.combine(today - dt.timedelta(days=int(days_ago[i])), dt.time(9, 0))
        out.append(DemoFirm(profile, codes[i], at, earlier[i] if has_earlier[i] else None,
                            at - dt.timedelta(days=365) if has_earlier[i] else None))
    return out


def scores_of(fw: Framework, firms: list[DemoFirm]):
    """Scores of the current assessments (for checks and summaries)."""
    return score_codes(fw, np.stack([f.codes for f in firms]))
