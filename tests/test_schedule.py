"""Payment schedule on cases computed by hand (contrat type, art. 6.1–6.2)."""

import pandas as pd

from cpts_analysis.aci.funding import compute_funding
from cpts_analysis.aci.schedule import payment_schedule


def _schedule(missions):
    contracts = pd.DataFrame(
        {"cpts_id": ["a"], "population": [30_000], "signature": ["2020-09-15"]}
    )
    missions = pd.DataFrame(missions, columns=["mission", "start"]).assign(cpts_id="a")
    funding = compute_funding(contracts, missions)
    return funding, payment_schedule(funding, missions)


def _payments(schedule, component, year):
    rows = schedule[(schedule["component"] == component) & (schedule["contract_year"] == year)]
    return list(
        zip(rows["date"].dt.strftime("%Y-%m-%d"), rows["kind"], rows["amount"], strict=True)
    )


def test_first_year_payments():
    _, schedule = _schedule([("acces_soins", "2021-01-01")])
    assert _payments(schedule, "fonctionnement", 1) == [("2020-09-15", "full", 50_000)]
    assert _payments(schedule, "fixe", 1) == [
        ("2021-01-01", "advance", 7_921.23),  # 75 % of 10 561.64 (15 000 x 257/365)
        ("2021-09-15", "balance", 2_640.41),
    ]
    assert _payments(schedule, "snp_compensation", 1) == [
        ("2021-01-01", "advance", 5_280.83),  # 75 % of 7 041.10, half-up
        ("2021-09-15", "balance", 1_760.27),
    ]
    assert _payments(schedule, "variable", 1) == [("2021-09-15", "full", 10_561.64)]


def test_following_years_advance_and_balance():
    _, schedule = _schedule([("acces_soins", "2021-01-01")])
    assert _payments(schedule, "fonctionnement", 2) == [
        ("2021-09-15", "advance", 37_500),
        ("2022-09-15", "balance", 12_500),
    ]
    assert _payments(schedule, "fixe", 5) == [
        ("2024-09-15", "advance", 11_250),
        ("2025-09-15", "balance", 3_750),
    ]


def test_fonctionnement_split_when_a_mission_starts_at_signature():
    _, schedule = _schedule([("acces_soins", "2020-09-15")])
    assert _payments(schedule, "fonctionnement", 1) == [
        ("2020-09-15", "advance", 37_500),
        ("2021-09-15", "balance", 12_500),
    ]


def test_payments_add_up_to_each_line():
    funding, schedule = _schedule([("acces_soins", "2021-01-01"), ("parcours", "2021-11-03")])
    keys = ["contract_year", "mission", "component"]
    paid = schedule.groupby(keys)["amount"].sum().round(2)
    owed = funding.set_index(keys)["amount"]
    pd.testing.assert_series_equal(
        paid.sort_index(), owed[owed > 0].sort_index(), check_names=False
    )
    assert (schedule["amount"] > 0).all()
