"""The CPTS registry: format, every validation rule, the shipped example, template, scale.

``tests/fixtures/registre_casse/`` is a small hand-made registry that breaks every rule once;
each case below names the exact file, row (as a spreadsheet shows it), column and wording.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cpts_analysis.aci.rules import rule_sets
from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.paths import DATA_DIR
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.registry import (
    MAX_PER_RULE,
    TABLES,
    load_registry,
    validate_registry,
    write_template,
)

BROKEN = Path(__file__).parent / "fixtures" / "registre_casse"
EXAMPLE = DATA_DIR / "exemple_ara"
AVENANT_2 = format_date(next(r.start for r in rule_sets() if r.id == "avenant_2"))
FIRST_ACI = format_date(rule_sets()[0].start)

# (file, row, column, severity, words the message must contain)
CASES = {
    "colonne inconnue": ("cpts.csv", 1, "remarque", "warning", ["colonne inconnue"]),
    "valeur vide": ("cpts.csv", 5, "nom", "error", ["valeur obligatoire vide"]),
    "valeur vide (code)": ("communes.csv", 12, "code_commune", "error", ["obligatoire vide"]),
    "valeur vide (date)": ("missions.csv", 9, "date_demarrage", "error", ["obligatoire vide"]),
    "cpts_id en double": ("cpts.csv", 4, "cpts_id", "error", ["en double", "C01", "ligne 2"]),
    "département inconnu": ("cpts.csv", 5, "departement", "error", ["inconnu", "« 99 »"]),
    "date impossible": ("cpts.csv", 5, "date_signature", "error", ["impossible", "2023-02-30"]),
    "date impossible JJ/MM": (
        "missions.csv",
        8,
        "date_demarrage",
        "error",
        ["impossible", "31/02/2022"],
    ),
    "signée sans date": ("cpts.csv", 6, "date_signature", "error", ["manquante", "signe"]),
    "non signée avec date": ("cpts.csv", 7, "date_signature", "error", ["non signée", "projet"]),
    "date mal formée": ("cpts.csv", 9, "date_signature", "error", ["mal formée", "2021/05/03"]),
    "date mal formée (mission)": (
        "missions.csv",
        12,
        "date_demarrage",
        "error",
        ["mal formée", "01-07-2021", "JJ/MM/AAAA"],
    ),
    "statut inconnu": ("cpts.csv", 10, "statut", "error", ["statut inconnu", "actif", "signe"]),
    "département des communes": (
        "cpts.csv",
        11,
        "departement",
        "warning",
        ["69 déclaré", "2 commune(s) sur 3", "dans le 42"],
    ),
    "CPTS sans commune": ("cpts.csv", 12, "cpts_id", "error", ["sans commune", "C10"]),
    "signature avant le premier ACI": (
        "cpts.csv",
        14,
        "date_signature",
        "error",
        ["premier ACI", FIRST_ACI],
    ),
    "commune en double": (
        "communes.csv",
        4,
        "code_commune",
        "error",
        ["en double dans la CPTS", "42187", "ligne 2"],
    ),
    "commune dans deux CPTS": (
        "communes.csv",
        5,
        "code_commune",
        "error",
        ["deux CPTS", "42218", "« C01 »", "ligne 3"],
    ),
    "code commune inconnu": ("communes.csv", 6, "code_commune", "error", ["inconnu", "99999"]),
    "zéro initial perdu": ("communes.csv", 17, "code_commune", "error", ["inconnu", "« 01004 »"]),
    "CPTS inconnue (communes)": ("communes.csv", 7, "cpts_id", "error", ["inconnue", "CXX"]),
    "CPTS inconnue (missions)": ("missions.csv", 10, "cpts_id", "error", ["inconnue", "CYY"]),
    "ville et arrondissement": (
        "communes.csv",
        10,
        "code_commune",
        "error",
        ["69381", "arrondissement de 69123", "ligne 11", "C11", "deux fois"],
    ),
    "mission avant la signature": (
        "missions.csv",
        3,
        "date_demarrage",
        "error",
        ["avant la signature", "01/01/2020", "15/03/2020"],
    ),
    "mission en double": ("missions.csv", 4, "mission", "error", ["en double", "ligne 2"]),
    "mission inconnue": ("missions.csv", 5, "mission", "error", ["inconnue", "teleconsultation"]),
    "crise sanitaire avant l'avenant 2": (
        "missions.csv",
        6,
        "date_demarrage",
        "error",
        ["crise_sanitaire", "01/12/2021", f"n'existe qu'à partir du {AVENANT_2}"],
    ),
    "mission sans signature": (
        "missions.csv",
        7,
        "cpts_id",
        "warning",
        ["C06", "pas de date de signature"],
    ),
    "taux hors de 0–1": ("resultats.csv", 3, "taux_atteinte", "error", ["hors de 0–1", "1.2"]),
    "taux non numérique": ("resultats.csv", 4, "taux_atteinte", "error", ["non numérique"]),
    "année au-delà du contrat": (
        "resultats.csv",
        5,
        "annee_contrat",
        "error",
        ["hors du contrat", "6", "5 ans"],
    ),
    "année non entière": ("resultats.csv", 6, "annee_contrat", "error", ["non entière", "deux"]),
    "résultat d'une mission non déclarée": (
        "resultats.csv",
        7,
        "mission",
        "error",
        ["non déclarée", "prevention"],
    ),
    "mission inconnue (résultats)": (
        "resultats.csv",
        8,
        "mission",
        "error",
        ["inconnue", "vaccination"],
    ),
    "résultat en double": ("resultats.csv", 9, "mission", "error", ["en double", "ligne 2"]),
    "montant négatif": ("montants.csv", 3, "montant", "error", ["négatif", "-100"]),
    "montant d'une mission non déclarée": (
        "montants.csv",
        4,
        "mission",
        "error",
        ["non déclarée", "prevention"],
    ),
    "composante inconnue": (
        "montants.csv",
        5,
        "composante",
        "error",
        ["inconnue", "bonus", "snp_compensation"],
    ),
    "montant non numérique": ("montants.csv", 6, "montant", "error", ["non numérique", "mille"]),
    "année 0": ("montants.csv", 7, "annee_contrat", "error", ["hors du contrat", "0"]),
    "mission inconnue (montants)": (
        "montants.csv",
        8,
        "mission",
        "error",
        ["inconnue", "soins_non_programmes", "fonctionnement"],
    ),
    "montant en double": ("montants.csv", 9, "composante", "error", ["en double", "ligne 3"]),
}


@pytest.fixture(scope="module")
def broken() -> list[Problem]:
    return validate_registry(BROKEN)


def at(problems: list[Problem], file: str, row: int | None, column: str | None) -> list[Problem]:
    return [p for p in problems if (p.file, p.row, p.field) == (file, row, column)]


def copy_broken(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BROKEN, tmp_path / "registre"))


def to_workbook(folder: Path, path: Path, skip: tuple[str, ...] = ()) -> Path:
    """The CSV registry as a workbook whose cells are all text (as a user would type codes)."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name in TABLES:
            file = folder / f"{name}.csv"
            if file.is_file() and name not in skip:
                frame = pd.read_csv(file, dtype=str, keep_default_na=False)
                frame.to_excel(writer, sheet_name=name, index=False)
    return path


