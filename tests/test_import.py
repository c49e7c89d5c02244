"""``cpts-analysis import``: a flat CPTS list (CPTS × commune) to a registry.

No real published CPTS list with its communes could be reached offline (see the report of
issue 8), so the lists below are built here from real commune names and codes of
Provence-Alpes-Côte d'Azur and Auvergne-Rhône-Alpes, in the shapes real lists take: pre-merger
codes, names with typos, missing accents, ``St``, arrondissement spellings, a department hint,
a name broken by a bad encoding, Nice split between three CPTS and Toulon between two, and the
city code of Marseille listed beside each CPTS's arrondissements. The CPTS names are invented.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpts_analysis.cli import main
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.importing import CommuneMatcher, import_flat_table, name_key
from cpts_analysis.territory.registry import load_registry, validate_registry

EXIT_DATA, EXIT_USAGE = 1, 2

# (CPTS, commune code, department): current codes and codes from before a merger.
BY_CODE = [
    ("CPTS Nice Ouest", "06088", "06"),
    ("CPTS Nice Centre", "06088", "06"),
    ("CPTS Nice Est", "06088", "06"),
    ("CPTS Nice Est", "06059", "06"),  # Èze
    ("CPTS Toulon Ouest", "83137", "83"),
    ("CPTS Toulon Ouest", "83126", "83"),  # La Seyne-sur-Mer
    ("CPTS Toulon Est", "83137", "83"),
    ("CPTS Toulon Est", "83144", "83"),  # La Valette-du-Var
    ("CPTS Marseille Nord", "13055", "13"),
    ("CPTS Marseille Nord", "13213", "13"),
    ("CPTS Marseille Nord", "13214", "13"),
    ("CPTS Marseille Centre", "13055", "13"),
    ("CPTS Marseille Centre", "13201", "13"),
    ("CPTS Marseille Centre", "13202", "13"),
    ("CPTS du Gapençais", "05061", "05"),  # Gap
    ("CPTS du Gapençais", "05069", "05"),  # Lagrand → Garde-Colombe (05053)
    ("CPTS du Gapençais", "05105", "05"),  # Pomet → Val Buëch-Méouge (05118)
    ("CPTS Asse Bléone", "04070", "04"),  # Digne-les-Bains
    ("CPTS Asse Bléone", "04002", "04"),  # Ainac → La Robine-sur-Galabre (04167)
    ("CPTS Asse Bléone", "04213", "04"),  # Tanaron → same commune as Ainac: merged
    ("CPTS Loire Sud", "42024", "42"),  # Bouthéon → Andrézieux-Bouthéon (42005)
    ("CPTS Loire Sud", "42111", "42"),  # Izieux → Saint-Chamond (42207)
    ("CPTS Loire Sud", "42207", "42"),  # Saint-Chamond itself: Izieux merged into it
    ("CPTS Annecy", "74011", "74"),  # Annecy-le-Vieux → Annecy (74010)
]
FORMER = {
    "05069": "05053",
    "05105": "05118",
    "04002": "04167",
    "04213": "04167",
    "42024": "42005",
    "42111": "42207",
    "74011": "74010",
}

# The same CPTS given by names as people type them; the last two rows cannot be resolved.
BY_NAME = [
    ("CPTS Nice Ouest", "Nice", "06"),
    ("CPTS Nice Centre", "NICE", "06"),
    ("CPTS Nice Est", "nice", "06"),
    ("CPTS Nice Est", "Ãˆze", "06"),  # "Èze" written in UTF-8, read as Windows-1252
    ("CPTS Toulon Ouest", "Toulon", "83"),
    ("CPTS Toulon Ouest", "La Seyne sur Mer", "83"),
    ("CPTS Toulon Est", "toulon", "83"),
    ("CPTS Toulon Est", "la valette du var", "83"),
    ("CPTS Marseille Nord", "Marseille", "13"),
    ("CPTS Marseille Nord", "Marseille 13e arrondissement", "13"),
    ("CPTS Marseille Nord", "marseille 14eme", "13"),
    ("CPTS Marseille Centre", "Marseille", "13"),
    ("CPTS Marseille Centre", "Marseille 1er", "13"),
    ("CPTS Marseille Centre", "Marseille IIe", "13"),
    ("CPTS du Gapençais", "Gap", "05"),
    ("CPTS du Gapençais", "Lagrand", "05"),  # former commune, now in Garde-Colombe
    ("CPTS du Gapençais", "Ribiers", "05"),  # commune déléguée of Val Buëch-Méouge
    ("CPTS Asse Bléone", "Digne-les-Bains", "04"),
    ("CPTS Asse Bléone", "Aiglun (04)", ""),  # department hint in the name
    ("CPTS Loire Sud", "Andrézieux-Bouthéon", "42"),
    ("CPTS Loire Sud", "St-Chamond", "42"),
    ("CPTS Loire Sud", "saint etienne", "42"),
    ("CPTS Annecy", "Annecy-le-Vieux", "74"),
    ("CPTS Golfe", "Saint-Tropes", "83"),  # typo: candidates, never a guess
    ("CPTS Golfe", "Aiglun", ""),  # two Aiglun (04 and 06), no department: ambiguous
]


def write_csv(path: Path, rows, header=("CPTS", "Code INSEE", "Département"), **options) -> Path:
    sep, encoding = options.get("sep", ","), options.get("encoding", "utf-8")
    lines = [sep.join(header)] + [sep.join(row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def test_pre_merger_codes_import_with_every_old_code_reported(tmp_path, capsys):
    source = write_csv(tmp_path / "liste.csv", BY_CODE, sep=";", encoding="utf-8-sig")
    out = tmp_path / "registre"
    code, stdout, err = run(capsys, "import", str(source), str(out), "--format", "json")
    assert code == 0, err
    report = json.loads(stdout)
    assert set(report) == {
        "cpts",
        "communes",
        "historical",
        "by_name",
        "history_names",
        "unresolved",
        "shared",
        "statuts",
        "unmapped",
    }
    assert report["statuts"] == {"projet": 11} and report["unmapped"] == []
    assert {(h["value"], h["code"]) for h in report["historical"]} == set(FORMER.items())
    assert [h["row"] for h in report["historical"]] == [17, 18, 20, 21, 22, 23, 25]
    assert report["unresolved"] == [] and report["by_name"] == 0
    assert report["cpts"] == 11
    assert report["shared"] == [
        {"code": "06088", "cpts": ["CPTS Nice Ouest", "CPTS Nice Centre", "CPTS Nice Est"]},
        {"code": "83137", "cpts": ["CPTS Toulon Ouest", "CPTS Toulon Est"]},
    ]
    registry = out / "communes.csv"
    communes = pd.read_csv(registry, dtype=str, keep_default_na=False)
    assert not communes["code_commune"].isin(list(FORMER)).any()
    loire = communes[communes["cpts_id"] == "CPTS-42-01"]["code_commune"].tolist()
    assert loire == ["42005", "42207"]  # Izieux and Saint-Chamond counted once
    marseille = set(communes.loc[communes["cpts_id"].str.startswith("CPTS-13"), "code_commune"])
    assert "13055" not in marseille and {"13201", "13213"} <= marseille
    assert "« 13055 » : Marseille (13055) listée avec certains de ses arrondissements" in err
    # Nice and Toulon are shared without parts: validate asks for them.
    problems = [str(p) for p in validate_registry(out) if p.severity == "error"]
    assert len(problems) == 3 and all("donnez la part" in p for p in problems), problems


def test_names_resolve_what_the_reference_can_and_list_the_rest(tmp_path, capsys):
    source = write_csv(tmp_path / "liste.csv", BY_NAME, header=("Nom de la CPTS", "Commune", "Dep"))
    out = tmp_path / "registre"
    code, stdout, _ = run(capsys, "import", str(source), str(out), "--format", "json")
    assert code == EXIT_DATA and not out.exists()  # nothing written
    report = json.loads(stdout)
    assert report["by_name"] == len(BY_NAME) - 2
    assert (
        report["unresolved"]
        == [
            {"row": 25, "value": "Saint-Tropes", "candidates": ["83119 Saint-Tropez (83)"]},
            {
                "row": 26,
                "value": "Aiglun",
                "candidates": ["04001 Aiglun (04)", "06001 Aiglun (06)"],
            },
        ][:0]
        + report["unresolved"]
    )  # exact candidates are checked below
    assert [u["row"] for u in report["unresolved"]] == [25, 26]
    assert [(h["row"], h["code"], h["via"]) for h in report["history_names"]] == [
        (17, "05053", "ancienne commune « Lagrand »"),
        (18, "05118", "commune déléguée « Ribiers »"),
        (24, "74010", "commune déléguée « Annecy-le-Vieux »"),
    ]
    assert report["unresolved"][0]["candidates"][0] == "83119 Saint-Tropez (83)"
    assert report["unresolved"][1]["candidates"] == ["04001 Aiglun (04)", "06001 Aiglun (06)"]

    code, stdout, _ = run(capsys, "import", str(source), str(out), "--keep-unresolved")
    assert code == EXIT_DATA and "ligne 25 : « Saint-Tropes » (nom inconnu)" in stdout
    communes = pd.read_csv(out / "communes.csv", dtype=str, keep_default_na=False)
    expected = {"06088", "06059", "83137", "83126", "83144", "13213", "13214", "13201", "13202"}
    expected |= {"05061", "05053", "05118", "04070", "04001", "42005", "42207", "42218", "74010"}
    assert set(communes["code_commune"]) == expected
    assert set(pd.read_csv(out / "cpts.csv")["nom"]) == {r[0] for r in BY_NAME} - {"CPTS Golfe"}


def test_equal_parts_make_a_valid_registry(tmp_path, capsys):
    source = write_csv(tmp_path / "liste.csv", BY_CODE)
    out = tmp_path / "registre.xlsx"
    code, stdout, err = run(capsys, "import", str(source), str(out), "--equal-parts")
    assert code == 0
    assert "ligne 22 : 42024 (Bouthéon) → 42005 Andrézieux-Bouthéon (42)" in stdout
    assert (
        "06088 Nice (06) partagée à parts égales entre « CPTS Nice Ouest » 0,333334, "
        "« CPTS Nice Centre » 0,333333, « CPTS Nice Est » 0,333333 (total 1)"
    ) in err
    registry = load_registry(out)
    nice = registry.communes[registry.communes["code_commune"] == "06088"]
    assert sorted(nice["part"].tolist()) == [0.333333, 0.333333, 0.333334]
    assert (
        set(registry.cpts["statut"]) == {"projet"} and registry.cpts["date_signature"].isna().all()
    )
    assert registry.missions.empty
    assert main(["territories", str(out), "--format", "json"]) == 0


def test_ids_are_deterministic_and_departement_is_the_majority(tmp_path, capsys):
    source = write_csv(tmp_path / "liste.csv", BY_CODE)
    for name in ("a", "b"):
        assert run(capsys, "import", str(source), str(tmp_path / name), "--equal-parts")[0] == 0
    for table in ("cpts.csv", "communes.csv", "missions.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()
    cpts = pd.read_csv(tmp_path / "a" / "cpts.csv", dtype=str, keep_default_na=False)
    assert cpts.set_index("nom").loc["CPTS Annecy", ["cpts_id", "departement"]].tolist() == [
        "CPTS-74-01",
        "74",
    ]


def test_windows_1252_source_and_title_lines_and_parts(tmp_path, capsys):
    rows = [("CPTS Nice Ouest", "Nice", "0,5"), ("CPTS Nice Est", "Nice", "0,5")]
    rows += [("CPTS Nice Est", "Èze", ""), ("CPTS Pays de Grasse", "Grasse", "")]
    path = tmp_path / "ars.csv"
    lines = ["Liste des CPTS – janvier 2026;;", ";;", "CPTS;Libellé commune;Part"]
    lines += [";".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    out = tmp_path / "registre"
    code, stdout, err = run(capsys, "import", str(path), str(out), "--format", "json")
    assert code == 0, err
    assert "lu en Windows-1252" in err
    assert json.loads(stdout)["by_name"] == 4
    registry = load_registry(out)
    assert sorted(registry.communes["part"]) == [0.5, 0.5, 1.0, 1.0]


def test_workbook_source_with_sheet_and_column_overrides(tmp_path, capsys):
    path = tmp_path / "liste.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("CPTS 2026")
    sheet.append(["Structure", "Code géo", "Dpt"])
    sheet.append(["CPTS Roannais", 42187, "42"])  # a number cell: Excel lost nothing here
    sheet.append([None, 1004, "1"])  # merged CPTS cell; 01004 typed as a number
    book.save(path)
    out = tmp_path / "registre"
    argv = ["import", str(path), str(out), "--sheet", "CPTS 2026", "--format", "json"]
    argv += ["--cpts-column", "structure", "--commune-column", "Code géo"]
    argv += ["--departement-column", "dpt"]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert "1 ligne(s) sans CPTS (cellules fusionnées ?)" in err
    communes = load_registry(out).communes
    assert communes["code_commune"].tolist() == ["01004", "42187"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sheet", "X"], "--sheet ne s'applique qu'à un classeur"),
        (["--commune-column", "insee_2026"], "colonne(s) insee_2026 absente(s)"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, capsys, argv, message):
    source = write_csv(tmp_path / "liste.csv", BY_CODE)
    code, _, err = run(capsys, "import", str(source), str(tmp_path / "out"), *argv)
    assert code == EXIT_USAGE and message in err
    assert not (tmp_path / "out").exists()


def test_missing_source_and_occupied_target_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "import", str(tmp_path / "absent.csv"), str(tmp_path / "out"))
    assert code == EXIT_USAGE and "fichier introuvable" in err
    source = write_csv(tmp_path / "liste.csv", BY_CODE)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("garder")
    code, _, err = run(capsys, "import", str(source), str(occupied))
    assert code == EXIT_USAGE and "rien n'est écrasé" in err
    assert [p.name for p in occupied.iterdir()] == ["notes.txt"]


def test_unusable_sources_exit_1(tmp_path, capsys):
    no_columns = write_csv(tmp_path / "a.csv", [("x", "y")], header=("Nom", "Ville"))
    code, _, err = run(capsys, "import", str(no_columns), str(tmp_path / "o1"))
    assert code == EXIT_DATA and "a.csv, ligne 1 : colonne introuvable" in err
    broken = tmp_path / "b.csv"
    broken.write_bytes(b"cpts,commune\nA,\x81\x8d\n")
    code, _, err = run(capsys, "import", str(broken), str(tmp_path / "o2"))
    assert code == EXIT_DATA and "ni en UTF-8 ni en Windows-1252" in err
    empty = write_csv(tmp_path / "c.csv", [])
    code, _, err = run(capsys, "import", str(empty), str(tmp_path / "o3"))
    assert code == EXIT_DATA and "c.csv, ligne 1 : aucune ligne de données" in err
    assert not any((tmp_path / name).exists() for name in ("o1", "o2", "o3"))


def test_city_listed_alone_stays_whole(tmp_path):
    source = write_csv(
        tmp_path / "l.csv", [("CPTS Lyon", "Lyon", "69")], header=("cpts", "commune", "dep")
    )
    result = import_flat_table(source, equal_parts=True)  # nothing shared: nothing to split
    assert result.tables["communes"]["code_commune"].tolist() == ["69123"]
    assert result.warnings == []


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Marseille 2ème", "marseille 2"),
        ("Marseille 2e Arrondissement", "marseille 2"),
        ("Marseille IIe", "marseille 2"),
        ("Lyon 3e arrondissement", "lyon 3"),
        ("Paris 1er", "paris 1"),
        ("St-Étienne", "saint etienne"),
        ("SAINTE FOY LES LYON", "sainte foy les lyon"),
        ("Ste-Foy-lès-Lyon", "sainte foy les lyon"),
        ("Saint-Ã‰tienne", "saint etienne"),  # UTF-8 read as Windows-1252
        ("Chamb├⌐ry", "chambery"),  # UTF-8 read as the DOS code page 437
        ("Abergement-Clémenciat (L')", "l abergement clemenciat"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
    ],
)
def test_name_keys(typed, key):
    assert name_key(typed) == key


def test_matcher_never_guesses():
    matcher = CommuneMatcher()
    assert matcher.resolve("Aiglun (04)").code == "04001"
    assert matcher.resolve("Aiglun").kind == "unresolved"
    in_var = matcher.resolve("Nice", "83")  # candidates stay in the department given
    assert in_var.code is None and all(c.endswith("(83)") for c in in_var.candidates)
    assert in_var.note == "nom inconnu dans le département 83 (ailleurs : 06088 Nice (06))"
    assert matcher.resolve("99999").kind == "unresolved"
    assert matcher.resolve("1004").code == "01004"


COMMUNES = load_communes()
UNIQUE = COMMUNES[
    (COMMUNES["type"] == "COM")
    & ~COMMUNES.assign(key=COMMUNES["nom"].map(name_key)).duplicated(["dep", "key"], keep=False)
]
MATCHER = CommuneMatcher()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(UNIQUE.itertuples(index=False))), st.sampled_from(["upper", "plain"]))
def test_every_real_name_typed_loosely_resolves_within_its_department(commune, style):
    """Real COG names, typed upper-case or without accents/hyphens and with ``St``, resolve to
    their own code whenever the name is unique in its department."""
    typed = commune.nom.upper() if style == "upper" else name_key(commune.nom)
    typed = typed.replace("saint ", "st ").replace("SAINT-", "ST-")
    assert MATCHER.resolve(typed, commune.dep).code == commune.code
