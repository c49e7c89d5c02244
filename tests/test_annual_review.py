"""Annual review on the example registry's contract indicators: registry checks (French, with
file, row and column), one source of truth for the variable part (the budget from indicators
equals the budget from the equivalent rates), the ``revue`` command and the report content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib.figure
import pandas as pd
import pytest

from cpts_analysis.analysis.annual_review import annual_review
from cpts_analysis.analysis.budget import territory_budget
from cpts_analysis.cli import main
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.report import plots, review_content
from cpts_analysis.territory.registry import load_registry, validate_registry
from tests.conftest import edit

CPTS, YEAR, DATE = "ARA-73-02", 4, "2026-01-01"  # taille 3, three missions on indicators
SAS_73 = "ARA-73-02,4,creneaux_sas,230"  # level 1 of 3 (200 / 300 / 400)
INDICATOR_ROW_3 = "hausse,120,200,2500.00,300,5000.00,400,7500.00"  # ARA-42-02, row 3


def problems(registry: Path) -> list[str]:
    return [str(p) for p in validate_registry(registry)]


def append(path: Path, line: str) -> int:
    """Add a row at the end of a CSV file; return its row number as a spreadsheet shows it."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def test_the_example_registry_validates_with_its_contract_indicators():
    registry = load_registry(EXAMPLE_REGISTRY)
    assert len(registry.indicateurs_contrat) == 20 and len(registry.resultats_indicateurs) == 19
    assert registry.indicateurs_contrat["montant_3"].dtype == "float64"
    assert validate_registry(EXAMPLE_REGISTRY) == []


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "indicateurs_contrat.csv",
            INDICATOR_ROW_3,
            "hausse,120,200,2500.00,150,5000.00,400,7500.00",
            "indicateurs_contrat.csv, ligne 3, colonne seuil_2 : paliers dans le désordre : "
            "seuil 2 « 150 » après seuil 1 « 200 » : en hausse, chaque palier va plus haut que "
            "le précédent",
        ),
        (
            "indicateurs_contrat.csv",
            "baisse,219,180,2500.00,100,5000.00,50,7500.00",
            "baisse,219,180,2500.00,200,5000.00,50,7500.00",
            "indicateurs_contrat.csv, ligne 4, colonne seuil_2 : paliers dans le désordre : "
            "seuil 2 « 200 » après seuil 1 « 180 » : en baisse, chaque palier va plus bas que "
            "le précédent",
        ),
        (
            "indicateurs_contrat.csv",
            INDICATOR_ROW_3,
            "hausse,120,200,2500.00,300,5000.00,400,4000.00",
            "indicateurs_contrat.csv, ligne 3, colonne montant_3 : montant en baisse d'un palier "
            "au suivant : montant 3 « 4000.00 » inférieur au montant 2 « 5000.00 » (chaque "
            "montant est le total acquis au palier, pas un supplément)",
        ),
        (
            "indicateurs_contrat.csv",
            INDICATOR_ROW_3,
            "hausse,120,200,2500.00,300,5000.00,400,26000.00",
            "indicateurs_contrat.csv, ligne 3, colonne montant_3 : montant au-dessus de "
            "l'enveloppe variable de la mission : 26\u202f000\u202f€ pour une enveloppe de "
            "25\u202f000\u202f€ (acces_soins, année 1)",
        ),
        (
            "indicateurs_contrat.csv",
            "ARA-42-02,1,acces_soins,annuaire",
            "ARA-42-02,9,acces_soins,annuaire",
            "indicateurs_contrat.csv, ligne 2, colonne annee_contrat : année de contrat hors du "
            "contrat : 9 (le contrat dure 5 ans)",
        ),
        (
            "indicateurs_contrat.csv",
            "diffusé,action,,,,5000.00",
            "diffusé,action,,,10,5000.00",
            "indicateurs_contrat.csv, ligne 2, colonne seuil_1 : une action n'a qu'un montant "
            "(montant_1), sans seuil : « 10 » : laissez seuil_1 vide pour « annuaire »",
        ),
        (
            "resultats_indicateurs.csv",
            "ARA-42-02,1,creneaux_sas,410",
            "ARA-42-02,1,creneaux_sas,oui",
            "resultats_indicateurs.csv, ligne 3, colonne valeur : réponse oui/non pour un "
            "indicateur de résultat : « oui » : « creneaux_sas » attend un nombre",
        ),
        (
            "resultats_indicateurs.csv",
            "ARA-42-02,1,annuaire,non",
            "ARA-42-02,1,annuaire,1",
            "resultats_indicateurs.csv, ligne 2, colonne valeur : un indicateur d'action se "
            "renseigne par oui ou non : « 1 » pour « annuaire »",
        ),
        (
            "resultats_indicateurs.csv",
            "ARA-42-02,1,annuaire,non",
            "ARA-42-02,1,annuaires,non",
            "resultats_indicateurs.csv, ligne 2, colonne indicateur : indicateur inconnu : "
            "« annuaires » n'est pas dans indicateurs_contrat.csv pour ARA-42-02, année 1",
        ),
        (
            "resultats_indicateurs.csv",
            "ARA-42-02,1,annuaire,non",
            "ARA-42-02,7,annuaire,non",
            "resultats_indicateurs.csv, ligne 2, colonne annee_contrat : année de contrat hors "
            "du contrat : 7 (le contrat dure 5 ans)",
        ),
    ],
)
def test_each_bad_row_is_a_french_error_naming_file_row_and_column(
    registry_copy: Path, file: str, old: str, new: str, expected: str
):
    edit(registry_copy / file, old, new)
    found = problems(registry_copy)
    assert expected in found, found
    with pytest.raises(InputError):
        load_registry(registry_copy)


