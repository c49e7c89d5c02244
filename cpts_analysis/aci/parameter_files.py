"""Strict reading of the legal parameter files (dated YAML, in the spirit of OpenFisca).

Why strict: a misspelt key that a lenient loader ignores silently changes a legal amount (as
PolicyEngine's parameter files once did with a misspelt ``uprating``). Every rule below rejects
the file with an error naming the file and the key path:

* unknown keys, duplicate keys, missing ``source`` or ``status``;
* negative, boolean or non-numeric amounts;
* rule sets whose periods overlap, and dated values that do not start a rule set;
* missions or amount groups that reference nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from cpts_analysis.aci.yaml_files import read_yaml
from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.messages import pydantic_message
from cpts_analysis.core.paths import PARAMETERS_DIR

Status = Literal["confirmed", "consistent", "proposal", "disagree", "unconfirmed"]
STATUSES: tuple[str, ...] = get_args(Status)
TIER_KEYS = ("taille_1", "taille_2", "taille_3", "taille_4")
Amount = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]
Text = Annotated[str, Field(min_length=1)]
OPTIONS = ("snp_supplement", "crisis_activated", "fonctionnement_uplift")
NON_MISSION_GROUPS = ("fonctionnement", "pre_contrat", "plafond")
M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base of every parameter-file model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TierAmount(StrictModel):
    """A per-tier amount that carries its own status or source, overriding its date's."""

    value: Amount | None
    status: Status | None = None
    source: Text | None = None
    note: Text | None = None


def _tier_branch(value: Any) -> str:
    return "detailed" if isinstance(value, dict | TierAmount) else "plain"


# Tagged so that a bad amount yields one error, not one per union branch.
TierValue = Annotated[
    Annotated[Amount | None, Tag("plain")] | Annotated[TierAmount, Tag("detailed")],
    Discriminator(_tier_branch),
]


class DatedAmounts(StrictModel):
    taille_1: TierValue
    taille_2: TierValue
    taille_3: TierValue
    taille_4: TierValue
    status: Status
    source: Text
    note: Text | None = None


class Component(StrictModel):
    label: Text
    nature: Literal["fonctionnement", "fixe", "variable", "activation", "pre_contrat", "plafond"]
    nature_status: Status | None = None
    option: Literal[OPTIONS] | None = None  # type: ignore[valid-type]
    applies_to: Literal[
        "every_year", "first_contract_year", "first_mission_year", "later_mission_years"
    ] = "every_year"
    values: Annotated[dict[dt.date, DatedAmounts], Field(min_length=1)]


class AmountsFile(StrictModel):
    description: Text
    group: Text
    components: Annotated[dict[str, Component], Field(min_length=1)]


class RuleSetEntry(StrictModel):
    label: Text
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    status: Status
    source: Text
    note: Text | None = None

    @model_validator(mode="after")
    def _until_after_from(self) -> RuleSetEntry:
        if self.until is not None and self.until < self.from_:
            raise ValueError("'until' precedes 'from'")
        return self


class RuleSetsFile(StrictModel):
    description: Text
    rule_sets: Annotated[dict[str, RuleSetEntry], Field(min_length=1)]


