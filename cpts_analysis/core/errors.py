"""Errors that name where bad input is, so users can fix their file without reading code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class CptsError(Exception):
    """Base class: any error the CLI reports as one clean line instead of a traceback."""


@dataclass(frozen=True)
class Problem:
    """One defect in an input: file (or sheet), row as the user sees it, column, message."""

    file: str
    message: str
    row: int | None = None
    field: str | None = None
    severity: str = "error"
    field_kind: str = "colonne"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.field:
            where.append(f"{self.field_kind} {self.field}")
        label = "" if self.severity == "error" else "avertissement : "
        return f"{', '.join(where)} : {label}{self.message}"


class InputError(CptsError):
    """Bad input, with every problem found (not only the first)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, message: str, row: int | None = None, field: str | None = None):
        return cls([Problem(file=file, message=message, row=row, field=field)])
