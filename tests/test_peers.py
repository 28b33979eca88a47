"""Peer benchmarks: percentiles, widening of small groups, the firm itself left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.peers import benchmark, percentile


AREA = {"03979": "SL-MC", "03980": "SL-MC", "03646": "SL-TP"}  # Mộc Sơn and Mộc Châu wards, Tô Hiệu (Sơn La)


def frame(rows):
    return pd.DataFrame(rows, columns=["firm_id", "section", "size_class", "locality", "area", "total",
                                       "P1_points", "P2_points", "P3_points", "P4_points", "P5_points", "P6_points"])


def firm_row(i, sector="G", size="micro", loc="03979", total=50):
    return [i, sector, size, loc, AREA[loc], total, total // 6, 5, total // 6, total // 6, total // 6, total // 6]


def test_percentile_is_mid_rank():
    import numpy as np

    assert percentile(50, np.array([10, 20, 50, 80])) == 62.5
    assert percentile(5, np.array([10, 20])) == 0.0 and percentile(99, np.array([10, 20])) == 100.0


def test_same_group_when_five_peers(dbi):
    rows = [firm_row(i, total=10 * i) for i in range(1, 7)]  # 6 firms in G/micro/SL-MC
    rows += [firm_row(100 + i, loc="03646", total=200) for i in range(10)]
    f = frame(rows)
    me = dict(zip(f.columns, firm_row(3, total=30)))
    res = benchmark(dbi, f, me)
    assert res.group == ("section", "size_class", "locality") and res.n_peers == 5  # itself left out
    assert res.total_percentile == 40.0  # peers 10,20,40,50,60: two below -> 40 %


def test_widens_from_commune_to_area_to_province_then_sector(dbi):
    # the firm's ward has no peer; the other ward of its area (Mộc Châu) has five
    rows = [firm_row(1, loc="03979", total=40)] + [firm_row(10 + i, loc="03980", total=20 + i) for i in range(5)]
    rows += [firm_row(30 + i, loc="03646", total=300) for i in range(5)]
    f = frame(rows)
    me = dict(zip(f.columns, firm_row(1, loc="03979", total=40)))
    res = benchmark(dbi, f, me)
    assert res.group == ("section", "size_class", "area") and res.n_peers == 5 and res.total_percentile == 100.0
    # too few in the area: the whole province, same sector and size
    rows = [firm_row(1, loc="03979", total=40)] + [firm_row(10 + i, loc="03646", total=20 + i) for i in range(5)]
    f = frame(rows)
    res = benchmark(dbi, f, dict(zip(f.columns, firm_row(1, loc="03979", total=40))))
    assert res.group == ("section", "size_class") and res.n_peers == 5 and res.total_percentile == 100.0
    rows = [firm_row(1, size="small")] + [firm_row(10 + i, size="micro", loc="03646", total=60) for i in range(7)]
    f = frame(rows)
    res = benchmark(dbi, f, dict(zip(f.columns, firm_row(1, size="small"))))
    assert res.group == ("section",) and res.n_peers == 7 and res.total_percentile == 0.0


def test_whole_province_when_the_sector_is_rare_and_none_alone(dbi):
    rows = [firm_row(1, sector="D")] + [firm_row(10 + i, sector="A", total=50) for i in range(3)]
    f = frame(rows)
    res = benchmark(dbi, f, dict(zip(f.columns, firm_row(1, sector="D"))))
    assert res.group == () and res.n_peers == 3 and res.total_percentile == 50.0
    assert benchmark(dbi, frame([firm_row(1)]), dict(zip(frame([]).columns, firm_row(1)))) is None


def test_peer_index_gives_the_same_percentiles_as_filtering(dbi):
    from assessment.peers import PeerIndex

    rng = np.random.default_rng(11)
    n = 400
    locality = rng.choice(["L1", "L2", "L3", "L4"], n)
    latest = pd.DataFrame({
        "firm_id": np.arange(n), "section": rng.choice(["A", "G", "C", "Q"], n, p=[0.5, 0.3, 0.19, 0.01]),
        "size_class": rng.choice(["micro", "small", "medium"], n), "locality": locality,
        "area": np.where(np.isin(locality, ["L1", "L2"]), "A1", "A2"),
        "total": rng.integers(0, 321, n),
        **{f"{p.id}_points": rng.integers(0, p.max_points + 1, n) for p in dbi.pillars},
    })
    index = PeerIndex(dbi, latest)
    firms = [latest.iloc[i].to_dict() for i in range(0, n, 7)]
    # also firms not in the table, and a firm whose latest row sits in another group
    firms.append({**latest.iloc[3].to_dict(), "firm_id": 10_000})
    firms.append({**latest.iloc[5].to_dict(), "locality": "L9", "area": "A9", "section": "Q"})
    firms.append({**latest.iloc[6].to_dict(), "locality": "L9", "area": "A1"})
    for firm in firms:
        assert index.benchmark(firm) == benchmark(dbi, latest, firm)


@pytest.mark.parametrize("n_firms", [3, 60])
def test_the_database_counts_the_same_peers_and_percentiles_as_the_index(store, dbi, n_firms):
    """peers.benchmark_stored (counted by the database over the rows flagged latest) equals
    PeerIndex over the latest frame for every firm, through every widening step (3 firms: the
    province; 60: communes, areas, sectors)."""
    from assessment import demo, frames
    from assessment.peers import PeerIndex, benchmark_stored

    store.replace_demo(dbi, demo.generate(dbi, n_firms, seed=21))
    latest = frames.latest_frame(store, dbi).reset_index(drop=True)
    index = PeerIndex(dbi, latest)
    groups = set()
    for _, row in latest.iterrows():
        firm = row.to_dict()
        want, got = index.benchmark(firm), benchmark_stored(store, dbi, firm)
        assert got == want, firm["firm_id"]
        groups.add(got.group if got else None)
    # a firm not yet stored (no firm id): compared with everyone
    outsider = {**latest.iloc[0].to_dict(), "firm_id": None}
    assert benchmark_stored(store, dbi, outsider) == index.benchmark(outsider)
    assert len(groups) >= (1 if n_firms == 3 else 2)
