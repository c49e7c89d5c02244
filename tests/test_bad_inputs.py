"""Bad-input corpus: registries (CSV and XLSX), legal parameter files, notebook parameters and
CLI arguments. Every case checks the exit code, that the message names the file, row and field
(or the argument), that no traceback leaks, and that nothing is left in the output folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, NOTEBOOKS_DIR, PARAMETERS_DIR
from cpts_analysis.territory.registry import TABLES

EXIT_DATA, EXIT_USAGE = 1, 2


def _edit_csv(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(registry: Path) -> None:
        path = registry / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _append(name: str, line: str) -> Callable[[Path], None]:
    def append(registry: Path) -> None:
        with (registry / name).open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")

    return append


def _write_bytes(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda registry: (registry / name).write_bytes(data)


def _remove(name: str) -> Callable[[Path], None]:
    return lambda registry: (registry / name).unlink()


CATALOGUE = (
    "indicateur,libelle,unite,agregation\n"
    "medecins,Médecins généralistes,médecins,somme\n"
    "part_75,Part des 75 ans et plus,%,moyenne_ponderee_population\n"
)
VALUES = 'code_commune,indicateur,valeur\n42218,medecins,12\n42218,part_75,"12,5"\n'


def _indicators(values: str = "", catalogue: str | None = CATALOGUE) -> Callable[[Path], None]:
    """Valid indicator tables (values for Saint-Étienne) plus ``values`` / a broken catalogue."""

    def write(registry: Path) -> None:
        (registry / "indicateurs.csv").write_text(VALUES + values, encoding="utf-8")
        if catalogue is not None:
            (registry / "catalogue_indicateurs.csv").write_text(catalogue, encoding="utf-8")

    return write


@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable[[Path], None]
    message: str  # regex: where (file, row, column) and what


# Each case breaks one thing in a copy of the (valid) illustrative registry.
REGISTRY_CASES = [
    # Real registry files: each problem gets its fix (issue 23).
    Case(
        "title-line-above-header",
        lambda r: (r / "cpts.csv").write_text(
            "Liste des CPTS 2025\n" + (r / "cpts.csv").read_text("utf-8"), "utf-8"
        ),
        r"cpts\.csv, ligne 2 : 5 valeurs pour 1 colonnes : une ligne de titre au-dessus des "
        r"en-têtes \?",
    ),
    Case(
        "department-lost-zero",
        _edit_csv("cpts.csv", "CPTS du Bassin Burgien,01,", "CPTS du Bassin Burgien,1,"),
        r"cpts\.csv, ligne 2, colonne departement : .*zéro initial perdu \? « 01 »",
    ),
    Case(
        "excel-serial-date",
        _edit_csv("cpts.csv", "01,2023-02-27,signe", "01,44984,signe"),
        r"cpts\.csv, ligne 2, colonne date_signature : date mal formée : « 44984 » .*numéro de "
        r"série d'une date Excel \? 27/02/2023",
    ),
    Case(
        "date-with-an-hour",
        _edit_csv("cpts.csv", "01,2023-02-27,signe", "01,2023-02-27 14:30,signe"),
        r"cpts\.csv, ligne 2, colonne date_signature : .*l'heure n'est pas admise",
    ),
    # Bounds at the door: what later stages cannot handle (issue 23).
    Case(
        "id-too-long",
        _edit_csv("cpts.csv", "ARA-01-01,CPTS du Bassin", "A" * 300 + ",CPTS du Bassin"),
        r"cpts\.csv, ligne 2, colonne cpts_id : identifiant de CPTS invalide : « A{40}… "
        r"\(300 caractères\) »",
    ),
    *(
        Case(
            f"id-{name}",
            _append("cpts.csv", f"{bad},Nouvelle,01,,projet"),
            rf"cpts\.csv, ligne 58, colonne cpts_id : identifiant de CPTS invalide : « {bad} »",
        )
        for name, bad in (("space", "ARA 01"), ("accent", "ARA-Été"), ("colon", "cpts:01"))
    ),
    Case(
        "ids-equal-but-case",
        _append("cpts.csv", "ara-01-01,Doublon,01,,projet"),
        r"cpts\.csv, ligne 58, colonne cpts_id : identifiants de CPTS égaux aux majuscules ou "
        r"aux accents près : « ara-01-01 » et « ARA-01-01 » \(ligne 2\)",
    ),
    Case(
        "name-too-long",
        _edit_csv("cpts.csv", "CPTS du Bassin Burgien", "N" * 100_000),
        r"cpts\.csv, ligne 2, colonne nom : texte trop long : .*\(au plus 200 caractères\)",
    ),
    Case(
        "control-characters",
        _edit_csv("cpts.csv", "CPTS du Bassin Burgien", "CPTS \u202eevil\x00"),
        r"cpts\.csv, ligne 2, colonne nom : caractère invisible : « CPTS \?evil\? »",
    ),
    Case(
        "amount-overflow",
        _edit_csv("montants.csv", "fonctionnement,66000.00", "fonctionnement,1.7e308"),
        r"montants\.csv, ligne 2, colonne montant : montant hors limite : « 1\.7e308 »",
    ),
    Case(
        "signature-far-future",
        _edit_csv("cpts.csv", "01,2023-02-27,signe", "01,9999-12-31,signe"),
        r"cpts\.csv, ligne 2, colonne date_signature : date trop lointaine : 9999-12-31",
    ),
    Case("missing-file", _remove("communes.csv"), r"communes\.csv : fichier absent"),
    Case(
        "missing-column",
        _edit_csv("cpts.csv", "cpts_id,nom,", "cpts_id,name,"),
        r"cpts\.csv, ligne 1, colonne nom : colonne obligatoire absente",
    ),
    Case(
        "duplicate-cpts",
        _append("cpts.csv", "ARA-01-01,Doublon,01,,projet"),
        r"cpts\.csv, ligne 58, colonne cpts_id : .*en double",
    ),
    Case(
        "unknown-insee",
        _append("communes.csv", "ARA-01-01,99999"),
        r"communes\.csv, ligne 1836, colonne code_commune : code commune inconnu : « 99999 »",
    ),
    Case(
        "lost-leading-zero",
        _append("communes.csv", "ARA-01-01,1004"),
        r"communes\.csv, ligne 1836, colonne code_commune : .*01004",
    ),
    Case(
        "commune-in-two-cpts",
        _append("communes.csv", "ARA-42-02,42187"),
        r"communes\.csv, ligne 1836, colonne code_commune : commune dans deux CPTS : 42187",
    ),
    Case(
        "part-not-a-number",
        _append("communes.csv", "ARA-01-01,01024,moitié"),
        r"communes\.csv, ligne 1836, colonne part : part non numérique : « moitié »",
    ),
    Case(
        "part-above-one",
        _append("communes.csv", 'ARA-01-01,01004,"1,5"'),
        r"communes\.csv, ligne 1836, colonne part : part hors de \]0 ; 1\]",
    ),
    Case(
        "part-zero",
        _append("communes.csv", "ARA-01-01,01004,0"),
        r"communes\.csv, ligne 1836, colonne part : part hors de \]0 ; 1\]",
    ),
    Case(
        "parts-above-one",
        _edit_csv("communes.csv", "ARA-69-04,69266,0.6", "ARA-69-04,69266,0.7"),
        r"communes\.csv, ligne 1549, colonne part : parts d'une commune supérieures à 1 au "
        r"total : 69266 \(Villeurbanne\) : total 1,1 pour « ARA-69-02 » 0,4 \(ligne 1549\) ; "
        r"« ARA-69-04 » 0,7 \(ligne 1552\)",
    ),
    Case(
        "shared-without-parts-asks-for-them",
        _append("communes.csv", "ARA-42-02,42187"),
        r"communes\.csv, ligne 1836, colonne code_commune : .*donnez la part de chaque CPTS",
    ),
    Case(
        "unknown-former-code",
        _append("communes.csv", "ARA-01-01,01999"),
        r"communes\.csv, ligne 1836, colonne code_commune : code commune inconnu : « 01999 »",
    ),
    Case(
        "neither-utf8-nor-windows-1252",
        _write_bytes("communes.csv", b"cpts_id,code_commune\nARA-01-01,01\x81004\n"),
        r"communes\.csv : fichier ni en UTF-8 ni en Windows-1252",
    ),
    Case(
        "city-and-arrondissement",
        _append("communes.csv", "ARA-69-01,69123"),
        r"communes\.csv, ligne 1547, colonne code_commune : ville et arrondissement à la fois",
    ),
    Case(
        "unknown-mission",
        _append("missions.csv", "ARA-01-01,teleconsultation,2023-06-01"),
        r"missions\.csv, ligne 240, colonne mission : mission inconnue",
    ),
    Case(
        "impossible-date",
        _edit_csv("cpts.csv", "2023-02-27", "2023-02-30"),
        r"cpts\.csv, ligne 2, colonne date_signature : date impossible : « 2023-02-30 »",
    ),
    Case(
        "mission-before-signature",
        _append("missions.csv", "ARA-01-01,qualite,2020-01-01"),
        r"missions\.csv, ligne 240, colonne date_demarrage : .*avant la signature",
    ),
    Case(
        "crisis-before-avenant-2",
        _edit_csv(
            "missions.csv",
            "ARA-01-03,crise_sanitaire,2022-11-01",
            "ARA-01-03,crise_sanitaire,2021-06-01",
        ),
        r"missions\.csv, ligne 14, colonne date_demarrage : .*01/04/2022",
    ),
    Case(
        "rate-above-one",
        _append("resultats.csv", "ARA-01-01,1,acces_soins,1.5"),
        r"resultats\.csv, ligne 576, colonne taux_atteinte : taux d'atteinte hors de 0–1",
    ),
    Case(
        "negative-amount",
        _append("montants.csv", "ARA-01-01,1,acces_soins,fixe,-5"),
        r"montants\.csv, ligne 19, colonne montant : montant négatif",
    ),
    Case(
        "empty-cpts",
        _append("cpts.csv", "ARA-99-01,CPTS vide,42,,projet"),
        r"cpts\.csv, ligne 58, colonne cpts_id : CPTS sans commune",
    ),
    Case(
        "unknown-department",
        _edit_csv("cpts.csv", "Burgien,01,", "Burgien,1,"),
        r"cpts\.csv, ligne 2, colonne departement : département inconnu",
    ),
    Case(
        "indicator-unknown-commune",
        _indicators("99999,medecins,3\n"),
        r"indicateurs\.csv, ligne 4, colonne code_commune : code commune inconnu : « 99999 »",
    ),
    Case(
        "indicator-lost-leading-zero",
        _indicators("1004,medecins,3\n"),
        r"indicateurs\.csv, ligne 4, colonne code_commune : .*01004",
    ),
    Case(
        "indicator-not-a-number",
        _indicators("42005,medecins,beaucoup\n"),
        r"indicateurs\.csv, ligne 4, colonne valeur : valeur non numérique : « beaucoup »",
    ),
    Case(
        "indicator-empty-value",
        _indicators("42005,medecins,\n"),
        r"indicateurs\.csv, ligne 4, colonne valeur : valeur obligatoire vide",
    ),
    Case(
        "indicator-not-in-catalogue",
        _indicators("42005,infirmiers,3\n"),
        r"indicateurs\.csv, ligne 4, colonne indicateur : indicateur inconnu : « infirmiers » "
        r"n'est pas décrit dans catalogue_indicateurs\.csv",
    ),
    Case(
        "indicator-without-catalogue",
        _indicators(catalogue=None),
        r"indicateurs\.csv, ligne 2, colonne indicateur : indicateur inconnu : .*absent",
    ),
    Case(
        "indicator-twice",
        _indicators("42218,medecins,4\n"),
        r"indicateurs\.csv, ligne 4, colonne indicateur : ligne en double : .*ligne 2",
    ),
    Case(
        "indicator-unknown-aggregation",
        _indicators(catalogue=CATALOGUE.replace("moyenne_ponderee_population", "moyenne")),
        r"catalogue_indicateurs\.csv, ligne 3, colonne agregation : agrégation inconnue : "
        r"« moyenne » \(agrégations : somme, moyenne_ponderee_population\)",
    ),
    Case(
        "indicator-reserved-name",
        _indicators(catalogue=CATALOGUE + "densite,Densité,hab./km²,somme\n"),
        r"catalogue_indicateurs\.csv, ligne 4, colonne indicateur : identifiant réservé",
    ),
    Case(
        "indicator-missing-column",
        _indicators(catalogue=CATALOGUE.replace(",agregation", ",calcul")),
        r"catalogue_indicateurs\.csv, ligne 1, colonne agregation : colonne obligatoire absente",
    ),
]


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    target = tmp_path / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, target)
    return target


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.out, captured.err


def _nothing_written(folder: Path) -> None:
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize("case", REGISTRY_CASES, ids=lambda c: c.id)
def test_bad_registry_csv(capsys, registry, tmp_path, case):
    case.edit(registry)
    code, _, err = _run(capsys, "validate", str(registry))
    assert code == EXIT_DATA
    assert any(re.search(case.message, line) for line in err.splitlines()), err
    out = tmp_path / "out"
    code, _, err = _run(
        capsys, "report", "--territory", "42", "--registry", str(registry), "--out", str(out)
    )
    assert code == EXIT_DATA and "cpts-analysis: erreur" in err
    _nothing_written(out)


def _to_workbook(folder: Path, target: Path) -> Path:
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name in TABLES:
            path = folder / f"{name}.csv"
            if path.exists():
                pd.read_csv(path, dtype=str, keep_default_na=False).to_excel(
                    writer, sheet_name=name, index=False
                )
    return target


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in REGISTRY_CASES
        if c.id
        in {
            "unknown-insee",
            "duplicate-cpts",
            "missing-file",
            "rate-above-one",
            "indicator-not-a-number",
            "indicator-unknown-aggregation",
        }
    ],
    ids=lambda c: c.id,
)
def test_bad_registry_xlsx(capsys, registry, tmp_path, case):
    case.edit(registry)
    workbook = _to_workbook(registry, tmp_path / "registre.xlsx")
    code, _, err = _run(capsys, "territories", str(workbook))
    assert code == EXIT_DATA
    sheet = case.message.split(r"\.csv")[0]
    assert f"registre.xlsx, feuille {sheet}" in err, err


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda text: text.encode("utf-16"),  # Excel's « Texte Unicode »
        lambda text: text.replace(",", "\t").encode("utf-8"),  # tab-separated
        lambda text: text.replace(",2023-02-27,", ",2023-02-27 00:00:00,").encode("utf-8"),
    ],
    ids=["utf-16", "tab-separated", "date-at-midnight"],
)
def test_real_file_variants_are_read(capsys, registry, rewrite):
    path = registry / "cpts.csv"
    path.write_bytes(rewrite(path.read_text("utf-8")))
    code, out, _ = _run(capsys, "validate", str(registry))
    assert code == 0 and "0 erreur(s), 0 avertissement(s)" in out


def test_sheet_names_differing_by_case_are_read(capsys, tmp_path):
    import openpyxl

    book = tmp_path / "registre.xlsx"
    _to_workbook(EXAMPLE_REGISTRY, book)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["cpts"]
    sheet.title = "provisoire"
    sheet.title = "CPTS"
    workbook.save(book)
    code, out, _ = _run(capsys, "validate", str(book))
    assert code == 0 and "0 erreur(s)" in out


def test_huge_registry_fails_cleanly(capsys, tmp_path):
    """200 000 memberships of unknown communes: every problem counted, output capped, no crash."""
    folder = tmp_path / "enorme"
    folder.mkdir()
    (folder / "cpts.csv").write_text(
        "cpts_id,nom,departement,date_signature,statut\nA,CPTS A,42,,projet\n", encoding="utf-8"
    )
    rows = "\n".join(f"A,{90000 + i % 9999:05d}" for i in range(200_000))
    (folder / "communes.csv").write_text(f"cpts_id,code_commune\n{rows}\n", encoding="utf-8")
    (folder / "missions.csv").write_text("cpts_id,mission,date_demarrage\n", encoding="utf-8")
    code, _, err = _run(capsys, "validate", str(folder))
    assert code == EXIT_DATA
    assert len(err.splitlines()) < 400 and "autres" in err


# --- legal parameter files, through the CLI of a user pointing at an edited copy ---------------

YAML_CASES = [
    (
        "unknown-key",
        "montants/parcours.yaml",
        "    nature: variable\n",
        "    nature: variable\n    plafond: 3\n",
        r"parcours\.yaml, clé components\.variable\.plafond",
    ),
    (
        "negative",
        "montants/qualite.yaml",
        "taille_1: 7500",
        "taille_1: -7500",
        r"qualite\.yaml, clé components\.fixe\.values\.2019-08-25\.taille_1",
    ),
    (
        "text-amount",
        "montants/prevention.yaml",
        "taille_2: 15000",
        "taille_2: 15 000 euros",
        r"prevention\.yaml, clé components\.fixe\.values\.2019-08-25\.taille_2",
    ),
    (
        "overlap",
        "rule_sets.yaml",
        "    from: 2022-04-01\n",
        "    from: 2022-04-01\n    until: 2021-01-01\n",
        r"rule_sets\.yaml, clé rule_sets\.avenant_2",
    ),
    (
        "missing-source",
        "paiement.yaml",
        "    status: confirmed\n    source: >-",
        "    status: confirmed\n    origine: >-",
        r"paiement\.yaml, clé values\.2019-08-25\.source",
    ),
]


@pytest.mark.parametrize(
    ("name", "file", "old", "new", "message"), YAML_CASES, ids=[c[0] for c in YAML_CASES]
)
def test_bad_parameter_files(tmp_path, name, file, old, new, message):
    parameters = tmp_path / "parameters"
    shutil.copytree(PARAMETERS_DIR, parameters)
    path = parameters / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cpts_analysis", "funding", "--population", "52000"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CPTS_PARAMETERS_DIR": str(parameters)},
    )
    assert result.returncode == EXIT_USAGE and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert re.search(message, result.stderr), result.stderr


# --- notebook parameters: refused by the runner or by the notebook's own validation cell -------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"territoire": "84", "date_reference": "01/06/25"}, "date_reference"),
        ({"territoire": "../../x"}, "territoire"),
        ({"territoire": "99", "date_reference": "2025-06-01"}, "ni un département"),
    ],
    ids=["date-format", "traversal-code", "unknown-territory"],
)
def test_bad_notebook_parameters(tmp_path, parameters, message):
    from cpts_analysis.runner.execute import run_report

    out = tmp_path / "out"
    try:
        result = run_report(
            NOTEBOOKS_DIR / "comparaison_territoriale.ipynb", parameters, out, 120, slug="cas"
        )
    except Exception as refused:  # refused before any kernel starts
        assert message in str(refused) or "dossier" in str(refused)
        _nothing_written(out)
        return
    assert not result.ok and message in f"{result.error}"
    assert result.error.cell is not None
    assert not list(out.rglob("report.html"))


def test_unknown_notebook_parameter_refused(tmp_path):
    from cpts_analysis.runner.errors import ReportInputError
    from cpts_analysis.runner.execute import run_report

    with pytest.raises(ReportInputError, match="territoir"):
        run_report(
            NOTEBOOKS_DIR / "comparaison_territoriale.ipynb",
            {"territoir": "84"},
            tmp_path / "out",
            60,
        )
    _nothing_written(tmp_path / "out")


# --- CLI arguments ------------------------------------------------------------------------------

ARGUMENT_CASES = [
    (["schedule", "--population", "5", "--signed", "9999-12-31"], "hors des années 1900 à 2199"),
    (["schedule", "--population", "5", "--signed", "2099-01-01"], "au plus 5 ans après"),
    (["funding", "--population", "5", "--date", "31/12/9999"], "hors des années 1900 à 2199"),
    (["tier", "-5"], "population"),
    (["tier", "12.5"], "population"),
    (["funding", "--population", "5", "--achievement", "1.5"], "--achievement"),
    (["funding", "--population", "5", "--date", "2020-13-01"], "--date"),
    (["funding", "--population", "5", "--missions", "acces,parcours"], "acces"),
    (["funding", "--population", "5", "--date", "2019-01-01"], "aucune règle"),
    (["funding", "--population", "5", "--contract-year", "11"], "année de contrat"),
    (["funding", "--format", "xml", "--population", "5"], "--format"),
    (["schedule", "--population", "5", "--signed", "2020-02-30"], "--signed"),
    (
        ["schedule", "--population", "5", "--signed", "2020-01-01", "--mission", "acces_soins"],
        "MISSION=JJ/MM/AAAA",
    ),
    (
        [
            "schedule",
            "--population",
            "5",
            "--signed",
            "2020-01-01",
            "--mission",
            "acces_soins=2019-12-01",
        ],
        "avant la signature",
    ),
    (["report", "--territory", "../../x"], "../../x"),
    (["report", "--territory", "42", "--notebook", "inexistant"], "modèle de rapport inconnu"),
    (["report", "--territory", "42", "--registry", "/nulle/part"], "registre introuvable"),
    (["batch", "--by", "commune"], "--by"),
    (["batch", "--by", "departement", "--workers", "0"], "--workers"),
]


@pytest.mark.parametrize(
    ("argv", "message"), ARGUMENT_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_bad_arguments(capsys, tmp_path, argv, message):
    out = tmp_path / "out"
    try:
        code = main([*argv, *(["--out", str(out)] if argv[0] in ("report", "batch") else [])])
    except SystemExit as exited:
        code = exited.code
    captured = capsys.readouterr()
    assert code == EXIT_USAGE and captured.out == ""
    assert message in captured.err and "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    _nothing_written(out)