def test_a_rate_and_indicators_for_one_mission_year_is_an_error(registry_copy: Path):
    row = append(registry_copy / "resultats.csv", "ARA-73-02,4,acces_soins,0.70")
    assert (
        f"resultats.csv, ligne {row}, colonne taux_atteinte : taux d'atteinte et indicateurs du "
        "contrat pour la même mission et la même année : acces_soins, année 4 : les indicateurs "
        "(indicateurs_contrat.csv, ligne 10) donnent déjà la part variable ; gardez l'un ou "
        "l'autre"
    ) in problems(registry_copy)


def test_top_amounts_that_miss_the_envelope_are_a_warning(registry_copy: Path):
    edit(
        registry_copy / "indicateurs_contrat.csv", INDICATOR_ROW_3, INDICATOR_ROW_3[:-7] + "7000.00"
    )
    assert problems(registry_copy) == [
        "indicateurs_contrat.csv, ligne 2, colonne montant_1 : avertissement : montants "
        "maximaux des indicateurs différents de l'enveloppe variable : acces_soins, année 1 : "
        "les paliers les plus hauts totalisent 24\u202f500\u202f€ pour une enveloppe de "
        "25\u202f000\u202f€"
    ]
    load_registry(registry_copy)  # a warning does not block


def test_the_example_review_reads_the_levels():
    payload = annual_review(load_registry(EXAMPLE_REGISTRY), CPTS, YEAR, DATE).payload()
    assert list(payload) == [
        "cpts_id",
        "annee_contrat",
        "periode",
        "missions",
        "total_acquis",
        "total_max",
        "solde_a_verser",
    ]
    access = payload["missions"][0]
    assert list(access) == ["mission", "enveloppe_variable", "acquis", "taux", "indicateurs"]
    assert (access["mission"], access["enveloppe_variable"], access["acquis"]) == (
        "acces_soins",
        25000.0,
        17500.0,
    )
    by_id = {i["indicateur"]: i for i in access["indicateurs"]}
    assert by_id["ald_sans_mt"] | {"libelle": ""} == {
        "indicateur": "ald_sans_mt",
        "libelle": "",
        "type": "resultat",
        "valeur": 100.0,
        "palier_atteint": 2,  # exactly on the level-2 threshold of a falling indicator
        "acquis": 5000.0,
        "montant_max": 7500.0,
        "prochain_palier": 3,
        "ecart_prochain_palier": 50.0,
    }
    assert by_id["annuaire"]["valeur"] == "oui" and by_id["annuaire"]["acquis"] == 5000.0
    assert payload["total_acquis"] == sum(m["acquis"] for m in payload["missions"])


