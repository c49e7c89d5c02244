"""Territory indicators: equal-area surfaces, density, aggregation per CPTS (with and without
shared-commune parts), registry tables and the separate ``--indicateurs`` file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from cpts_analysis.analysis.indicators import cpts_indicators
from cpts_analysis.cli import main
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.indicators import (
    aggregate_indicators,
    equal_area_km2,
    shipped_indicators,
)
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.registry.indicator_file import load_indicator_file, with_indicator_file

CATALOGUE = pd.DataFrame(
    {
        "indicateur": ["medecins", "part_75"],
        "libelle": ["Médecins", "Part des 75 ans et plus"],
        "unite": ["médecins", "%"],
        "agregation": ["somme", "moyenne_ponderee_population"],
    }
)
# Saint-Étienne, Saint-Chamond, Firminy and Roanne (Loire).
CODES = ["42218", "42207", "42095", "42187"]


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return load_communes(geometry=True, region="84").set_index("code")


def test_surfaces_match_the_official_ones(communes):
    """Insee's published surfaces: Paris 105,4 km², Lyon 47,87 km², Loire 4 781 km² (the
    simplified IGN contours are within 1 %)."""
    france = load_communes(geometry=True).set_index("code")
    paris, lyon = equal_area_km2(france.loc[["75056", "69123"], "geometry"])
    assert paris == pytest.approx(105.4, rel=0.01)
    assert lyon == pytest.approx(47.87, rel=0.01)
    loire = communes[(communes["dep"] == "42") & (communes["type"] == "COM")]
    assert equal_area_km2(loire["geometry"]).sum() == pytest.approx(4781, rel=0.01)


def test_equal_area_projection_agrees_with_laea_europe(communes):
    """EPSG:6933 (global) and EPSG:3035 (LAEA Europe) are both equal-area: same surfaces."""
    geometries = communes.loc[communes["dep"] == "74", "geometry"].to_numpy()
    laea = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    projected = shapely.transform(
        geometries, lambda xy: np.column_stack(laea.transform(xy[:, 0], xy[:, 1]))
    )
    np.testing.assert_allclose(equal_area_km2(geometries), shapely.area(projected) / 1e6, rtol=1e-4)


def test_density_is_population_over_surface(communes):
    memberships = pd.DataFrame({"cpts_id": ["a", "a", "b", "b"], "code_commune": CODES})
    values = shipped_indicators(memberships).set_index(["cpts_id", "indicateur"])["valeur"]
    areas = pd.Series(equal_area_km2(communes.loc[CODES, "geometry"]), index=CODES)
    population = communes.loc[CODES, "population"].astype(float)
    for cpts, codes in (("a", CODES[:2]), ("b", CODES[2:])):
        assert values[cpts, "surface"] == pytest.approx(areas[codes].sum())
        # A ratio of sums, not the mean of the communes' densities.
        expected = population[codes].sum() / areas[codes].sum()
        assert values[cpts, "densite"] == pytest.approx(expected)
        assert values[cpts, "densite"] != pytest.approx((population / areas)[codes].mean())


def test_aggregations_with_and_without_parts(communes):
    population = communes.loc[CODES, "population"].astype(float)
    values = pd.DataFrame(
        {
            "code_commune": CODES * 2,
            "indicateur": ["medecins"] * 4 + ["part_75"] * 4,
            "valeur": [100.0, 20.0, 10.0, 40.0, 10.0, 12.0, 14.0, 16.0],
        }
    )
    memberships = pd.DataFrame({"cpts_id": ["a", "a", "a", "b"], "code_commune": CODES})
    out = aggregate_indicators(memberships, values, CATALOGUE).set_index(["cpts_id", "indicateur"])
    assert out.loc[("a", "medecins"), "valeur"] == 130.0
    weights = population[CODES[:3]]
    mean = (weights * [10.0, 12.0, 14.0]).sum() / weights.sum()
    assert out.loc[("a", "part_75"), "valeur"] == pytest.approx(mean)
    assert out.loc[("b", "part_75"), "valeur"] == pytest.approx(16.0)

    # Saint-Étienne shared 60/40 between a and b (issue 8's ``part`` column).
    shared = pd.DataFrame(
        {
            "cpts_id": ["a", "a", "b", "b"],
            "code_commune": [CODES[0], CODES[1], CODES[0], CODES[3]],
            "part": [0.6, 1.0, 0.4, 1.0],
        }
    )
    out = aggregate_indicators(shared, values, CATALOGUE).set_index(["cpts_id", "indicateur"])
    assert out.loc[("a", "medecins"), "valeur"] == pytest.approx(0.6 * 100 + 20)
    assert out.loc[("b", "medecins"), "valeur"] == pytest.approx(0.4 * 100 + 40)
    w = np.array([0.4 * population[CODES[0]], population[CODES[3]]])
    assert out.loc[("b", "part_75"), "valeur"] == pytest.approx((w * [10, 16]).sum() / w.sum())
    total = shipped_indicators(shared).set_index(["cpts_id", "indicateur"])["valeur"]
    alone = shared.drop_duplicates("code_commune").drop(columns="part")
    whole = shipped_indicators(alone.assign(cpts_id="x"))
    assert total[:, "surface"].sum() == pytest.approx(
        whole.set_index("indicateur")["valeur"]["surface"]
    )


def test_missing_values_are_counted_not_hidden():
    memberships = pd.DataFrame({"cpts_id": ["a"] * 4, "code_commune": CODES})
    values = pd.DataFrame(
        {"code_commune": CODES[:3], "indicateur": "medecins", "valeur": [1.0, 2.0, 3.0]}
    )
    (row,) = aggregate_indicators(memberships, values, CATALOGUE).itertuples()
    assert (row.valeur, row.communes, row.communes_renseignees) == (6.0, 4, 3)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    target = tmp_path / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, target)
    return target


def _write_indicators(folder: Path, values: pd.DataFrame) -> None:
    values.to_csv(folder / "indicateurs.csv", index=False)
    CATALOGUE.to_csv(folder / "catalogue_indicateurs.csv", index=False)


def _loire_values() -> pd.DataFrame:
    loire = load_communes()
    codes = loire.loc[loire["dep"] == "42", "code"]
    return pd.DataFrame(
        {"code_commune": codes, "indicateur": "medecins", "valeur": np.arange(len(codes)) % 5}
    )


def test_registry_indicators_per_cpts(registry):
    values = _loire_values()
    _write_indicators(registry, values.assign(valeur=values["valeur"].astype(str) + ",0"))
    loaded = load_registry(registry)
    assert loaded.indicateurs["valeur"].dtype == "float64"
    members = loaded.communes[loaded.communes["cpts_id"].str.startswith("ARA-42")]
    result = cpts_indicators(loaded, members)
    assert list(result.catalogue["indicateur"]) == ["densite", "surface", "medecins", "part_75"]
    wide = result.wide()
    by_code = values.set_index("code_commune")["valeur"]
    expected = members["code_commune"].map(by_code).groupby(members["cpts_id"]).sum()
    pd.testing.assert_series_equal(
        wide["medecins"], expected.astype(float), check_names=False, check_index_type=False
    )
    assert wide["part_75"].isna().all()  # catalogued, no value: shown as missing, not zero
    assert result.partial().empty
    named = result.named_values()  # the workbook's sheet: names and units, no id
    assert len(named) == len(result.values) and "indicateur" not in named
    catalogue = result.catalogue.set_index("indicateur")
    assert set(named["libelle"]) == set(catalogue.loc[result.values["indicateur"], "libelle"])
    assert named["valeur"].equals(result.values["valeur"])


def test_separate_indicator_file_csv_and_xlsx(registry, tmp_path):
    values = _loire_values()
    folder = tmp_path / "indicateurs"
    folder.mkdir()
    _write_indicators(folder, values)
    tables = load_indicator_file(folder / "indicateurs.csv")
    assert len(tables["indicateurs"]) == len(values)
    book = tmp_path / "indicateurs.xlsx"
    with pd.ExcelWriter(book) as writer:
        values.to_excel(writer, sheet_name="indicateurs", index=False)
        CATALOGUE.to_excel(writer, sheet_name="catalogue_indicateurs", index=False)
    from_book = load_indicator_file(book)
    pd.testing.assert_frame_equal(from_book["indicateurs"], tables["indicateurs"])
    merged = with_indicator_file(load_registry(registry), book)
    assert len(merged.indicateurs) == len(values)

    _write_indicators(registry, values)  # the registry has its own: two sources refused
    with pytest.raises(InputError, match="contient déjà des indicateurs"):
        with_indicator_file(load_registry(registry), book)


def test_separate_indicator_file_errors_name_file_row_column(tmp_path):
    folder = tmp_path / "i"
    folder.mkdir()
    (folder / "valeurs.csv").write_text(
        "code_commune,indicateur,valeur\n42218,medecins,x\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as raised:
        load_indicator_file(folder / "valeurs.csv")
    assert "catalogue_indicateurs.csv : fichier absent" in str(raised.value)
    CATALOGUE.to_csv(folder / "catalogue_indicateurs.csv", index=False)
    with pytest.raises(InputError) as raised:
        load_indicator_file(folder / "valeurs.csv")
    assert str(raised.value) == (
        "valeurs.csv, ligne 2, colonne valeur : valeur non numérique : « x » "
        "(nombre attendu, virgule décimale admise : 12,5)"
    )
    with pytest.raises(InputError, match="introuvable"):
        load_indicator_file(folder / "absent.xlsx")


@pytest.mark.slow
def test_report_with_separate_indicator_file(tmp_path):
    """A real comparison report: the file's indicator is in the HTML and the workbook."""
    from openpyxl import load_workbook

    from cpts_analysis.core.vocabulary import HEADERS

    folder = tmp_path / "indicateurs"
    folder.mkdir()
    _write_indicators(folder, _loire_values())
    out = tmp_path / "rapports"
    argv = ["report", "--territory", "42", "--date", "2026-06-30", "--out", str(out)]
    assert main([*argv, "--indicateurs", str(folder / "indicateurs.csv")]) == 0
    report = out / "comparaison_territoriale" / "departement-42-loire"
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "Médecins (médecins)" in html and "Densité de population (hab./km²)" in html
    book = load_workbook(report / "tables.xlsx", read_only=True)
    assert {"Budget annuel", "Indicateurs"} <= set(book.sheetnames)
    rows = list(book["Indicateurs"].iter_rows(values_only=True))
    assert rows[0][:2] == (HEADERS["cpts_id"], HEADERS["indicateur"])
    assert {row[1] for row in rows[1:]} == {"Densité de population", "Surface", "Médecins"}


def test_bad_indicator_file_stops_report_before_any_kernel(capsys, tmp_path):
    folder = tmp_path / "indicateurs"
    folder.mkdir()
    _write_indicators(folder, pd.DataFrame({"code_commune": ["42218"], "indicateur": ["x"]}))
    out = tmp_path / "rapports"
    argv = ["report", "--territory", "42", "--out", str(out)]
    assert main([*argv, "--indicateurs", str(folder / "indicateurs.csv")]) == 1
    err = capsys.readouterr().err
    assert "indicateurs.csv, ligne 1, colonne valeur : colonne obligatoire absente" in err
    assert "indicateurs.csv, ligne 2, colonne indicateur : indicateur inconnu : « x »" in err
    assert not out.exists()


def test_batch_of_profiles_refuses_indicator_file(capsys, tmp_path):
    book = tmp_path / "i.xlsx"
    argv = ["batch", "--by", "cpts", "--indicateurs", str(book), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "--indicateurs : option sans objet pour le modèle profil_cpts" in capsys.readouterr().err
