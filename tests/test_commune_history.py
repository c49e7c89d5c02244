"""Former commune codes (communes nouvelles, fusions since 1943) and legacy encodings: the
history table of ``data/``, and how the registry maps former codes with a warning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import append_communes

from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.territory.communes import load_commune_history, load_communes
from cpts_analysis.territory.registry import load_registry, validate_registry


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return load_commune_history()


def test_history_table_shape(history: pd.DataFrame) -> None:
    communes = load_communes()
    current = set(communes.loc[communes["type"] == "COM", "code"])
    assert history["type"].value_counts().to_dict() == {
        "ancienne": 2_248,
        "deleguee": 2_105,
        "associee": 471,
    }
    assert history["code_ancien"].is_unique
    assert history["code"].isin(current).all()
    former = history[history["code_ancien"] != history["code"]]
    assert not former["code_ancien"].isin(communes["code"]).any()  # former = no longer current
    assert history["nom_ancien"].notna().all()  # every former code is named (INSEE history)


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("42024", "Bouthéon", "42005"),  # Andrézieux-Bouthéon
        ("74011", "Annecy-le-Vieux", "74010"),  # commune déléguée of Annecy (2017)
        ("50649", "Pont-Farcy", "50592"),  # changed department, then merged (Tessy-Bocage)
        ("60696", "Voisinlieu", "60057"),  # merged into Beauvais in 1943
    ],
)
def test_known_former_codes(history: pd.DataFrame, old: str, name: str, new: str) -> None:
    row = history.set_index("code_ancien").loc[old]
    assert (row["nom_ancien"], row["code"]) == (name, new)


@pytest.fixture
def registry(registry_copy: Path) -> Path:
    return registry_copy


def test_former_code_is_mapped_with_a_warning(registry: Path) -> None:
    append_communes(registry, "ARA-42-05,42024")
    problems = validate_registry(registry)
    assert [p.severity for p in problems] == ["warning"]
    assert str(problems[0]) == (
        "communes.csv, ligne 1836, colonne code_commune : avertissement : code historique : "
        "« 42024 » (Bouthéon, ancienne commune) est aujourd'hui 42005 (Andrézieux-Bouthéon) ; "
        "la ligne compte pour la commune actuelle"
    )
    communes = load_registry(registry).communes
    row = communes[communes["cpts_id"] == "ARA-42-05"]
    assert "42005" in set(row["code_commune"]) and "42024" not in set(communes["code_commune"])


def test_former_code_beside_its_commune_is_counted_once(registry: Path) -> None:
    append_communes(
        registry, "ARA-74-01,74011"
    )  # Annecy-le-Vieux, in Annecy (74010) already listed
    problems = [str(p) for p in validate_registry(registry)]
    assert len(problems) == 2, problems
    assert "code historique : « 74011 » (Annecy-le-Vieux, commune déléguée)" in problems[0]
    assert "« 74011 » désigne 74010, déjà donnée ligne" in problems[1]
    communes = load_registry(registry).communes
    assert (communes["code_commune"] == "74010").sum() == 1


def test_former_code_of_a_commune_in_another_cpts_overlaps(registry: Path) -> None:
    append_communes(registry, "ARA-42-05,74011")  # Annecy is in ARA-74-01
    errors = [str(p) for p in validate_registry(registry) if p.severity == "error"]
    assert any("commune dans deux CPTS : 74010 (Annecy)" in e for e in errors), errors


def test_windows_1252_registry_is_read_with_a_warning(registry: Path, capsys) -> None:
    for name in ("cpts.csv", "communes.csv"):
        path = registry / name
        text = path.read_text("utf-8")
        path.write_bytes(text.replace(",", ";").encode("cp1252"))
    problems = validate_registry(registry)
    assert [p.file for p in problems] == ["cpts.csv"]  # communes.csv is ASCII, so UTF-8 too
    assert "lu en Windows-1252" in problems[0].message and problems[0].severity == "warning"
    loaded = load_registry(registry)
    original = load_registry(EXAMPLE_REGISTRY)
    pd.testing.assert_frame_equal(loaded.cpts, original.cpts)
    pd.testing.assert_frame_equal(loaded.communes, original.communes)
    assert main(["validate", str(registry)]) == 0
    assert "0 erreur(s), 1 avertissement(s)" in capsys.readouterr().out
