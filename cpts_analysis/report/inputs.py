"""Validated parameters of the report notebooks.

Papermill injects whatever it is given; the first code cell after the parameters turns them
into one of these models, so a typo or a bad date stops the report with a readable message
instead of a half-built report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Self

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, EXAMPLE_VARIANTS

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9:_-]+$")
# The documented example variant, used by the reforme template when no variant is given.
EXAMPLE_VARIANT = EXAMPLE_VARIANTS / "taille2_fonctionnement_plus_10000.yaml"


def _existing(value: str, info: ValidationInfo) -> str:
    """A path parameter (registre, variante): empty, or an existing file or folder."""
    if value and not Path(value).exists():
        raise ValueError(f"{info.field_name} introuvable : {value}")
    return value


class NotebookInputs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    registre: str = ""
    date_reference: str = ""
    output_dir: str = ""

    @field_validator("date_reference")
    @classmethod
    def _iso_or_empty(cls, value: str) -> str:
        if value:
            dt.date.fromisoformat(value)
        return value

    _registry_exists = field_validator("registre")(_existing)

    @property
    def registry_path(self) -> Path:
        return Path(self.registre) if self.registre else EXAMPLE_REGISTRY

    @property
    def date(self) -> pd.Timestamp:
        """The reference date; today when the parameter is empty (interactive use)."""
        return pd.Timestamp(self.date_reference or dt.date.today())

    @classmethod
    def checked(cls, **values: object) -> Self:
        """Build the model or raise ``InputError`` naming each bad parameter."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise InputError(
                Problem(
                    file="paramètres du notebook",
                    field=".".join(map(str, e["loc"])),
                    message=e["msg"],
                    field_kind="paramètre",
                )
                for e in exc.errors()
            ) from None


class ComparisonInputs(NotebookInputs):
    territoire: str = Code
    volet_snp_supplementaire: bool = False
    indicateurs: str = ""  # a separate indicator file (.csv or .xlsx); "" for the registry's

    @field_validator("indicateurs")
    @classmethod
    def _existing_file(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError(f"fichier d'indicateurs introuvable : {value}")
        return value


class ProfileInputs(NotebookInputs):
    cpts: str = Code


class ScenarioInputs(NotebookInputs):
    territoire: str = Code
    fusion_a: str = ""
    fusion_b: str = ""
    decoupage: str = ""


class ReformInputs(NotebookInputs):
    territoire: str = Code
    variante: str = ""

    _variant_exists = field_validator("variante")(_existing)

    @property
    def variant_path(self) -> Path:
        return Path(self.variante) if self.variante else EXAMPLE_VARIANT
