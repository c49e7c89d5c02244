"""The levels rule of the contract indicators and its cap at the mission's variable envelope,
on hand-made indicators whose expected amounts are read off the levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpts_analysis.aci.funding import compute_funding
from cpts_analysis.aci.indicator_levels import capped_rate, indicator_levels, mission_earned
from cpts_analysis.core.errors import InputError

NAN = np.nan
# A rising result with three levels, a falling one (S25's ALD patients), a one-level action.
INDICATORS = pd.DataFrame(
    {
        "cpts_id": "A",
        "contract_year": 2,
        "mission": "acces_soins",
        "indicator": ["creneaux", "ald", "annuaire"],
        "kind": ["resultat", "resultat", "action"],
        "direction": ["hausse", "baisse", ""],
        "threshold_1": [200.0, 180.0, NAN],
        "threshold_2": [300.0, 100.0, NAN],
        "threshold_3": [400.0, 50.0, NAN],
        "amount_1": [3000.0, 3000.0, 5000.0],
        "amount_2": [6000.0, 6000.0, NAN],
        "amount_3": [9000.0, 9000.0, NAN],
    }
)


def levels(**values: float) -> pd.DataFrame:
    """The three indicators with the given observed values (absent: not observed)."""
    seen = pd.DataFrame(
        {
            "cpts_id": "A",
            "contract_year": 2,
            "indicator": list(values),
            "value": list(values.values()),
        }
    )
    return indicator_levels(INDICATORS, seen).set_index("indicator")


def test_a_value_exactly_on_a_threshold_reaches_it():
    row = levels(creneaux=300.0, ald=180.0)
    assert (row.loc["creneaux", "level"], row.loc["creneaux", "earned"]) == (2, 6000.0)
    assert (row.loc["ald", "level"], row.loc["ald", "earned"]) == (1, 3000.0)
    assert row.loc["creneaux", "gap"] == 100.0  # 400 for level 3


def test_just_below_a_threshold_does_not_reach_it():
    row = levels(creneaux=299.99, ald=180.01)
    assert (row.loc["creneaux", "level"], row.loc["creneaux", "earned"]) == (1, 3000.0)
    assert (row.loc["ald", "level"], row.loc["ald", "earned"]) == (0, 0.0)
    assert row.loc["ald", "next_level"] == 1
    assert row.loc["ald", "gap"] == pytest.approx(0.01)


def test_past_the_top_level_earns_the_top_amount_and_has_no_next_level():
    row = levels(creneaux=1000.0).loc["creneaux"]
    assert (row["level"], row["earned"], row["max_amount"]) == (3, 9000.0, 9000.0)
    assert pd.isna(row["next_level"]) and np.isnan(row["gap"])


def test_a_falling_indicator_reaching_level_2_of_3():
    """219 patients at the start; 60 is at or below 100 (level 2) but above 50 (level 3)."""
    row = levels(ald=60.0).loc["ald"]
    assert (row["level"], row["earned"], row["next_level"]) == (2, 6000.0, 3)
    assert row["gap"] == 10.0  # ten patients fewer for level 3


def test_an_action_answered_no_earns_nothing_and_yes_earns_its_amount():
    assert levels(annuaire=0.0).loc["annuaire", ["level", "earned", "next_level"]].tolist() == [
        0,
        0.0,
        1,
    ]
    done = levels(annuaire=1.0).loc["annuaire"]
    assert (done["level"], done["earned"], done["max_amount"]) == (1, 5000.0, 5000.0)
    assert np.isnan(done["gap"])


def test_an_unobserved_indicator_earns_nothing_and_has_no_level():
    row = levels(creneaux=250.0).loc["ald"]
    assert not row["observed"] and pd.isna(row["level"]) and row["earned"] == 0.0
    assert pd.isna(row["next_level"]) and np.isnan(row["gap"])
    assert row["max_amount"] == 9000.0


def test_mission_earned_sums_the_indicators():
    earned = mission_earned(indicator_levels(INDICATORS, levels_input(400.0, 60.0, 1.0)))
    assert earned.to_dict("records") == [
        {"cpts_id": "A", "contract_year": 2, "mission": "acces_soins", "earned": 20000.0}
    ]


def levels_input(creneaux: float, ald: float, annuaire: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cpts_id": "A",
            "contract_year": 2,
            "indicator": ["creneaux", "ald", "annuaire"],
            "value": [creneaux, ald, annuaire],
        }
    )


def test_capped_rate():
    assert capped_rate([10.0, 30.0, 5.0], [20.0, 25.0, 0.0]).tolist() == [0.5, 1.0, 0.0]


# The funding engine: one taille-3 CPTS (25 000 € variable for access), mission running all
# of contract year 2.
CONTRACT = pd.DataFrame(
    {"cpts_id": ["A"], "population": [100_000], "signature": [pd.Timestamp("2020-01-01")]}
)
MISSIONS = pd.DataFrame(
    {"cpts_id": ["A"], "mission": ["acces_soins"], "start": [pd.Timestamp("2020-01-01")]}
)


def variable_of_year_2(**kwargs) -> float:
    funding = compute_funding(CONTRACT, MISSIONS, **kwargs)
    line = funding[
        (funding["contract_year"] == 2)
        & (funding["mission"] == "acces_soins")
        & (funding["nature"] == "variable")
    ]
    return float(line["amount"].iloc[0])


def earned(amount: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"cpts_id": ["A"], "contract_year": [2], "mission": ["acces_soins"], "earned": [amount]}
    )


def test_the_engine_pays_what_indicators_earned_capped_at_the_envelope():
    national = variable_of_year_2()  # 100 % by default
    assert variable_of_year_2(earned=earned(national - 4000)) == national - 4000
    assert variable_of_year_2(earned=earned(national + 4000)) == national


def test_a_local_envelope_from_the_contract_caps_the_earned_amount():
    local = pd.DataFrame(
        {
            "cpts_id": ["A"],
            "contract_year": [2],
            "mission": ["acces_soins"],
            "component": ["variable"],
            "amount": [18_000.0],
        }
    )
    assert variable_of_year_2(overrides=local, earned=earned(20_000)) == 18_000
    assert variable_of_year_2(overrides=local, earned=earned(9_000)) == 9_000


def test_a_rate_and_an_earned_amount_for_the_same_mission_year_is_refused():
    rate = pd.DataFrame(
        {"cpts_id": ["A"], "contract_year": [2], "mission": ["acces_soins"], "achievement": [0.5]}
    )
    with pytest.raises(InputError, match="taux d'atteinte et indicateurs"):
        compute_funding(CONTRACT, MISSIONS, achievements=rate, earned=earned(1000))
