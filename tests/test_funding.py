"""Funding engine: seed totals, prorata, crisis mission, options, overrides (computed by hand)."""

import pandas as pd
import pytest

from cpts_analysis.aci.funding import annual_envelope, compute_funding, contract_years
from cpts_analysis.core.errors import InputError

TOTALS_2019 = {30_000: 185_000, 52_000: 242_000, 100_000: 315_000, 200_000: 380_000}
TOTALS_2019_SNP = {30_000: 220_000, 52_000: 287_000, 100_000: 370_000, 200_000: 450_000}


@pytest.mark.parametrize(("population", "total"), TOTALS_2019.items())
def test_seed_totals_without_supplement(population, total):
    assert annual_envelope(population, "2020-06-01")["amount"].sum() == total


@pytest.mark.parametrize(("population", "total"), TOTALS_2019_SNP.items())
def test_seed_totals_with_supplement(population, total):
    year = annual_envelope(population, "2020-06-01", snp_supplement=True)
    assert year["amount"].sum() == total


def test_achievement_scales_only_variable_parts():
    full = annual_envelope(52_000, "2020-06-01", achievement=1.0)
    none = annual_envelope(52_000, "2020-06-01", achievement=0.0)
    variable = full.loc[full["nature"] == "variable", "amount"].sum()
    assert variable == 17_500 + 35_000 + 15_000 + 10_000 + 7_500
    assert full["amount"].sum() - none["amount"].sum() == variable


def test_crisis_first_year_then_update_and_activation():
    first = annual_envelope(100_000, "2023-01-01", missions=["crise_sanitaire"]).set_index(
        "component"
    )["amount"]
    assert first["plan_premiere_annee"] == 45_000 and "plan_mise_a_jour" not in first
    later = annual_envelope(
        100_000, "2023-01-01", missions=["crise_sanitaire"], contract_year=3, crisis_activated=True
    ).set_index("component")["amount"]
    assert later["plan_mise_a_jour"] == 22_500 and later["activation"] == 67_500
    assert "plan_premiere_annee" not in later


def test_unknown_mission_for_the_date():
    with pytest.raises(InputError, match="crise_sanitaire"):
        annual_envelope(52_000, "2021-01-01", missions=["crise_sanitaire"])


def _one_contract(**extra):
    return pd.DataFrame(
        {"cpts_id": ["a"], "population": [30_000], "signature": ["2020-09-15"], **extra}
    )


def test_contract_years_are_anniversaries_and_follow_rules():
    years = contract_years(_one_contract(), renewals=0)
    assert years["year_start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-09-15",
        "2021-09-15",
        "2022-09-15",
        "2023-09-15",
        "2024-09-15",
    ]
    assert years["rule_set"].tolist() == ["aci_2019"] * 2 + ["avenant_2"] * 3
    assert not years["renewal"].any()


def test_tacit_renewal_adds_five_flagged_years():
    years = contract_years(_one_contract())
    assert years["contract_year"].tolist() == list(range(1, 11))
    assert years["renewal"].tolist() == [False] * 5 + [True] * 5
    assert years["year_end"].iloc[-1] == pd.Timestamp("2030-09-15")


def test_leap_day_signature():
    years = contract_years(
        pd.DataFrame({"cpts_id": ["a"], "population": [1], "signature": ["2024-02-29"]})
    )
    assert years["year_start"].dt.strftime("%Y-%m-%d").tolist()[1] == "2025-02-28"


def test_prorata_for_a_mission_starting_mid_year():
    missions = pd.DataFrame({"cpts_id": ["a"], "mission": ["acces_soins"], "start": ["2021-01-01"]})
    achievements = pd.DataFrame(
        {"cpts_id": ["a"], "contract_year": [1], "mission": ["acces_soins"], "achievement": [0.5]}
    )
    funding = compute_funding(_one_contract(), missions, achievements=achievements)
    year1 = funding[funding["contract_year"] == 1].set_index("component")
    # 2021-01-01 -> 2021-09-15 is 257 days of a 365-day contract year.
    assert year1.loc["fixe", "prorata"] == pytest.approx(257 / 365)
    assert year1.loc["fixe", "amount"] == 10_561.64  # 15 000 x 257/365
    assert year1.loc["snp_compensation", "amount"] == 7_041.10  # 10 000 x 257/365
    assert year1.loc["variable", "amount"] == 5_280.82  # 15 000 x 257/365 x 0.5
    assert year1.loc["fonctionnement", "amount"] == 50_000
    year2 = funding[funding["contract_year"] == 2].set_index("component")
    assert year2.loc["fixe", "amount"] == 15_000 and year2.loc["variable", "amount"] == 15_000


