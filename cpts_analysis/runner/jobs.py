"""Which reports the ``report`` and ``batch`` commands make, their parameters checked first.

Every parameter is validated here, in the parent, by the template's model
(:data:`~cpts_analysis.report.inputs.TEMPLATES`) and against the registry, before any kernel
starts: a bad territory, date, registry or variant costs a fraction of a second and writes
nothing. Batch territories carry their level (``departement:42``, ``region:84``) so that a code
shared by a department and a region (84: Vaucluse, Auvergne-Rhône-Alpes) is never ambiguous.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cpts_analysis.core.errors import InputError
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, NOTEBOOKS_DIR
from cpts_analysis.report.inputs import TEMPLATES, NotebookInputs, option_key
from cpts_analysis.runner.errors import ReportInputError
from cpts_analysis.runner.job import Job
from cpts_analysis.runner.location import make_slug

if TYPE_CHECKING:
    from cpts_analysis.territory.registry import Registry

log = logging.getLogger(__name__)

DEFAULT_NOTEBOOK = "comparaison_territoriale"
DEFAULT_REGISTRY = EXAMPLE_REGISTRY
PROFILE_NOTEBOOK = "profil_cpts"
# Parameters that name a file or folder: passed to the kernel as absolute paths, and hashed as
# inputs of the report (editing one makes a rerun recompute it).
PATH_PARAMETERS = ("registre", "variante", "indicateurs")


def template(name: str) -> type[NotebookInputs]:
    """The parameter model of template ``name``."""
    if name not in TEMPLATES:
        raise ReportInputError(
            f"modèle de rapport inconnu « {name} » (disponibles : {', '.join(sorted(TEMPLATES))})"
        )
    return TEMPLATES[name]


def notebook_path(name: str) -> Path:
    """Template ``name`` → ``notebooks/<name>.ipynb``."""
    template(name)
    return NOTEBOOKS_DIR / f"{name}.ipynb"


def report_inputs(
    notebook: str, subject: str | None, options: Mapping[str, object]
) -> NotebookInputs:
    """The checked parameters of one report: ``subject`` (a territory or CPTS code; None: the
    template's default), and command-line ``options`` by name (``registry``, ``date``…; None
    for an option not given).

    An option the template does not declare, a value its model refuses, or a subject, date,
    variant or indicator file that the registry and the rules refuse raises
    :class:`ReportInputError` (a bad command line); a broken registry raises ``InputError``
    (bad data), each with every problem named.
    """
    model = template(notebook)
    accepted = {option_key(flag): name for flag, name in model.options().items()}
    given = {key: value for key, value in options.items() if value is not None}
    if unknown := sorted(set(given) - set(accepted)):
        flags = ", ".join(f"--{key.replace('_', '-')}" for key in unknown)
        usable = ", ".join(sorted(model.options())) or "aucune"
        raise ReportInputError(
            f"{flags} : option sans objet pour le modèle {notebook} (options de ce modèle : "
            f"{usable})"
        )
    values: dict[str, object] = {accepted[key]: _plain(value) for key, value in given.items()}
    if subject is not None:
        values[model.SUBJECT] = subject
    values.setdefault("date_reference", dt.date.today().isoformat())
    for name in PATH_PARAMETERS:
        if values.get(name):
            values[name] = str(Path(str(values[name])).expanduser().resolve())
    try:
        inputs = model.checked(**values)
    except InputError as exc:
        raise ReportInputError(str(exc)) from None
    check_context(inputs, subject=subject is not None)
    return inputs


def check_context(inputs: NotebookInputs, subject: bool = True) -> None:
    """What the model alone cannot tell: the registry (and the indicator file, the variant)
    load, rules are in force on the date, and the subject is in the registry."""
    from cpts_analysis.aci.rules import rules_at
    from cpts_analysis.aci.variants import load_variant
    from cpts_analysis.territory.registry.indicator_file import with_indicator_file

    try:
        rules_at(inputs.date)  # first: needs no registry
    except InputError as exc:
        raise ReportInputError(str(exc)) from None
    registry = loaded_registry(inputs.registry_path)  # bad data: InputError, as it is
    if indicators := getattr(inputs, "indicateurs", ""):
        with_indicator_file(registry, Path(indicators))
    if variant := getattr(inputs, "variante", ""):
        load_variant(Path(variant))
    try:
        if subject:
            inputs.check_registry(registry)
    except InputError as exc:
        raise ReportInputError(str(exc)) from None


def loaded_registry(path: Path) -> Registry:
    """The registry at ``path``, read once per process while its files stay the same (the
    parent reads it to check the parameters, then to name the report)."""
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    signature = tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file()
    )
    return _load(path.resolve(), signature)


@functools.lru_cache(maxsize=4)
def _load(path: Path, _signature: tuple[tuple[str, int, int], ...]) -> Registry:
    from cpts_analysis.territory.registry import load_registry

    return load_registry(path)


def report_job(notebook: str, inputs: NotebookInputs, label: str = "") -> Job:
    """The job of one report of ``notebook`` with checked ``inputs``.

    The date is always passed explicitly: reports depend on it (rules in force, late missions),
    so it must be part of what decides whether a rerun can skip a report.
    """
    # What the caller set; the template's own defaults need no injecting (nor a line in the
    # report's header). The subject, the registry and the date are always explicit.
    parameters = {
        inputs.SUBJECT: inputs.subject,
        **inputs.model_dump(exclude={"output_dir"}, exclude_defaults=True),
        "registre": str(inputs.registry_path.resolve()),
        "date_reference": inputs.date_reference,
    }
    files = [Path(str(parameters[name])) for name in PATH_PARAMETERS if parameters.get(name)]
    registry = loaded_registry(inputs.registry_path)
    return Job(
        notebook=notebook_path(notebook),
        parameters=parameters,
        slug=make_slug(inputs.folder_name(registry)),
        label=label or inputs.subject_title(registry),
        inputs=tuple(files),
    )


def batch_jobs(by: str, notebook: str | None, options: Mapping[str, object]) -> list[Job]:
    """One report per territory of the level ``by`` found in the registry: by default the
    comparison for departments and regions, the profile for CPTS. A subject the template
    cannot report on (the annual review of a CPTS that has not signed) is left out, with a
    warning that says why."""
    notebook = notebook or (PROFILE_NOTEBOOK if by == "cpts" else DEFAULT_NOTEBOOK)
    common = report_inputs(notebook, None, options)
    registry = loaded_registry(common.registry_path)
    planned = []
    for code, label in territory_codes(by, common.registry_path):
        inputs = common.model_copy(update={common.SUBJECT: code})
        try:
            inputs.check_registry(registry)
        except InputError as exc:  # e.g. no annual review for a CPTS that has not signed
            log.warning("%s : pas de rapport pour %s (%s)", notebook, label, exc)
            continue
        planned.append(report_job(notebook, inputs, label))
    return planned


def territory_codes(by: str, registry: Path) -> list[tuple[str, str]]:
    """(code, French label) of every territory of level ``by`` the registry touches."""
    from cpts_analysis.territory.communes import load_departements
    from cpts_analysis.territory.resolution import resolve_territory

    loaded = loaded_registry(registry)
    if by == "cpts":
        codes = sorted(loaded.cpts["cpts_id"])
    else:
        departements = sorted(set(loaded.cpts["departement"]))
        if by == "region":
            regions = load_departements().set_index("code")["region"]
            departements = sorted(set(regions.reindex(departements).dropna()))
        codes = [f"{by}:{code}" for code in departements]
    return [(code, resolve_territory(code, loaded).title) for code in codes]


def _plain(value: object) -> object:
    """A command-line or API value as the models take it: paths and dates as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value