def snapshot(path: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# --- One case per rule -----------------------------------------------------------------------


@pytest.mark.parametrize("rule", list(CASES))
def test_rule(broken: list[Problem], rule: str) -> None:
    file, row, column, severity, words = CASES[rule]
    found = [p for p in at(broken, file, row, column) if all(w in p.message for w in words)]
    assert found, f"{rule}: nothing at {file} ligne {row} colonne {column} in\n" + "\n".join(
        map(str, at(broken, file, row, None))
    )
    assert found[0].severity == severity


def test_no_other_problem_in_the_broken_registry(broken: list[Problem]) -> None:
    """Valid rows (French date, decimal comma, ``50 000,00``) raise nothing: no noise."""
    expected = {(file, row, column) for file, row, column, *_ in CASES.values()}
    assert {(p.file, p.row, p.field) for p in broken} == expected


def test_problems_are_sorted_by_file_then_row(broken: list[Problem]) -> None:
    order = [f"{name}.csv" for name in TABLES]
    keys = [(order.index(p.file), p.row) for p in broken]
    assert keys == sorted(keys)


def test_load_raises_every_problem_at_once(broken: list[Problem]) -> None:
    with pytest.raises(InputError) as raised:
        load_registry(BROKEN)
    assert raised.value.problems == broken
    assert "cpts.csv, ligne 4, colonne cpts_id : cpts_id en double" in str(raised.value)


def test_overlap_allowed_is_a_warning() -> None:
    problems = validate_registry(BROKEN, allow_overlap=True)
    (shared,) = [p for p in at(problems, "communes.csv", 5, "code_commune")]
    assert "deux CPTS" in shared.message and shared.severity == "warning"
    (arrondissement,) = at(problems, "communes.csv", 10, "code_commune")
    assert arrondissement.severity == "error"  # a city and its arrondissement: never allowed


def test_missing_file(tmp_path: Path) -> None:
    folder = copy_broken(tmp_path)
    (folder / "missions.csv").unlink()
    (folder / "resultats.csv").unlink()  # optional: no problem of its own
    problems = validate_registry(folder)
    (missing,) = at(problems, "missions.csv", None, None)
    assert "fichier absent" in missing.message and "communes.csv" in missing.message
    assert not [p for p in problems if p.file == "resultats.csv"]


def test_missing_sheet(tmp_path: Path) -> None:
    book = to_workbook(BROKEN, tmp_path / "registre.xlsx", skip=("communes",))
    problems = validate_registry(book)
    (missing,) = at(problems, "registre.xlsx, feuille communes", None, None)
    assert "feuille absente" in missing.message and "cpts" in missing.message


def test_missing_column(tmp_path: Path) -> None:
    folder = copy_broken(tmp_path)
    cpts = pd.read_csv(folder / "cpts.csv", dtype=str, keep_default_na=False)
    cpts.drop(columns="statut").to_csv(folder / "cpts.csv", index=False)
    problems = validate_registry(folder)
    (missing,) = at(problems, "cpts.csv", 1, "statut")
    assert missing.message == "colonne obligatoire absente"
    assert at(problems, "cpts.csv", 4, "cpts_id")  # the other checks still ran


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    folder = copy_broken(tmp_path)
    lines = (folder / "resultats.csv").read_text().splitlines()
    lines[2:2] = ["", ",,,"]  # an empty line and Excel's empty separators, before row 3
    (folder / "resultats.csv").write_text("\n".join(lines) + "\n")
    problems = validate_registry(folder)
    assert at(problems, "resultats.csv", 5, "taux_atteinte")  # was row 3
    assert not at(problems, "resultats.csv", 3, "cpts_id")


def test_ragged_line_and_bad_encoding(tmp_path: Path) -> None:
    folder = copy_broken(tmp_path)
    with (folder / "montants.csv").open("a") as handle:
        handle.write("C01,1,fonctionnement,fonctionnement,10,en trop\n")
    (folder / "resultats.csv").write_bytes(
        b"cpts_id,annee_contrat,mission,taux_atteinte\n" + "C01,1,accès,0.5\n".encode("latin-1")
    )
    problems = validate_registry(folder)
    (ragged,) = at(problems, "montants.csv", 10, None)
    assert ragged.message == "6 valeurs pour 5 colonnes"
    (encoding,) = at(problems, "resultats.csv", None, None)
    assert "UTF-8" in encoding.message


def test_not_a_registry(tmp_path: Path) -> None:
    (problem,) = validate_registry(tmp_path / "absent")
    assert "introuvable" in problem.message
    text = tmp_path / "registre.txt"
    text.write_text("x")
    (problem,) = validate_registry(text)
    assert "ni dossier de CSV ni classeur" in problem.message
    fake = tmp_path / "faux.xlsx"
    fake.write_text("pas un classeur")
    (problem,) = validate_registry(fake)
    assert problem.file == "faux.xlsx" and "illisible" in problem.message


def test_workbook_reports_the_same_problems_by_sheet(tmp_path: Path, broken: list[Problem]) -> None:
    problems = validate_registry(to_workbook(BROKEN, tmp_path / "registre.xlsx"))
    sheet = {f"registre.xlsx, feuille {name}": f"{name}.csv" for name in TABLES}
    assert [(sheet[p.file], p.row, p.field, p.severity) for p in problems] == [
        (p.file, p.row, p.field, p.severity) for p in broken
    ]


def test_workbook_typed_cells(tmp_path: Path) -> None:
    """Cells Excel typed as dates and numbers are read as the text a CSV would hold."""
    path = tmp_path / "registre.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    rows = {
        "cpts": [["X1", "CPTS X", "01", dt.datetime(2021, 3, 1), "signe"]],
        "communes": [["X1", 1004], ["X1", "01053"]],
        "missions": [["X1", "acces_soins", dt.date(2021, 6, 1)]],
        "resultats": [["X1", 1.0, "acces_soins", 0.85]],
    }
    for name, values in rows.items():
        sheet = book.create_sheet(name)
        sheet.append(list(TABLES[name].columns))
        for row in values:
            sheet.append(row)
    book.save(path)
    problems = validate_registry(path)
    assert [(p.row, p.field) for p in problems] == [(2, "code_commune")]
    assert "« 01004 »" in problems[0].message  # 01004 typed as a number lost its zero
    book = openpyxl.load_workbook(path)
    book["communes"].delete_rows(2)
    book.save(path)
    registry = load_registry(path)
    assert registry.cpts["date_signature"].iloc[0] == pd.Timestamp("2021-03-01")
    assert registry.resultats[["annee_contrat", "taux_atteinte"]].iloc[0].tolist() == [1, 0.85]