def test_leap_year_contract_year_has_366_days():
    contracts = pd.DataFrame(
        {"cpts_id": ["a"], "population": [30_000], "signature": ["2023-03-01"]}
    )
    missions = pd.DataFrame({"cpts_id": ["a"], "mission": ["parcours"], "start": ["2023-09-01"]})
    year1 = compute_funding(contracts, missions).query("contract_year == 1 and component == 'fixe'")
    assert year1["prorata"].item() == pytest.approx(182 / 366)
    assert year1["amount"].item() == 12_431.69  # 25 000 x 182/366 = 12 431.693...


def test_options_and_overrides():
    contracts = _one_contract(snp_supplement=[True], fonctionnement_uplift=[True])
    contracts["signature"] = "2022-06-01"
    missions = pd.DataFrame({"cpts_id": ["a"], "mission": ["acces_soins"], "start": ["2022-06-01"]})
    overrides = pd.DataFrame(
        {
            "cpts_id": ["a"],
            "contract_year": [2],
            "mission": ["acces_soins"],
            "component": ["fixe"],
            "amount": [90_000],
        }
    )
    funding = compute_funding(contracts, missions, overrides=overrides)
    year1 = funding[funding["contract_year"] == 1].set_index("component")
    assert year1.loc["majoration_amorcage", "amount"] == 37_500
    assert year1.loc["snp_supplement", "amount"] == 35_000
    assert "majoration_amorcage" not in set(funding.query("contract_year == 2")["component"])
    local = funding.query("contract_year == 2 and component == 'fixe'")
    assert local["amount"].item() == 90_000 and local["status"].item() == "local"


def test_crisis_activation_only_in_flagged_years():
    contracts = pd.DataFrame(
        {"cpts_id": ["a"], "population": [100_000], "signature": ["2022-05-01"]}
    )
    missions = pd.DataFrame(
        {"cpts_id": ["a"], "mission": ["crise_sanitaire"], "start": ["2022-05-01"]}
    )
    crises = pd.DataFrame({"cpts_id": ["a"], "contract_year": [2]})
    funding = compute_funding(contracts, missions, crises=crises)
    activations = funding[funding["component"] == "activation"]
    assert activations["contract_year"].tolist() == [2]
    assert activations["amount"].item() == 67_500


def test_rejects_bad_inputs():
    missions = pd.DataFrame({"cpts_id": ["a"], "mission": ["acces_soins"], "start": ["2021-01-01"]})
    with pytest.raises(InputError, match="hors de 0–1"):
        compute_funding(_one_contract(), missions, default_achievement=1.2)
    early = _one_contract()
    early["signature"] = "2019-01-01"
    with pytest.raises(InputError, match="antérieure au premier ACI"):
        compute_funding(early, missions)
    with pytest.raises(InputError, match="colonne"):
        compute_funding(_one_contract().drop(columns="population"), missions)


def test_measured_achievement_applies_without_local_amounts():
    """Regression: with no ``overrides``, the variable-line mask was aligned on a stale index,
    so measured rates were dropped for some CPTS (a department's report paid 100 %)."""
    contracts = pd.DataFrame(
        {
            "cpts_id": ["a", "b"],
            "population": [50_000, 120_000],
            "signature": pd.to_datetime(["2021-01-01", "2020-06-01"]),
        }
    )
    missions = pd.DataFrame(
        {
            "cpts_id": ["a", "a", "b", "b"],
            "mission": ["acces_soins", "parcours", "acces_soins", "prevention"],
            "start": pd.to_datetime(["2021-03-01", "2021-06-01", "2020-06-01", "2021-01-01"]),
        }
    )
    achievements = pd.DataFrame(
        {
            "cpts_id": ["b", "b", "a"],
            "contract_year": [2, 3, 2],
            "mission": ["prevention", "acces_soins", "parcours"],
            "achievement": [0.25, 0.5, 0.1],
        }
    )
    funding = compute_funding(contracts, missions, achievements=achievements)
    variable = funding[funding["nature"] == "variable"].set_index(
        ["cpts_id", "contract_year", "mission"]
    )["achievement"]
    measured = achievements.set_index(["cpts_id", "contract_year", "mission"])["achievement"]
    assert variable.reindex(measured.index).tolist() == measured.tolist()
    assert (variable.drop(measured.index) == 1.0).all()


def test_envelope_totals_are_the_annex_totals():
    """Fact sheet §2: 185/242/315/380 k€ without option, 220/287/370/450 k€ with the SNP
    supplement (ACI 2019); avenant 2 adds a maximum with the crisis activation."""
    from cpts_analysis.aci.envelopes import envelope_totals
    from cpts_analysis.aci.rules import rules_at

    totals = envelope_totals(rules_at("2020-01-01"))
    assert totals["without_options"] == {1: 185_000, 2: 242_000, 3: 315_000, 4: 380_000}
    assert totals["with_snp_supplement"] == {1: 220_000, 2: 287_000, 3: 370_000, 4: 450_000}
    assert "maximum" not in totals
    later = envelope_totals(rules_at("2023-01-01"))
    assert later["maximum"][4] > later["with_snp_supplement"][4]