def test_unobserved_indicator_and_prorated_first_year():
    review = annual_review(load_registry(EXAMPLE_REGISTRY), "ARA-42-02", 1, DATE)
    parcours = next(m for m in review.payload()["missions"] if m["mission"] == "parcours")
    meetings = next(i for i in parcours["indicateurs"] if i["indicateur"] == "reunions")
    assert meetings["valeur"] is None and meetings["palier_atteint"] is None
    assert meetings["acquis"] == 0.0
    # The mission ran part of year 1: envelope and amount earned are prorated alike.
    row = review.missions.set_index("mission").loc["parcours"]
    assert row["prorata"] < 1 and row["rate"] == 0.6
    assert row["earned"] == round(row["envelope"] * 0.6, 2)


def test_a_local_envelope_from_montants_caps_what_indicators_earned(registry_copy: Path):
    append(registry_copy / "montants.csv", "ARA-73-02,4,acces_soins,variable,15000.00")
    registry = load_registry(registry_copy)  # top amounts (25 000 €) above it: a warning
    assert [p.field for p in registry.warnings] == ["montant_1"]
    access = annual_review(registry, CPTS, YEAR, DATE).payload()["missions"][0]
    assert sum(i["acquis"] for i in access["indicateurs"]) == 17500.0
    assert (access["enveloppe_variable"], access["acquis"], access["taux"]) == (
        15000.0,
        15000.0,
        1.0,
    )


def test_the_budget_from_indicators_equals_the_budget_from_the_equivalent_rates(
    tmp_path: Path,
):
    """Same registry twice: once with indicators (one at a non-round rate), once with each
    indicator mission-year replaced by the rate it earned, typed in ``resultats``."""
    with_indicators = tmp_path / "indicateurs"
    shutil.copytree(EXAMPLE_REGISTRY, with_indicators)
    edit(with_indicators / "resultats_indicateurs.csv", SAS_73, "ARA-73-02,4,creneaux_sas,310")
    registry = load_registry(with_indicators)
    rates = []
    for cpts_id, year in (("ARA-42-02", 1), ("ARA-73-02", 4)):
        review = annual_review(registry, cpts_id, year, DATE)
        chosen = review.missions[review.missions["source"] == "indicateurs"]
        rates += [f"{cpts_id},{year},{m.mission},{m.rate!r}" for m in chosen.itertuples()]
    assert "ARA-73-02,4,acces_soins,0.8" in rates  # 20 000 € of 25 000 €

    with_rates = tmp_path / "taux"
    shutil.copytree(with_indicators, with_rates)
    for name in ("indicateurs_contrat.csv", "resultats_indicateurs.csv"):
        (with_rates / name).unlink()
    for line in rates:
        append(with_rates / "resultats.csv", line)

    for territory in ("42", "73"):
        from_indicators = territory_budget(registry, territory, DATE).lines
        from_rates = territory_budget(load_registry(with_rates), territory, DATE).lines
        pd.testing.assert_frame_equal(from_indicators, from_rates)
    without = load_registry(with_rates)  # the rates matter: 100 % would pay more
    edit(with_rates / "resultats.csv", "ARA-73-02,4,acces_soins,0.8\n", "")
    assert (
        territory_budget(load_registry(with_rates), "73", DATE).lines["amount"].sum()
        > territory_budget(without, "73", DATE).lines["amount"].sum()
    )


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["revue", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_revue_json_is_the_review_payload(capsys):
    code, out, _ = run(capsys, "--cpts", CPTS, "--annee", "4", "--date", DATE, "--format", "json")
    expected = annual_review(load_registry(EXAMPLE_REGISTRY), CPTS, YEAR, DATE).payload()
    assert code == 0 and json.loads(out) == expected
    assert expected["periode"] == {"debut": "2024-01-11", "fin": "2025-01-10"}


def test_revue_table_is_french(capsys):
    code, out, _ = run(capsys, "--cpts", "ARA-42-02", "--annee", "1", "--date", "2020-06-01")
    assert code == 0
    assert "Revue annuelle — CPTS Saint-Étienne (ARA-42-02), année de contrat 1" in out
    assert "Patients en ALD sans médecin traitant" in out and "2 sur 3" in out
    assert "Non renseignés (n'acquièrent rien)" in out
    assert "Solde de l'année 1 à verser le 25/11/2020" in out
    assert "acces_soins" not in out  # missions by their French labels


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--cpts", "ARA-99-99", "--annee", "1"], 2, "« ARA-99-99 » n'est pas dans le registre"),
        (["--cpts", CPTS, "--annee", "11"], 2, "année 11 hors du contrat de ARA-73-02 (1 à 10)"),
        (["--cpts", CPTS, "--annee", "zéro"], 2, "--annee"),
        (["--cpts", "ARA-73-05", "--annee", "1"], 2, "n'a pas signé de contrat ACI"),
        (["--cpts", CPTS, "--annee", "1", "--registry", "nulle-part"], 1, "registre introuvable"),
    ],
)
def test_revue_bad_arguments_and_data(capsys, argv, code, message):
    result, _, err = run(capsys, *argv)
    assert result == code and message in err and "Traceback" not in err


