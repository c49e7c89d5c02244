"""The parameters of every report template, declared once.

Each template (``notebooks/<name>.ipynb``) has one model here, registered in :data:`TEMPLATES`.
It is the single declaration of the template's parameters: the command line builds its options
and their ``--help`` from it, the runner validates a report's parameters with it before any
kernel starts, the documentation's table of parameters is generated from it, and the template's
first cell reads its ``parameters`` cell through it (a test ties the cell to the model, name for
name and default for default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.config import JsonDict

from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.french_input import parse_date
from cpts_analysis.core.messages import pydantic_message
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, EXAMPLE_VARIANTS
from cpts_analysis.core.vocabulary import DATE_FORM, date_help

if TYPE_CHECKING:
    import pandas as pd

    from cpts_analysis.territory.registry import Registry

# The documented example variant, used by the reforme template when no variant is given.
EXAMPLE_VARIANT = EXAMPLE_VARIANTS / "taille2_fonctionnement_plus_10000.yaml"
CODE_PATTERN = r"^[A-Za-z0-9:_-]+$"
PARAMETERS_FILE = "paramètres du rapport"


def parameter(
    default: Any, help: str, *, option: str | None = None, metavar: str | None = None, **rules: Any
) -> Any:
    """A template parameter: its default (the template's), its French help, and the command-line
    option that sets it (``None``: not an option; the report's subject is ``--territory``)."""
    extra: JsonDict = {
        key: value for key, value in (("option", option), ("metavar", metavar)) if value
    }
    return Field(default, description=help, json_schema_extra=extra, **rules)


def existing_path(message: str, file_only: bool = False) -> Callable[[str], str]:
    """A validator of a path parameter: empty, or an existing file (or folder)."""

    def check(value: str) -> str:
        path = Path(value)
        if value and not (path.is_file() if file_only else path.exists()):
            raise ValueError(f"{message} : {value}")
        return value

    return check


def code(default: str, help: str) -> Any:
    """The report's subject: a territory or CPTS code, also a folder name of the report."""
    return parameter(default, help, pattern=CODE_PATTERN, max_length=64)


TERRITORY_HELP = 'code de département ou de région (ou "region:84", "departement:42")'


def option_key(flag: str) -> str:
    """``--fusion-a`` → ``fusion_a``: an option's name in parsed arguments and in the runner's
    ``options`` (argparse's ``dest``)."""
    return flag.lstrip("-").replace("-", "_")


class NotebookInputs(BaseModel):
    """What every report template declares."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    SUBJECT: ClassVar[str] = "territoire"
    """The parameter naming what the report is about, set by ``--territory`` or ``batch --by``."""

    registre: str = parameter(
        "",
        "registre des CPTS : dossier de CSV ou classeur .xlsx (défaut : registre illustratif "
        "data/exemple_ara)",
        option="--registry",
        metavar="CHEMIN",
    )
    date_reference: str = parameter(
        "",
        date_help("date de référence des règles et du déploiement", "01/06/2025"),
        option="--date",
        metavar=DATE_FORM,
    )
    output_dir: str = parameter("", "dossier des fichiers du rapport, fixé par le lanceur")

    @field_validator("date_reference")
    @classmethod
    def _iso_or_empty(cls, value: str) -> str:
        """JJ/MM/AAAA or AAAA-MM-JJ, kept as AAAA-MM-JJ (the notebook's parameter)."""
        return parse_date(value).isoformat() if value else value

    _registry_exists = field_validator("registre")(existing_path("registre introuvable"))

    @property
    def registry_path(self) -> Path:
        return Path(self.registre) if self.registre else EXAMPLE_REGISTRY

    @property
    def date(self) -> pd.Timestamp:
        """The reference date; today when the parameter is empty (interactive use)."""
        import pandas as pd

        return pd.Timestamp(self.date_reference or dt.date.today())

    @property
    def subject(self) -> str:
        return str(getattr(self, self.SUBJECT))

    def reported(self) -> dict[str, Any]:
        """The parameters a report records in ``headline.json``: all but the output folder,
        which is the runner's temporary one while the report is written."""
        return self.model_dump(exclude={"output_dir"})

    def folder_name(self, registry: Registry) -> str:
        """What names the report's folder, readable and the same however the territory was
        typed (``42``, ``departement:42`` → ``departement-42-loire``); a CPTS's id."""
        from cpts_analysis.territory.resolution import resolve_territory

        try:
            territory = resolve_territory(self.subject, registry)
        except InputError:
            return self.subject
        if territory.level == "cpts":
            return territory.code
        return f"{territory.level} {territory.code} {territory.name}"

    def subject_title(self, registry: Registry) -> str:
        """The report's subject as a reader names it (« Région Auvergne-Rhône-Alpes (84) »,
        a CPTS's name), never a code such as ``region:84``; the code when the registry does not
        know it."""
        from cpts_analysis.territory.resolution import resolve_territory

        try:
            return resolve_territory(self.subject, registry).title
        except InputError:
            return self.subject

    def check_registry(self, registry: Registry) -> None:
        """What only the registry can tell: the report's subject is one of its territories."""
        from cpts_analysis.territory.resolution import resolve_territory

        resolve_territory(self.subject, registry)

    @classmethod
    def checked(cls, **values: object) -> Self:
        """Build the model or raise ``InputError`` naming each bad parameter."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise InputError(
                Problem(
                    file=PARAMETERS_FILE,
                    field=".".join(map(str, error["loc"])),
                    message=pydantic_message(error),
                    field_kind="paramètre",
                )
                for error in exc.errors()
            ) from None

    @classmethod
    def from_namespace(cls, namespace: Mapping[str, object]) -> Self:
        """The model of a template's parameters as its ``parameters`` cell (and Papermill's
        injected cell) left them in the notebook's namespace."""
        return cls.checked(**{name: namespace[name] for name in cls.model_fields})

    @classmethod
    def options(cls) -> dict[str, str]:
        """Command-line option → parameter name, for the parameters that have one."""
        return {
            str(extra["option"]): name
            for name, field in cls.model_fields.items()
            if isinstance(extra := field.json_schema_extra, dict) and "option" in extra
        }


class ComparisonInputs(NotebookInputs):
    """``comparaison_territoriale``: the CPTS of a department or a region compared."""

    territoire: str = code("84", TERRITORY_HELP)
    volet_snp_supplementaire: bool = parameter(
        False,
        "inclure le volet supplémentaire SNP pour toutes les CPTS",
        option="--volet-snp-supplementaire",
    )
    indicateurs: str = parameter(
        "",
        "indicateurs hors registre : .xlsx (feuilles indicateurs et catalogue_indicateurs) ou "
        ".csv (catalogue_indicateurs.csv à côté) ; défaut : ceux du registre",
        option="--indicateurs",
        metavar="CHEMIN",
    )

    _indicators_exist = field_validator("indicateurs")(
        existing_path("fichier d'indicateurs introuvable", file_only=True)
    )


class ProfileInputs(NotebookInputs):
    """``profil_cpts``: one CPTS, its funding, calendar and territory."""

    SUBJECT: ClassVar[str] = "cpts"

    cpts: str = code("ARA-42-01", "identifiant de la CPTS dans le registre")

    def check_registry(self, registry: Registry) -> None:
        from cpts_analysis.territory.resolution import registry_cpts

        registry_cpts(self.cpts, registry)


class ScenarioInputs(NotebookInputs):
    """``scenarios``: thresholds crossed, a merger, a split, ACI 2019 against avenant 2."""

    territoire: str = code("84", TERRITORY_HELP)
    fusion_a: str = parameter(
        "",
        "première des deux CPTS à fusionner (vide : choix automatique)",
        option="--fusion-a",
        metavar="ID",
    )
    fusion_b: str = parameter(
        "",
        "seconde des deux CPTS à fusionner (vide : choix automatique)",
        option="--fusion-b",
        metavar="ID",
    )
    decoupage: str = parameter(
        "", "CPTS à scinder (vide : la plus peuplée)", option="--decoupage", metavar="ID"
    )

    def check_registry(self, registry: Registry) -> None:
        from cpts_analysis.territory.resolution import registry_cpts

        super().check_registry(registry)
        for field in ("fusion_a", "fusion_b", "decoupage"):
            if cpts_id := getattr(self, field):
                registry_cpts(cpts_id, registry, field)
        from cpts_analysis.analysis.scenarios import require_signed_pair
        from cpts_analysis.territory.resolution import cpts_in, resolve_territory

        require_signed_pair(cpts_in(resolve_territory(self.territoire, registry), registry))


class ReformInputs(NotebookInputs):
    """``reforme``: the rules in force against a variant, by CPTS and tier."""

    territoire: str = code("63", 'département, région ("region:84", "departement:42") ou "cpts:ID"')
    variante: str = parameter(
        "",
        "variante des règles comparée aux règles en vigueur : fichier YAML de surcharge ou "
        "dossier de paramètres, ex. examples/variantes/part_variable_plus_20.yaml (défaut : "
        "l'exemple taille2_fonctionnement_plus_10000.yaml)",
        option="--variant",
        metavar="CHEMIN",
    )

    _variant_exists = field_validator("variante")(existing_path("variante introuvable"))

    @property
    def variant_path(self) -> Path:
        return Path(self.variante) if self.variante else EXAMPLE_VARIANT


class ReviewInputs(NotebookInputs):
    """``revue_annuelle``: one contract year of one CPTS, its variable part earned from the
    contract's indicators."""

    SUBJECT: ClassVar[str] = "cpts"

    cpts: str = code("ARA-42-02", "identifiant de la CPTS dans le registre")
    annee: int = parameter(
        1,
        "année de contrat revue (1 = l'année qui suit la signature)",
        option="--annee",
        metavar="N",
        ge=1,
    )

    def folder_name(self, registry: Registry) -> str:
        return f"{self.cpts}-annee-{self.annee}"

    def check_registry(self, registry: Registry) -> None:
        from cpts_analysis.analysis.annual_review import annual_review

        annual_review(registry, self.cpts, self.annee, self.date)


TEMPLATES: dict[str, type[NotebookInputs]] = {
    "comparaison_territoriale": ComparisonInputs,
    "profil_cpts": ProfileInputs,
    "scenarios": ScenarioInputs,
    "reforme": ReformInputs,
    "revue_annuelle": ReviewInputs,
}
"""Report template (``notebooks/<name>.ipynb``) → the model of its parameters."""
