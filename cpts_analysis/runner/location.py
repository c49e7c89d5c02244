"""Where a report's files go: ``<out_dir>/<notebook stem>/<slug>/``, never outside ``out_dir``.

Slugs come from caller values such as territory codes; a value like ``../../x`` must not turn
into a path that escapes the reports folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from cpts_analysis.runner.errors import ReportInputError

_SLUG = re.compile(r"[a-z0-9_-]+")
_SEPARATORS = re.compile(r"[\s.,;:'’()]+")


def make_slug(text: str) -> str:
    """``"2A"`` → ``"2a"``, ``"Côte d'Or"`` → ``"cote-d-or"``; path-like text is refused.

    Refusing ``/``, ``\\`` and ``..`` (rather than stripping them) keeps two different inputs
    from silently sharing a folder.
    """
    if "/" in text or "\\" in text or ".." in text:
        raise ReportInputError(f"« {text} » ne peut pas nommer un dossier de rapport")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SEPARATORS.sub("-", ascii_text.lower()).strip("-")
    check_slug(slug, original=text)
    return slug


def check_slug(slug: str, original: str | None = None) -> None:
    if not _SLUG.fullmatch(slug):
        raise ReportInputError(
            f"« {original or slug} » ne peut pas nommer un dossier de rapport "
            "(caractères autorisés : a-z, 0-9, _ et -)"
        )


def report_dir(out_dir: Path, notebook: Path, slug: str) -> Path:
    """The report's final folder, checked to resolve inside ``out_dir``."""
    check_slug(slug)
    check_slug(notebook.stem)
    root = out_dir.resolve()
    folder = (root / notebook.stem / slug).resolve()
    if not folder.is_relative_to(root):  # e.g. a symlinked folder pointing elsewhere
        raise ReportInputError(f"dossier de rapport hors de {root} : {folder}")
    return folder


def default_slug(parameters: dict) -> str:
    """Folder name when the caller gives none: the first parameter's value (a territory code)."""
    return make_slug(str(next(iter(parameters.values())))) if parameters else "defaut"


def report_key(notebook: str | Path, slug: str) -> str:
    """``<notebook stem>/<slug>``: the report's folder relative to the reports folder."""
    return f"{Path(notebook).stem}/{slug}"