def test_review_content_tables_and_charts():
    review = annual_review(load_registry(EXAMPLE_REGISTRY), "ARA-42-02", 1, DATE)
    missions = review_content.as_table(review_content.mission_display(review))
    assert missions.columns.name == "Mission" and list(missions.index) == [
        "Accès aux soins",
        "Parcours",
    ]
    assert missions.loc["Parcours", "Taux d'atteinte"] == "60,0\u202f%"
    indicators = review_content.indicator_display(review, "acces_soins")
    ald = indicators.set_index("libelle").loc["Patients en ALD sans médecin traitant"]
    assert ald["levels"] == (
        "≤ 180 : 2\u202f500\u202f€ ; ≤ 100 : 5\u202f000\u202f€ ; ≤ 50 : 7\u202f500\u202f€"
    )
    assert (ald["observed_value"], ald["level_reached"]) == ("60", "2 sur 3")
    assert ald["next_level"] == "palier 3 : encore 10 de moins"
    unobserved = review_content.unobserved_display(review)
    assert unobserved.to_dict("records") == [
        {
            "mission": "Parcours",
            "libelle": "Réunions pluriprofessionnelles tenues",
            "amount_at_stake": 9000.0,
        }
    ]
    for figure in (
        review_content.earned_chart(review),
        review_content.levels_chart(review, "parcours"),
    ):
        assert isinstance(figure, matplotlib.figure.Figure)
        assert plots.alt_text(figure)  # titled, so its image has a text alternative
        assert plots.png(figure).startswith(b"\x89PNG")


def test_review_without_contract_indicators_gives_empty_tables():
    review = annual_review(load_registry(EXAMPLE_REGISTRY), "ARA-42-01", 2, DATE)
    assert review.indicators.empty
    shown = review_content.indicator_display(review)
    assert shown.empty and "next_level" in shown.columns


@pytest.mark.slow
def test_review_report_of_a_cpts_paid_on_rates(tmp_path):
    """Its missions follow the registry's rates: the report says so, with no indicator table."""
    argv = ["report", "--notebook", "revue_annuelle", "--territory", "ARA-42-01", "--annee", "2"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "revue_annuelle" / "ara-42-01-annee-2" / "tables.xlsx").exists()


def test_batch_of_reviews_leaves_out_unsigned_cpts_and_says_so(caplog):
    from cpts_analysis.runner.jobs import batch_jobs

    registry = load_registry(EXAMPLE_REGISTRY)
    signed = set(registry.cpts.loc[registry.cpts["date_signature"].notna(), "cpts_id"])
    unsigned = set(registry.cpts["cpts_id"]) - signed
    with caplog.at_level("WARNING"):
        jobs = batch_jobs("cpts", "revue_annuelle", {"annee": 1, "date": DATE})
    assert {job.parameters["cpts"] for job in jobs} == signed and unsigned
    for cpts_id in unsigned:
        assert f"« {cpts_id} » n'a pas signé de contrat ACI" in caplog.text


def test_level_positions_place_values_between_levels():
    review = annual_review(load_registry(EXAMPLE_REGISTRY), "ARA-42-02", 1, DATE)
    rows = review.indicators[review.indicators["mission"] == "acces_soins"]
    positions = dict(zip(rows["indicator"], review_content.level_positions(rows), strict=True))
    assert positions["annuaire"] == 0.0  # « non »
    assert positions["creneaux_sas"] == 3 + review_content.OVERSHOOT  # 410, past the top (400)
    assert positions["ald_sans_mt"] == pytest.approx(2.8)  # 60: 40 of the 50 from 100 (2) to 50
