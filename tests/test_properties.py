"""Invariants of the funding engine and the schedule, on generated contracts (hypothesis)."""

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cpts_analysis.aci.funding import compute_funding
from cpts_analysis.aci.rules import rules_at
from cpts_analysis.aci.schedule import payment_schedule

MISSIONS = ["acces_soins", "parcours", "prevention", "crise_sanitaire", "qualite", "accompagnement"]
AVENANT_2 = rules_at("2023-01-01").start
CEILINGS = {r.id: r for r in (rules_at("2020-01-01"), rules_at("2023-01-01"))}


@st.composite
def contracts(draw):
    signature = draw(st.dates(dt.date(2019, 8, 25), dt.date(2025, 12, 31)))
    chosen = draw(st.lists(st.sampled_from(MISSIONS), unique=True, max_size=6))
    starts = []
    for mission in chosen:
        start = signature + dt.timedelta(days=draw(st.integers(0, 1900)))
        if mission == "crise_sanitaire":
            start = max(start, AVENANT_2)
        starts.append(start)
    contract = pd.DataFrame(
        {
            "cpts_id": ["x"],
            "population": [draw(st.integers(0, 400_000))],
            "signature": [signature],
            "snp_supplement": [draw(st.booleans())],
        }
    )
    missions = pd.DataFrame(
        {"cpts_id": "x", "mission": chosen, "start": starts},
        columns=["cpts_id", "mission", "start"],
    )
    crises = pd.DataFrame(
        {
            "cpts_id": "x",
            "contract_year": draw(st.lists(st.integers(1, 5), unique=True, max_size=2)),
        },
        columns=["cpts_id", "contract_year"],
    )
    return contract, missions, crises


@settings(max_examples=60, deadline=None)
@given(contracts(), st.floats(0, 1), st.floats(0, 1))
def test_funding_never_decreases_with_achievement(case, low, high):
    contract, missions, crises = case
    low, high = sorted((low, high))
    totals = [
        compute_funding(contract, missions, crises=crises, default_achievement=a)["amount"].sum()
        for a in (low, high)
    ]
    assert totals[0] <= totals[1] + 1e-6


@settings(max_examples=60, deadline=None)
@given(contracts(), st.floats(0, 1))
def test_schedule_pays_exactly_the_envelopes(case, achievement):
    contract, missions, crises = case
    funding = compute_funding(contract, missions, crises=crises, default_achievement=achievement)
    assert funding["prorata"].between(0, 1).all() and (funding["amount"] >= 0).all()
    schedule = payment_schedule(funding, missions)
    assert (schedule["amount"] > 0).all()
    keys = ["contract_year", "mission", "component"]
    paid = schedule.groupby(keys)["amount"].sum()
    owed = funding.set_index(keys)["amount"]
    owed = owed[owed > 0]
    assert paid.index.sort_values().equals(owed.index.sort_values())
    assert (paid.reindex(owed.index) - owed).abs().max() < 0.005
    signature = pd.Timestamp(contract["signature"].item())
    assert schedule["date"].between(signature, signature + pd.DateOffset(years=10)).all()


@settings(max_examples=60, deadline=None)
@given(contracts())
def test_yearly_total_within_published_maximum(case):
    contract, missions, crises = case
    funding = compute_funding(contract, missions, crises=crises)
    yearly = funding.groupby(["contract_year", "rule_set", "tier"])["amount"].sum().reset_index()
    for row in yearly.itertuples():
        ceiling = CEILINGS[row.rule_set].amount("plafond", "plafond_annuel", row.tier)
        if ceiling == ceiling:  # NaN: not published for that tier
            assert row.amount <= ceiling
