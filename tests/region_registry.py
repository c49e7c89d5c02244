"""A region-sized registry: 71 CPTS of Auvergne-Rhône-Alpes drawn from real EPCI, as many as
the real region that the readability issue was reported on.

The shipped example has 56 CPTS; reports must stay readable at 70+. This builds one CPTS per
large EPCI of region 84 (real communes and contours) plus one per arrondissement of Lyon (the
densest spot for map labels), through the example script's own machinery: plan composition,
drawn missions, results and local amounts, validation, atomic write.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from cpts_analysis.core.paths import PROJECT_ROOT
from cpts_analysis.territory.communes import load_communes, load_epci_communes

SCRIPT = PROJECT_ROOT / "scripts" / "build_example_registry.py"
EPCI_CPTS = 62
LYON_ARRONDISSEMENTS = [f"6938{i}" for i in range(1, 10)]
UNSIGNED_EVERY = 9  # one CPTS in nine is a project, without contract


def _example_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_example_registry", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def region_plan(script: ModuleType) -> list[tuple[str, str, str, list[str]]]:
    """The EPCI_CPTS most populated EPCI of the region (without the Métropole de Lyon, drawn
    by arrondissement instead), each a CPTS of its majority department."""
    communes = load_communes(region=script.REGION).set_index("code")
    members = load_epci_communes()
    members = members[members["code_commune"].isin(communes.index)]
    members = members.assign(
        dep=members["code_commune"].map(communes["dep"]),
        population=members["code_commune"].map(communes["population"]),
    )
    lyon = members.loc[members["code_commune"] == "69123", "epci"]
    members = members[~members["epci"].isin(lyon)]
    by_epci = members.groupby("epci").agg(
        dep=("dep", lambda d: d.value_counts().idxmax()), population=("population", "sum")
    )
    epci = pd.read_csv(PROJECT_ROOT / "data" / "epci.csv", dtype=str).set_index("code")
    names = epci["nom"].str.replace(r"^(CC|CA|CU|Métropole) (de |du |d')?", "", regex=True)
    chosen = by_epci.nlargest(EPCI_CPTS, "population").sort_values(["dep"]).index
    plan = [
        (str(by_epci.loc[epci, "dep"]), f"CPTS {names.get(epci, epci)}", "signe", [epci])
        for epci in chosen
    ]
    plan += [
        ("69", f"CPTS Lyon {_ordinal(int(code[-1]))}", "signe", [code])
        for code in LYON_ARRONDISSEMENTS
    ]
    return [
        (dep, name, "projet" if i % UNSIGNED_EVERY == UNSIGNED_EVERY - 1 else status, parts)
        for i, (dep, name, status, parts) in enumerate(plan)
    ]


def build_region_registry(out: Path) -> Path:
    """Write the 71-CPTS registry (validated, no error nor warning) into ``out``."""
    script = _example_script()
    tables = script.sorted_text(
        script.build_tables(np.random.default_rng(script.SEED), region_plan(script))
    )
    script.write_registry(out, tables, "# Registre de test : 71 CPTS (ILLUSTRATIF)\n")
    return out


def _ordinal(number: int) -> str:
    return "1er" if number == 1 else f"{number}e"
