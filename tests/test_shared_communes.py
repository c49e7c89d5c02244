"""Communes shared between CPTS (``part``): populations, coverage, white zones, overlaps, EPCI,
and the registry rules that guard them. Real INSEE 2023 populations throughout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import append_communes
from hypothesis import given, settings
from hypothesis import strategies as st

from cpts_analysis.analysis.comparison import compare_territory
from cpts_analysis.analysis.profile import cpts_profile
from cpts_analysis.cli import main
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.report import maps
from cpts_analysis.report.content import map_layers
from cpts_analysis.report.profile_content import profile_map_layers
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.registry import load_registry, validate_registry
from cpts_analysis.territory.territories import (
    coverage,
    cpts_summary,
    epci_composition,
    overlaps,
    round_population,
    shared_communes,
    white_zones,
)

COMMUNES = load_communes().set_index("code")
NICE, ROANNE = "06088", "42187"
POP_NICE = int(COMMUNES.loc[NICE, "population"])
DATE = "2025-06-01"
THREE = pd.DataFrame({"cpts_id": list("abc"), "nom": list("ABC"), "departement": "06"})


def _members(rows):
    return pd.DataFrame(rows, columns=["cpts_id", "code_commune", "part"])


def test_split_half_three_tenths_one_fifth():
    """Done when: 0.5 / 0.3 / 0.2 gives each CPTS its share, the commune is covered once."""
    members = _members([("a", NICE, 0.5), ("b", NICE, 0.3), ("c", NICE, 0.2)])
    summary = cpts_summary(THREE, members, "2025-06-01").set_index("cpts_id")
    expected = {
        k: round_population(POP_NICE * p) for k, p in zip("abc", (0.5, 0.3, 0.2), strict=True)
    }
    assert summary["population"].to_dict() == {k: int(v) for k, v in expected.items()}
    assert POP_NICE == 357_737  # INSEE PL 2023
    assert summary.loc["a", "population"] == 178_869  # 178 868.5 rounded half up
    cover = coverage(members, codes=["06"]).set_index("departement").loc["06"]
    assert cover["population_couverte"] == POP_NICE
    assert cover["communes_couvertes"] == 1
    assert NICE not in set(white_zones(members, "departement", ["06"])["code"])
    assert overlaps(members).empty
    shared = shared_communes(members)
    assert shared["part"].tolist() == [0.5, 0.3, 0.2]
    assert shared["population_cpts"].sum() == POP_NICE  # 178 869 + 107 321 + 71 547


def test_parts_under_one_leave_a_white_share():
    members = _members([("a", NICE, 0.5), ("b", NICE, 0.25)])
    cover = coverage(members, codes=["06"]).set_index("departement").loc["06"]
    assert cover["population_couverte"] == round_population(POP_NICE * 0.75)
    blank = white_zones(members, "departement", ["06"]).set_index("code").loc[NICE]
    assert blank["part_non_couverte"] == 0.25
    assert blank["population_non_couverte"] == round_population(POP_NICE * 0.25)
    assert blank["population"] == POP_NICE


def test_overlap_without_parts_is_counted_once_in_coverage_and_listed():
    members = _members([("a", ROANNE, np.nan), ("b", ROANNE, np.nan)])
    assert overlaps(members)["code_commune"].tolist() == [ROANNE]
    cover = coverage(members, codes=["42"]).set_index("departement").loc["42"]
    assert cover["population_couverte"] == COMMUNES.loc[ROANNE, "population"]
    assert shared_communes(members).empty


def test_epci_composition_counts_shared_commune_for_its_part():
    members = _members([("a", NICE, 0.6), ("b", NICE, 0.4)])
    table = epci_composition(members).set_index("cpts_id")
    assert table.loc["a", "communes"] == 1
    assert table.loc["a", "population"] == round_population(POP_NICE * 0.6)
    communes_epci = table.loc["a", "communes_epci"]
    assert table.loc["a", "part_epci"] == pytest.approx(0.6 / communes_epci)
    assert table.loc["b", "part_epci"] == pytest.approx(0.4 / communes_epci)


# --- properties ------------------------------------------------------------------------------

ALPES = load_communes()
ALPES = ALPES[(ALPES["dep"] == "06") & (ALPES["type"] == "COM")].head(30)
POP = ALPES.set_index("code")["population"]


@st.composite
def shared_memberships(draw, overlapping: bool = True):
    """CPTS a/b/c over 30 communes; a commune is whole in one CPTS or split by parts."""
    rows = []
    for code in draw(st.lists(st.sampled_from(list(ALPES["code"])), unique=True, max_size=20)):
        owners = draw(st.lists(st.sampled_from("abc"), unique=True, min_size=1, max_size=3))
        if len(owners) == 1 and draw(st.booleans()):
            rows.append((owners[0], code, np.nan))
            continue
        weights = [draw(st.integers(1, 10)) for _ in owners]
        total = sum(weights) + (draw(st.integers(0, 10)) if overlapping else 0)
        rows += [(o, code, w / total) for o, w in zip(owners, weights, strict=True)]
    return _members(rows)


@settings(max_examples=40, deadline=None)
@given(shared_memberships())
def test_coverage_never_exceeds_100_percent_with_parts(members):
    cover = coverage(members, codes=["06"]).set_index("departement").loc["06"]
    assert 0 <= cover["population_couverte"] <= cover["population"]
    assert 0 <= cover["taux"] <= 1
    blank = white_zones(members, "departement", ["06"])
    assert (blank["part_non_couverte"].between(0, 1, inclusive="right")).all()


@settings(max_examples=40, deadline=None)
@given(shared_memberships(overlapping=False))
def test_cpts_populations_add_up_to_covered_population(members):
    """Nothing overlaps (parts of each commune sum to 1): Σ CPTS = covered, up to rounding."""
    cpts = pd.DataFrame({"cpts_id": list("abc"), "nom": list("ABC"), "departement": "06"})
    summary = cpts_summary(cpts, members, "2025-06-01")
    cover = coverage(members, codes=["06"]).set_index("departement").loc["06"]
    exact = (members["part"].fillna(1.0) * members["code_commune"].map(POP)).sum()
    assert cover["population_couverte"] == round_population(exact)
    assert abs(int(summary["population"].sum()) - cover["population_couverte"]) <= len(cpts)


# --- registry rules -----------------------------------------------------------------------------


@pytest.fixture
def registry(registry_copy: Path) -> Path:
    return registry_copy


def test_example_registry_shares_villeurbanne():
    registry = load_registry(EXAMPLE_REGISTRY)
    villeurbanne = registry.communes[registry.communes["code_commune"] == "69266"]
    assert sorted(villeurbanne["part"]) == [0.4, 0.6]
    assert (registry.communes.drop(villeurbanne.index)["part"] == 1.0).all()


def test_parts_summing_to_1_2_are_refused_naming_the_commune(registry):
    append_communes(registry, "ARA-42-02,42187,0,5", "ARA-42-03,42187,0,7")
    text = (registry / "communes.csv").read_text("utf-8").replace("42187,0,5", '42187,"0,5"')
    (registry / "communes.csv").write_text(text.replace("42187,0,7", '42187,"0,7"'), "utf-8")
    problems = [str(p) for p in validate_registry(registry) if p.severity == "error"]
    assert any(
        "42187 (Roanne) : total 2,2" in p and "« ARA-42-01 » 1" in p and "« ARA-42-02 » 0,5" in p
        for p in problems
    ), problems
    with pytest.raises(InputError, match="parts d'une commune supérieures à 1"):
        load_registry(registry)


def test_parts_of_1_2_without_a_whole_commune(registry, tmp_path):
    target = tmp_path / "deux"
    shutil.copytree(registry, target)
    lines = (target / "communes.csv").read_text("utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("ARA-69-04,69266")]
    kept += ["ARA-69-04,69266,0.8"]
    (target / "communes.csv").write_text("\n".join(kept) + "\n", "utf-8")
    errors = [str(p) for p in validate_registry(target) if p.severity == "error"]
    assert len(errors) == 1 and "69266 (Villeurbanne) : total 1,2" in errors[0], errors
    assert "« ARA-69-02 » 0,4" in errors[0] and "« ARA-69-04 » 0,8" in errors[0]


def test_territories_json_population_is_shared_aware(capsys):
    assert main(["territories", str(EXAMPLE_REGISTRY), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    cpts = {c["cpts_id"]: c for c in payload["cpts"]}
    villeurbanne = int(COMMUNES.loc["69266", "population"])
    assert cpts["ARA-69-04"]["population"] == round_population(villeurbanne * 0.6) == 98_210
    assert set(cpts["ARA-69-04"]) == {"cpts_id", "nom", "population", "tier", "communes"}
    rhone = {c["departement"]: c for c in payload["coverage"]}["69"]
    assert set(rhone) == {"departement", "population", "population_couverte", "taux"}


def _hatches(figure) -> list[tuple[str, tuple]]:
    """(pattern, RGB) of the map's hatched layers: the shared communes, one per CPTS."""
    return [
        (c.get_hatch(), tuple(np.round(c.get_hatchcolor()[0][:3], 3)))
        for c in figure.axes[0].collections
        if c.get_hatch()
    ]