# --- Formats ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    return load_registry(EXAMPLE)


def assert_same_registry(left, right) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name))


def test_workbook_loads_like_the_csv_folder(tmp_path: Path, example) -> None:
    book = load_registry(to_workbook(EXAMPLE, tmp_path / "exemple.xlsx"))
    assert_same_registry(book, example)


def test_semicolon_bom_and_decimal_comma(tmp_path: Path, example) -> None:
    """Excel's French CSV: BOM, ``;`` separator, decimal comma."""
    folder = tmp_path / "excel"
    folder.mkdir()
    for name in TABLES:
        if not (EXAMPLE / f"{name}.csv").is_file():  # optional tables the example leaves out
            continue
        frame = pd.read_csv(EXAMPLE / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in ("taux_atteinte", "montant"):
            if column in frame:
                frame[column] = frame[column].str.replace(".", ",")
        frame.to_csv(folder / f"{name}.csv", sep=";", index=False, encoding="utf-8-sig")
    assert (folder / "cpts.csv").read_bytes().startswith(b"\xef\xbb\xbfcpts_id;nom;")
    assert_same_registry(load_registry(folder), example)


def test_parsed_types(example) -> None:
    assert str(example.cpts["date_signature"].dtype).startswith("datetime64")
    unsigned = example.cpts["statut"] != "signe"
    assert example.cpts.loc[unsigned, "date_signature"].isna().all()
    assert example.cpts.loc[~unsigned, "date_signature"].notna().all()
    assert example.resultats["annee_contrat"].dtype == "int64"
    assert example.montants["montant"].dtype == "float64"
    assert (example.communes["code_commune"].str.len() == 5).all()
    assert list(example.cpts.columns) == list(TABLES["cpts"].columns)


def test_absent_optional_tables_are_empty_frames(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(EXAMPLE, tmp_path / "r"))
    (folder / "resultats.csv").unlink()
    (folder / "montants.csv").unlink()
    registry = load_registry(folder)
    assert registry.resultats.empty and list(registry.resultats.columns) == list(
        TABLES["resultats"].columns
    )
    assert registry.montants["montant"].dtype == "float64"


# --- The shipped example -----------------------------------------------------------------------


def test_example_validates_cleanly() -> None:
    assert validate_registry(EXAMPLE) == []


def test_example_shape(example) -> None:
    cpts = example.cpts
    assert 30 <= len(cpts) <= 60
    assert sorted(cpts["departement"].unique()) == [
        "01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"
    ]  # fmt: skip
    assert set(cpts["statut"]) == {"signe", "projet", "pre-projet"}
    signed = cpts["date_signature"].dropna()
    assert signed.min() >= pd.Timestamp("2019-09-01") and signed.max() <= pd.Timestamp("2024-12-31")
    unsigned = cpts.loc[cpts["statut"] != "signe", "cpts_id"]
    assert not example.missions["cpts_id"].isin(unsigned).any()
    crisis = example.missions[example.missions["mission"] == "crise_sanitaire"]
    assert (crisis["date_demarrage"] >= pd.Timestamp("2022-04-01")).all()
    assert example.resultats["taux_atteinte"].nunique() > 20
    assert 0 < len(example.montants) < 30


def test_example_tiers_and_white_zones(example) -> None:
    communes = load_communes(region="84").set_index("code")
    codes = example.communes["code_commune"]
    assert not (codes == "69123").any()  # Lyon is drawn by arrondissement only
    population = codes.map(communes["population"]).groupby(example.communes["cpts_id"]).sum()
    tiers = pd.cut(population, [0, 39_999, 79_999, 175_000, np.inf], labels=[1, 2, 3, 4])
    assert set(tiers) == {1, 2, 3, 4}
    covered = communes[communes.index.isin(codes)]
    for dep in example.cpts["departement"].unique():
        assert (communes["dep"] == dep).sum() > (covered["dep"] == dep).sum()


def test_example_readme_says_illustrative() -> None:
    text = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert "ILLUSTRATIF" in text and "PAS la liste officielle" in text
    assert "scripts/build_example_registry.py" in text


def test_example_build_is_reproducible(tmp_path: Path) -> None:
    """The script rebuilds the shipped example byte for byte (fixed plan, seed and order)."""
    script = Path(__file__).parents[1] / "scripts" / "build_example_registry.py"
    out = tmp_path / "exemple_ara"
    subprocess.run([sys.executable, script, "--out", out], check=True, capture_output=True)
    shipped = {p.relative_to(EXAMPLE): b for p, b in snapshot(EXAMPLE).items()}
    assert {p.relative_to(out): b for p, b in snapshot(out).items()} == shipped
    assert [p.name for p in tmp_path.iterdir()] == ["exemple_ara"]  # no temporary left behind


# --- Template --------------------------------------------------------------------------------


def test_template_round_trip(tmp_path: Path) -> None:
    target = write_template(tmp_path / "modele")
    (problem,) = validate_registry(target)
    assert "aucune CPTS" in problem.message and problem.severity == "error"
    assert [p.name for p in tmp_path.iterdir()] == ["modele"]  # no temporary left behind


def test_template_workbook_example_rows_pass_validation(tmp_path: Path) -> None:
    """A blank workbook holds one example row per sheet, consistent with one another."""
    target = write_template(tmp_path / "modele.xlsx")
    assert validate_registry(target) == []
    assert [p.name for p in tmp_path.iterdir()] == ["modele.xlsx"]


def test_template_headers(tmp_path: Path) -> None:
    folder = write_template(tmp_path / "modele")
    assert (folder / "cpts.csv").read_text() == ("cpts_id,nom,departement,date_signature,statut\n")
    expected = sorted(f"{n}.csv" for n, spec in TABLES.items() if spec.template)
    assert sorted(p.name for p in folder.iterdir()) == expected


def test_template_into_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "vide").mkdir()
    assert (write_template(tmp_path / "vide") / "missions.csv").is_file()


