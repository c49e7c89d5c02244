"""Which reports the ``report`` and ``batch`` commands make: templates, territories, parameters.

Batch territories carry their level (``departement:42``, ``region:84``) so that a code shared
by a department and a region (84: Vaucluse, Auvergne-Rhône-Alpes) is never ambiguous.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cpts_analysis.core.paths import EXAMPLE_REGISTRY, NOTEBOOKS_DIR
from cpts_analysis.runner.batch import Job
from cpts_analysis.runner.location import make_slug
from cpts_analysis.runner.params import ReportInputError

DEFAULT_NOTEBOOK = "comparaison_territoriale"
DEFAULT_REGISTRY = EXAMPLE_REGISTRY
PROFILE_NOTEBOOK = "profil_cpts"
# The template parameter that receives the territory; profiles take a CPTS id.
TERRITORY_PARAMETER = {PROFILE_NOTEBOOK: "cpts"}
VARIANT_PARAMETER = "variante"  # templates comparing a rule variant (reforme) declare it


def notebook_path(name: str) -> Path:
    """Template ``name`` → ``notebooks/<name>.ipynb``, which must exist."""
    path = NOTEBOOKS_DIR / f"{name}.ipynb"
    if not path.is_file():
        available = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) or ["aucun"]
        raise ReportInputError(
            f"modèle de rapport inconnu « {name} » (disponibles : {', '.join(available)})"
        )
    return path


def report_job(
    notebook: str,
    territory: str,
    registry: Path,
    date: str | None,
    label: str = "",
    variant: Path | None = None,
    indicators: Path | None = None,
) -> Job:
    """The report of one territory at ``date`` (ISO; None: today); ``variant``: the rule
    variant a template such as ``reforme`` compares with the rules in force; ``indicators``: a
    separate indicator file (comparison reports only).

    The date is always passed explicitly: reports depend on it (rules in force, late missions),
    so it must be part of what decides whether a rerun can skip a report.
    """
    if not registry.exists():
        raise ReportInputError(f"registre introuvable : {registry}")
    if variant is not None and not variant.exists():
        raise ReportInputError(f"variante introuvable : {variant}")
    parameters = {
        TERRITORY_PARAMETER.get(notebook, "territoire"): territory,
        "registre": str(registry.resolve()),
        "date_reference": date or dt.date.today().isoformat(),
    }
    if variant is not None:
        parameters[VARIANT_PARAMETER] = str(variant.resolve())
    if indicators is not None:
        parameters["indicateurs"] = str(indicators.resolve())
    return Job(
        notebook=notebook_path(notebook),
        parameters=parameters,
        slug=make_slug(territory),
        label=label or territory,
        inputs=(registry, *(path for path in (variant, indicators) if path is not None)),
    )


def batch_jobs(
    by: str,
    registry: Path,
    date: str | None,
    notebook: str | None = None,
    variant: Path | None = None,
    indicators: Path | None = None,
) -> list[Job]:
    """One report per territory of the level ``by`` found in ``registry``: by default the
    comparison for departments and regions, the profile for CPTS."""
    notebook = notebook or (PROFILE_NOTEBOOK if by == "cpts" else DEFAULT_NOTEBOOK)
    if indicators is not None and notebook != DEFAULT_NOTEBOOK:
        raise ReportInputError("--indicateurs : rapports de comparaison seulement")
    return [
        report_job(notebook, code, registry, date, label, variant, indicators)
        for code, label in territory_codes(by, registry)
    ]


def territory_codes(by: str, registry: Path) -> list[tuple[str, str]]:
    """(code, French label) of every territory of level ``by`` the registry touches."""
    from cpts_analysis.analysis.comparison import resolve_territory
    from cpts_analysis.territory.communes import load_departements
    from cpts_analysis.territory.registry import load_registry

    loaded = load_registry(registry)
    if by == "cpts":
        codes = sorted(loaded.cpts["cpts_id"])
    else:
        departements = sorted(set(loaded.cpts["departement"]))
        if by == "region":
            regions = load_departements().set_index("code")["region"]
            departements = sorted(set(regions.reindex(departements).dropna()))
        codes = [f"{by}:{code}" for code in departements]
    return [(code, resolve_territory(code, loaded).title) for code in codes]