class TierThreshold(StrictModel):
    """``min``: the tier starts at that population; ``above``: it starts just above it."""

    min: Annotated[int, Field(ge=0, strict=True)] | None = None
    above: Annotated[int, Field(ge=0, strict=True)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TierThreshold:
        if (self.min is None) == (self.above is None):
            raise ValueError("donner exactement une des deux clés : min ou above")
        return self


class DatedTiers(StrictModel):
    taille_2: TierThreshold
    taille_3: TierThreshold
    taille_4: TierThreshold
    status: Status
    source: Text
    note: Text | None = None


class TiersFile(StrictModel):
    description: Text
    metadata: dict[Literal["unit"], Text] | None = None
    values: Annotated[dict[dt.date, DatedTiers], Field(min_length=1)]


class Flag(StrictModel):
    """A yes/no rule with its own source and status."""

    value: Annotated[bool, Field(strict=True)]
    status: Status
    source: Text


class DatedPayment(StrictModel):
    duree_contrat_annees: Annotated[int, Field(ge=1, strict=True)]
    taux_avance_fonctionnement: Annotated[float, Field(ge=0, le=1, strict=True)]
    taux_avance_fixe: Annotated[float, Field(ge=0, le=1, strict=True)]
    renouvellement_tacite: Flag
    status: Status
    source: Text
    note: Text | None = None


class PaymentFile(StrictModel):
    description: Text
    values: Annotated[dict[dt.date, DatedPayment], Field(min_length=1)]


class Calendar(StrictModel):
    start_months: Annotated[int, Field(ge=0, strict=True)] | None
    deploy_months: Annotated[int, Field(ge=0, strict=True)] | None
    status: Status
    source: Text
    note: Text | None = None


class IndicatorEntry(StrictModel):
    name: Text
    direction: Literal["hausse", "baisse", "action"]
    unit: Literal["part", "nombre", "action"]
    status: Status
    source: Text


class MissionEntry(StrictModel):
    label: Text
    short_label: Text
    category: Literal["socle", "optionnelle"]
    since: Text
    calendar: Calendar
    indicators: list[IndicatorEntry]


class MissionsFile(StrictModel):
    description: Text
    missions: Annotated[dict[str, MissionEntry], Field(min_length=1)]


@dataclass(frozen=True, eq=False)  # identity hash: trees are cache keys
class ParameterTree:
    """Everything read from one parameters folder, already cross-checked."""

    root: Path
    rule_sets: RuleSetsFile
    tiers: TiersFile
    payment: PaymentFile
    missions: MissionsFile
    amounts: tuple[AmountsFile, ...]


def parse_file(model: type[M], path: Path, root: Path) -> M:
    """One parameter file read into ``model``, every problem named with its key path."""
    label = _label(path, root)
    data = read_yaml(path, label)
    try:
        return model.model_validate(data)
    except RecursionError:
        raise InputError.single(label, "YAML invalide : imbrication trop profonde") from None
    except ValidationError as exc:
        raise InputError(
            key_problem(label, key_path(err["loc"]), pydantic_message(err)) for err in exc.errors()
        ) from None


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


_DATE_REPR = re.compile(r"datetime\.date\((\d+), (\d+), (\d+)\)")


def _iso(match: re.Match[str]) -> str:
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def key_path(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the dotted key a user reads in the YAML file."""
    # Union branches show up as extra loc items (tags, "constrained-int"...): keep real keys only.
    skipped = {"plain", "detailed", "constrained-int", "constrained-float", "int", "float"}
    parts = [_DATE_REPR.sub(_iso, p.isoformat() if isinstance(p, dt.date) else str(p)) for p in loc]
    return ".".join(p for p in parts if p not in skipped) or "(racine)"


def load_parameter_tree(root: Path) -> ParameterTree:
    """Read and cross-check a parameters folder; raise ``InputError`` listing every problem."""
    root = Path(root)
    problems: list[Problem] = []

    def parse(model: type[M], path: Path) -> M | None:
        try:
            return parse_file(model, path, root)
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    amount_paths = sorted((root / "montants").glob("*.yaml"))
    parsed = {
        "rule_sets": parse(RuleSetsFile, root / "rule_sets.yaml"),
        "tiers": parse(TiersFile, root / "tiers.yaml"),
        "payment": parse(PaymentFile, root / "paiement.yaml"),
        "missions": parse(MissionsFile, root / "missions.yaml"),
    }
    amounts = [parse(AmountsFile, path) for path in amount_paths]
    if not amount_paths:
        problems.append(Problem(file=_label(root / "montants", root), message="aucun fichier"))
    if problems:
        raise InputError(problems)
    tree = ParameterTree(root=root, amounts=tuple(amounts), **parsed)  # type: ignore[arg-type]
    problems = cross_check(tree)
    if problems:
        raise InputError(problems)
    return tree


def key_problem(file: str, key: str, message: str) -> Problem:
    """A problem at a key of a parameter file."""
    return Problem(file=file, field=key, message=message, field_kind="clé")


@functools.lru_cache(maxsize=8)
def default_tree(root: Path = PARAMETERS_DIR) -> ParameterTree:
    """The package's parameters, read once per process (they are immutable models)."""
    return load_parameter_tree(root)


def cross_check(tree: ParameterTree) -> list[Problem]:
    """What no single file can tell: groups, missions and rule sets consistent across files."""
    root = tree.root
    problems: list[Problem] = []
    rule_sets_label = _label(root / "rule_sets.yaml", root)

    ordered = sorted(tree.rule_sets.rule_sets.items(), key=lambda item: item[1].from_)
    for (name, entry), (next_name, next_entry) in itertools.pairwise(ordered):
        end = entry.until or next_entry.from_ - dt.timedelta(days=1)
        if entry.from_ == next_entry.from_ or end >= next_entry.from_:
            problems.append(
                key_problem(
                    rule_sets_label,
                    f"rule_sets.{name}",
                    f"période qui chevauche celle de « {next_name} »",
                )
            )
    starts = {entry.from_ for entry in tree.rule_sets.rule_sets.values()}

    def check_dates(label: str, prefix: str, dates: Any) -> None:
        for date in dates:
            if date not in starts:
                problems.append(
                    key_problem(
                        label,
                        f"{prefix}.{date.isoformat()}",
                        "date d'effet qui ne correspond au début d'aucun jeu de règles "
                        "(rule_sets.yaml)",
                    )
                )

    check_dates(_label(root / "tiers.yaml", root), "values", tree.tiers.values)
    check_dates(_label(root / "paiement.yaml", root), "values", tree.payment.values)
    missions_label = _label(root / "missions.yaml", root)
    for mission_id, mission in tree.missions.missions.items():
        if mission.since not in tree.rule_sets.rule_sets:
            problems.append(
                key_problem(
                    missions_label,
                    f"missions.{mission_id}.since",
                    f"jeu de règles inconnu « {mission.since} »",
                )
            )

    groups: dict[str, str] = {}
    for amounts, path in zip(tree.amounts, sorted((root / "montants").glob("*.yaml")), strict=True):
        label = _label(path, root)
        if amounts.group in groups:
            problems.append(
                key_problem(label, "group", f"groupe déjà défini dans {groups[amounts.group]}")
            )
        groups[amounts.group] = label
        if amounts.group not in tree.missions.missions and amounts.group not in NON_MISSION_GROUPS:
            problems.append(key_problem(label, "group", f"mission inconnue « {amounts.group} »"))
        for comp_id, component in amounts.components.items():
            check_dates(label, f"components.{comp_id}.values", component.values)
    for mission_id in tree.missions.missions:
        if mission_id not in groups:
            problems.append(
                key_problem(
                    missions_label,
                    f"missions.{mission_id}",
                    "aucun fichier de montants (montants/*.yaml) pour cette mission",
                )
            )
    return problems
