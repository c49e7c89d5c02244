"""``import`` against the whole commune history (issue 19, point 4) and exact equal parts (point 5).

The names are those a real regional list left unresolved: communes renamed (before or after
COG 2019), former communes whose code a commune nouvelle kept, and a name without its article.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from cpts_analysis.cli import main
from cpts_analysis.territory.communes import load_commune_names_history, load_communes
from cpts_analysis.territory.importing import CommuneMatcher
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.territories import white_zones

# (name as a list writes it, department column, current code, what the history says)
HISTORY_NAMES = [
    ("Montignac", "24", "24291", "ancien nom « Montignac »"),  # Montignac-Lascaux, after 2019
    ("Montreuil", "62", "62588", "ancien nom « Montreuil »"),  # Montreuil-sur-Mer
    ("Grigny", "69", "69096", "ancien nom « Grigny »"),  # Grigny-sur-Rhône
    ("Louhans", "71", "71263", "ancien nom « Louhans »"),  # Louhans-Châteaurenaud
    ("Meulan", "78", "78401", "ancien nom « Meulan »"),  # Meulan-en-Yvelines, 2010
    ("Pont-de-Roide", "25", "25463", "ancien nom « Pont-de-Roide »"),  # 2014
    ("Verdun-sur-le-Doubs", "71", "71566", "nom d'avant fusion « Verdun-sur-le-Doubs »"),
    ("Laigné-en-Belin", "72", "72155", "nom d'avant fusion « Laigné-en-Belin »"),
    ("Bians-les-Usiers", "25", "25060", "nom d'avant fusion « Bians-les-Usiers »"),
    ("Bono", "56", "56262", "ancien nom « Bono »"),  # Le Bono
]


@pytest.fixture(scope="module")
def matcher() -> CommuneMatcher:
    return CommuneMatcher()


@pytest.mark.parametrize(("name", "dep", "code", "via"), HISTORY_NAMES)
def test_history_names_resolve_to_the_current_code(matcher, name, dep, code, via):
    found = matcher.resolve(name, dep)
    assert (found.kind, found.code, found.via) == ("name", code, via)


def test_history_names_also_resolve_without_a_department(matcher):
    """Where no current commune bears the name, the department is not even needed."""
    for name in ("Louhans", "Meulan", "Pont-de-Roide", "Verdun-sur-le-Doubs", "Bono"):
        assert matcher.resolve(name).kind == "name", name


def test_current_names_come_before_former_ones(matcher):
    """« Grigny » alone is the Grigny of 62 or 91 today, never the Grigny renamed in 69."""
    found = matcher.resolve("Grigny")
    assert found.kind == "unresolved" and found.note == "nom ambigu"
    assert found.candidates == ("62388 Grigny (62)", "91286 Grigny (91)")


def test_names_without_their_article(matcher):
    assert matcher.resolve("Abergement-Clémenciat", "01").code == "01001"
    found = matcher.resolve("Bouchage", "16")  # Le Bouchage (16), not the one of the Isère
    assert found.code == "16054"
    assert found.via == "nom sans son article (« Le Bouchage »)"
    assert matcher.resolve("Bouchage").candidates == (
        "16054 Le Bouchage (16)",
        "38050 Le Bouchage (38)",
    )


def test_candidates_come_from_the_department_given(matcher):
    found = matcher.resolve("Montignac-Lascau", "24")  # a typo: suggest, in the Dordogne only
    assert found.kind == "unresolved"
    assert found.candidates and all(c.endswith("(24)") for c in found.candidates)
    assert found.candidates[0] == "24291 Montignac-Lascaux (24)"


def test_names_history_table():
    names = load_commune_names_history()
    com = load_communes().query("type == 'COM'")
    assert names["code"].isin(com["code"]).all()
    assert set(names["motif"]) == {"changement de nom", "fusion", "scission"}
    assert not names.duplicated(["code_ancien", "nom_ancien"]).any()
    row = names.set_index(["code_ancien", "nom_ancien"])
    assert row.loc[("04063", "Corbières"), "motif"] == "changement de nom"  # renamed 2018
    assert row.loc[("05039", "Chauffayer"), "motif"] == "fusion"  # absorbed 2018 (Aubessagne)


def test_import_lists_what_was_matched_through_history(tmp_path: Path, capsys):
    source = tmp_path / "liste.csv"
    lines = ["CPTS;Commune;Département"]
    lines += [f"CPTS Test {i // 4};{name};{dep}" for i, (name, dep, *_) in enumerate(HISTORY_NAMES)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "registre"
    assert main(["import", str(source), str(out), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(h["row"], h["code"], h["via"]) for h in report["history_names"]] == [
        (row, code, via) for row, (_, _, code, via) in enumerate(HISTORY_NAMES, start=2)
    ]
    assert report["history_names"][0]["commune"] == "24291 Montignac-Lascaux (24)"
    written = pd.read_csv(out / "communes.csv", dtype=str)
    assert sorted(written["code_commune"]) == sorted(code for _, _, code, _ in HISTORY_NAMES)
    out2 = tmp_path / "registre2"
    assert main(["import", str(source), str(out2)]) == 0
    text = capsys.readouterr().out
    assert "Noms reconnus par l'historique des communes ou sans leur article :" in text
    assert "ligne 2 : « Montignac » (ancien nom « Montignac ») → 24291 Montignac-Lascaux" in text


def test_three_equal_parts_of_villeurbanne_add_up_to_exactly_one(tmp_path: Path, capsys):
    source = tmp_path / "lyon.csv"
    rows = ["CPTS,Code INSEE"] + [f"CPTS Villeurbanne {side},69266" for side in "NSE"]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "registre"
    assert main(["import", str(source), str(out), "--equal-parts"]) == 0
    capsys.readouterr()
    parts = pd.read_csv(out / "communes.csv", dtype=str)["part"]
    assert sum(Decimal(p) for p in parts) == 1  # exact, in the text the registry holds
    assert sorted(parts) == ["0.333333", "0.333333", "0.333334"]
    registry = load_registry(out)
    assert white_zones(registry.communes, "departement", ["69"]).query("code == '69266'").empty
