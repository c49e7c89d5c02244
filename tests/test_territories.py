"""Territory analysis on real communes: populations, tiers, coverage, white zones, EPCI."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpts_analysis.territory.communes import load_communes, load_epci, load_epci_communes
from cpts_analysis.territory.deployment import deployment_status
from cpts_analysis.territory.territories import (
    coverage,
    cpts_contours,
    cpts_summary,
    epci_composition,
    overlaps,
    territory_units,
    white_zones,
)

COMMUNES = load_communes()
LOIRE = COMMUNES[(COMMUNES["dep"] == "42") & (COMMUNES["type"] == "COM")]


def _memberships(pairs):
    return pd.DataFrame(pairs, columns=["cpts_id", "code_commune"])


def test_population_tier_and_distance_from_communes():
    cpts = pd.DataFrame({"cpts_id": ["a", "b"], "nom": ["A", "B"], "departement": ["42", "69"]})
    members = _memberships([("a", "42187"), ("b", "69381"), ("b", "69382")])
    summary = cpts_summary(cpts, members, "2024-01-01").set_index("cpts_id")
    lyon = COMMUNES.set_index("code").loc[["69381", "69382"], "population"].sum()
    assert summary.loc["a", "population"] == 35_409  # Roanne, INSEE 2023
    assert summary.loc["a", "tier"] == 1 and summary.loc["a", "distance_next_tier"] == 4_591
    assert summary.loc["b", "population"] == lyon and summary.loc["b", "communes"] == 2


def test_cpts_without_commune_has_zero_population():
    cpts = pd.DataFrame({"cpts_id": ["a"], "nom": ["A"], "departement": ["42"]})
    summary = cpts_summary(cpts, _memberships([]), "2024-01-01")
    assert summary["population"].item() == 0 and summary["tier"].item() == 1


def test_coverage_of_a_department_and_region():
    members = _memberships([("a", code) for code in LOIRE["code"].head(50)])
    loire = coverage(members).set_index("departement").loc["42"]
    assert loire["population"] == LOIRE["population"].sum()
    assert loire["population_couverte"] == LOIRE["population"].head(50).sum()
    assert loire["communes_couvertes"] == 50
    assert loire["taux"] == pytest.approx(loire["population_couverte"] / loire["population"])
    region = coverage(members, level="region").set_index("region").loc["84"]
    assert region["population"] == 8_205_557


def test_arrondissements_replace_their_city():
    units = territory_units(pd.Series(["69381"]))
    assert "69123" not in set(units["code"]) and "69389" in set(units["code"])
    members = _memberships([("a", "69381")])
    rhone = coverage(members).set_index("departement").loc["69"]
    assert (
        rhone["population"] == COMMUNES.query("dep == '69' and type == 'COM'")["population"].sum()
    )
    blanks = white_zones(members, "departement", ["69"])
    assert "69382" in set(blanks["code"]) and "69381" not in set(blanks["code"])


def test_white_zones_and_overlaps():
    members = _memberships([("a", "42187"), ("b", "42187"), ("b", "42330")])
    assert overlaps(members).to_dict("records") == [
        {"code_commune": "42187", "cpts": 2, "cpts_ids": ["a", "b"]}
    ]
    blanks = white_zones(members, "departement", ["42"])
    assert len(blanks) == len(LOIRE) - 2
    assert blanks["population"].is_monotonic_decreasing


def test_epci_composition_and_contours():
    epci = load_epci()
    roannais = epci[epci["nom"].str.contains("Roannais Agglo")]["code"].item()
    memberships = load_epci_communes()
    codes = memberships.loc[memberships["epci"] == roannais, "code_commune"]
    members = _memberships([("a", c) for c in codes])
    composition = epci_composition(members)
    assert composition["part_epci"].tolist() == [1.0]
    contour = cpts_contours(members, region="84")["geometry"].item()
    assert contour.is_valid and contour.area > 0


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.sampled_from(list(LOIRE["code"][:40]))), max_size=60
    )
)
def test_coverage_never_exceeds_population_and_counts_each_commune_once(pairs):
    members = _memberships(pairs).drop_duplicates()
    loire = coverage(members, codes=["42"]).set_index("departement").loc["42"]
    covered = LOIRE[LOIRE["code"].isin(members["code_commune"])]["population"].sum()
    assert loire["population_couverte"] == covered <= loire["population"]
    assert 0 <= loire["taux"] <= 1
    cpts = pd.DataFrame({"cpts_id": list("abc"), "nom": list("abc"), "departement": "42"})
    summary = cpts_summary(cpts, members, "2024-01-01").set_index("cpts_id")
    for cpts_id, group in members.groupby("cpts_id"):
        expected = LOIRE.set_index("code").loc[group["code_commune"].unique(), "population"].sum()
        assert summary.loc[cpts_id, "population"] == expected


def test_deployment_states_against_calendar():
    cpts = pd.DataFrame({"cpts_id": ["a"], "date_signature": pd.to_datetime(["2020-09-15"])})
    missions = pd.DataFrame(
        {
            "cpts_id": "a",
            "mission": ["acces_soins", "parcours", "crise_sanitaire"],
            "date_demarrage": pd.to_datetime(["2021-01-01", "2022-01-15", "2022-10-01"]),
        }
    )
    states = deployment_status(cpts, missions, "2024-06-01").set_index("mission")
    assert states.loc["acces_soins", "etat"] == "en_cours"  # deadline 15/03/2021
    assert states.loc["parcours", "etat"] == "demarree_en_retard"
    assert states.loc["parcours", "retard_jours"] == 122  # 15/09/2021 -> 15/01/2022
    assert states.loc["prevention", "etat"] == "en_retard"
    # Crisis clock starts when avenant 2 came into force (01/04/2022) + 6 months.
    assert states.loc["crise_sanitaire", "date_limite_demarrage"] == pd.Timestamp("2022-10-01")
    assert states.loc["crise_sanitaire", "etat"] == "en_cours"
    assert states.loc["qualite", "etat"] == "optionnelle"