def test_template_never_overwrites(tmp_path: Path) -> None:
    folder = copy_broken(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="n'est pas vide"):
        write_template(folder)
    book = tmp_path / "registre.xlsx"
    book.write_bytes(b"contenu")
    with pytest.raises(InputError, match="n'est pas vide"):
        write_template(book)
    with pytest.raises(InputError, match="dossier absent"):
        write_template(tmp_path / "absent" / "modele")
    assert snapshot(tmp_path) == {**before, book: b"contenu"}


def test_nothing_written_when_validating_or_loading(tmp_path: Path) -> None:
    folder = copy_broken(tmp_path)
    before = snapshot(tmp_path)
    validate_registry(folder)
    with pytest.raises(InputError):
        load_registry(folder)
    assert snapshot(tmp_path) == before


# --- Scale -----------------------------------------------------------------------------------


def test_200_000_rows(tmp_path: Path) -> None:
    """Vectorised checks on a large registry; each rule lists 50 rows then counts the rest."""
    rng = np.random.default_rng(0)
    codes = load_communes()["code"].to_numpy()
    n_cpts, n_rows = 2_000, 200_000
    ids = np.array([f"C{i:04d}" for i in range(n_cpts)])
    folder = tmp_path / "gros"
    folder.mkdir()
    pd.DataFrame(
        {
            "cpts_id": ids,
            "nom": "CPTS",
            "departement": "42",
            "date_signature": "2021-01-01",
            "statut": "signe",
        }
    ).to_csv(folder / "cpts.csv", index=False)
    communes = pd.DataFrame(
        {"cpts_id": rng.choice(ids, n_rows), "code_commune": rng.choice(codes, n_rows)}
    )
    communes.to_csv(folder / "communes.csv", index=False)
    pd.DataFrame(
        {"cpts_id": np.repeat(ids, 3), "mission": ["acces_soins", "parcours", "inconnue"] * n_cpts}
    ).assign(date_demarrage="2021-06-01").to_csv(folder / "missions.csv", index=False)

    problems = validate_registry(folder)

    distinct = communes.drop_duplicates()
    shared = len(distinct) - distinct["code_commune"].nunique()
    tail = [p for p in problems if p.row is None and "commune dans deux CPTS" in p.message]
    assert [p.message for p in tail] == [
        f"… et {shared - MAX_PER_RULE} autres lignes : commune dans deux CPTS"
    ]
    listed = [p for p in problems if p.message.startswith("commune dans deux CPTS")]
    assert len(listed) == MAX_PER_RULE
    unknown = [p for p in problems if p.file == "missions.csv" and p.row is None]
    assert [p.message for p in unknown] == [
        f"… et {n_cpts - MAX_PER_RULE} autres lignes : mission inconnue"
    ]
    assert len(problems) < 20 * (MAX_PER_RULE + 1)