def _fills(figure) -> set[tuple]:
    territories = figure.axes[0].collections[0]  # first layer: the CPTS territories
    return {tuple(np.round(colour[:3], 3)) for colour in territories.get_facecolor()}


def test_maps_hatch_a_shared_commune_in_the_colour_of_each_of_its_cpts():
    registry = load_registry(EXAMPLE_REGISTRY)
    result = compare_territory(registry, "departement:69", DATE)
    figure = maps.territory_map(**map_layers(result, result.cpts.set_index("cpts_id")["nom"]))
    hatches = _hatches(figure)  # Villeurbanne: 0.4 to ARA-69-02, 0.6 to ARA-69-04
    assert len(hatches) == 2 and len(set(hatches)) == 2
    assert {colour for _, colour in hatches} <= _fills(figure)
    assert maps.SHARED_CAPTIONS[True] in [t.get_text() for t in figure.axes[0].texts]

    profile = maps.territory_map(**profile_map_layers(cpts_profile(registry, "ARA-69-02", DATE)))
    [(_, colour)] = _hatches(profile)
    assert {colour} == _fills(profile)
    assert maps.SHARED_CAPTIONS[False] in [t.get_text() for t in profile.axes[0].texts]

    alone = maps.territory_map(**profile_map_layers(cpts_profile(registry, "ARA-42-01", DATE)))
    assert _hatches(alone) == []
    assert maps.SHARED_CAPTIONS[False] not in [t.get_text() for t in alone.axes[0].texts]
