"""One report to make: its template, parameters, folder name and input files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpts_analysis.runner.location import report_key


@dataclass(frozen=True)
class Job:
    """One report to make. ``inputs`` are files it reads (e.g. the registry): their content is
    part of the hash that decides whether a rerun can skip it."""

    notebook: str | Path
    parameters: dict[str, Any]
    slug: str
    label: str = ""
    inputs: tuple[Path, ...] = ()
    pdf: bool = False  # also print report.pdf

    @property
    def key(self) -> str:
        return report_key(self.notebook, self.slug)
