"""Coverage is by commune, whatever department a CPTS is attached to: one figure per territory
everywhere (``territories``, reports, API), and departments add up to their region."""

from __future__ import annotations

import json

import pytest

from cpts_analysis.analysis.comparison import compare_territory
from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.territories import coverage

DATE = "2025-06-01"


@pytest.fixture(scope="module")
def registry():
    return load_registry(EXAMPLE_REGISTRY)


def test_ain_counts_the_commune_a_rhone_cpts_covers(registry, capsys):
    # Jassans-Riottier (01194) is in ARA-69-05, a CPTS attached to the Rhône.
    assert "01194" in set(
        registry.communes.loc[registry.communes["cpts_id"] == "ARA-69-05", "code_commune"]
    )
    ain = compare_territory(registry, "01", DATE)
    assert main(["territories", str(EXAMPLE_REGISTRY), "--format", "json"]) == 0
    listed = {row["departement"]: row for row in json.loads(capsys.readouterr().out)["coverage"]}
    assert ain.headline()["population_couverte"] == listed["01"]["population_couverte"] == 413_005
    assert ain.headline()["taux_couverture"] == round(listed["01"]["taux"], 4)
    assert "01194" not in set(ain.white_zones["code"])
    (row,) = ain.neighbours.itertuples()
    assert (row.cpts_id, row.departement, row.communes, row.noms) == (
        "ARA-69-05",
        "69",
        1,
        "Jassans-Riottier",
    )
    assert "ARA-69-05" not in set(ain.cpts["cpts_id"])  # its funding stays with the Rhône


def test_departments_add_up_to_their_region(registry):
    departements = coverage(registry.communes)
    (region,) = coverage(registry.communes, level="region").itertuples()
    assert departements["population_couverte"].sum() == region.population_couverte
    assert departements["population"].sum() == region.population
    reports = [compare_territory(registry, code, DATE) for code in departements["departement"]]
    whole = compare_territory(registry, "region:84", DATE)
    assert (
        sum(r.headline()["population_couverte"] for r in reports)
        == (whole.headline()["population_couverte"])
    )
    assert whole.neighbours.empty  # every CPTS of the registry is attached inside the region
