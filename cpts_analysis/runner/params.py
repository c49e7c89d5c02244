"""Report parameters: what a template declares, and refusal of anything else.

Papermill only warns about an unknown parameter and injects it anyway, and turns non-JSON
values (tuples, dates, paths) into strings: a typo or a wrong type would silently produce a
report computed with the defaults. The runner checks both before starting a kernel.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import papermill

from cpts_analysis.runner.errors import ReportInputError

OUTPUT_DIR = "output_dir"
"""Parameter every template declares; the runner sets it to the folder receiving sidecars."""


def template_parameters(notebook: Path) -> list[str]:
    """Names in the template's ``parameters`` cell, in order."""
    if not notebook.is_file():
        raise ReportInputError(f"modèle de rapport introuvable : {notebook}")
    stat = notebook.stat()
    return _inspect(notebook, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _inspect(notebook: Path, _mtime_ns: int, _size: int) -> list[str]:
    # mtime and size key the cache so an edited template is inspected again.
    try:
        return list(papermill.inspect_notebook(str(notebook)))
    except ValueError as exc:  # e.g. no kernelspec: papermill cannot tell the language
        raise ReportInputError(f"{notebook.name} : modèle illisible ({exc})") from None


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> None:
    """Refuse unknown names, the reserved ``output_dir``, and values that are not JSON types."""
    accepted = template_parameters(notebook)
    if OUTPUT_DIR not in accepted:
        raise ReportInputError(
            f'{notebook.name} : le modèle doit déclarer le paramètre {OUTPUT_DIR} = "" '
            "dans sa cellule « parameters »"
        )
    if OUTPUT_DIR in parameters:
        raise ReportInputError(f"{OUTPUT_DIR} est fixé par le lanceur de rapports, pas par l'appel")
    unknown = [name for name in parameters if name not in accepted]
    if unknown:
        names = ", ".join(name for name in accepted if name != OUTPUT_DIR) or "aucun"
        raise ReportInputError(
            f"{notebook.name} : paramètre(s) inconnu(s) {', '.join(unknown)} "
            f"(paramètres acceptés : {names})"
        )
    for name, value in parameters.items():
        problem = _json_problem(value)
        if problem:
            raise ReportInputError(f"{notebook.name} : paramètre {name} : {problem}")


def _json_problem(value: Any) -> str | None:
    """Why ``value`` is not plain JSON data (None when it is)."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"nombre non fini {value!r}"
    if isinstance(value, list):
        return next(filter(None, map(_json_problem, value)), None)
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return "les clés d'un dictionnaire doivent être des chaînes"
        return next(filter(None, map(_json_problem, value.values())), None)
    return (
        f"type {type(value).__name__} refusé (types acceptés : str, int, float, bool, None, "
        "list, dict ; une date s'écrit « AAAA-MM-JJ »)"
    )
