"""Rule variants (reforms in OpenFisca's sense): the rules in force, changed by a proposal.

A variant is either a whole parameters folder (read by the strict loader) or a small overlay
YAML file that adds rule sets from a date (e.g. an "avenant 3" from 2027-01-01) and changes
some amounts from a rule-set start, without copying the folder. The overlay is validated with
the loader's own models and cross-checks, so its errors name the overlay file and the key path
just as the parameter files' do. A variant is a separate ``ParameterTree``: every rules cache is
keyed by tree identity, so the rules in force and the variant never leak into each other.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from cpts_analysis.aci.parameter_files import (
    TIER_KEYS,
    Amount,
    AmountsFile,
    DatedAmounts,
    ParameterTree,
    RuleSetEntry,
    Status,
    StrictModel,
    Text,
    TierAmount,
    cross_check,
    default_tree,
    key_path,
    key_problem,
    load_parameter_tree,
    parse_file,
)
from cpts_analysis.aci.rules import rule_sets, rules_at
from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.messages import pydantic_message

TierKey = Literal["taille_1", "taille_2", "taille_3", "taille_4"]
CHANGE_COLUMNS = [
    "rule_set",
    "rule_set_label",
    "from",
    "group",
    "component",
    "label",
    "tier",
    "current",
    "variant",
    "status",
    "source",
    "note",
]


class Change(StrictModel):
    """New amounts of the components matching ``target`` from the rule-set start ``from``.

    Exactly one operation: ``set`` (amount per tier), ``add`` (euros, may be negative) or
    ``multiply`` (factor) applied to the amount in force on that date; ``tiers`` limits ``add``
    and ``multiply`` to some tiers (default: all four).
    """

    target: Text  # "group.component", shell wildcards allowed: "*.variable"
    from_: dt.date = Field(alias="from")
    set: dict[TierKey, Amount] | None = None
    add: Annotated[float, Field(strict=True, allow_inf_nan=False)] | None = None
    multiply: Amount | None = None
    tiers: Annotated[list[TierKey], Field(min_length=1)] | None = None
    status: Status
    source: Text
    note: Text | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Change:
        given = [name for name in ("set", "add", "multiply") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("donner exactement une opération : set, add ou multiply")
        if self.set is not None and self.tiers is not None:
            raise ValueError("'tiers' ne s'emploie pas avec 'set' (ses clés disent les tailles)")
        return self

    def new_value(self, tier: str, old: float | None) -> float | None:
        """The amount of ``tier`` after the change; None stays unknown (nothing to change)."""
        if self.set is not None:
            return self.set.get(tier, old)  # type: ignore[call-overload]
        if old is None or (self.tiers is not None and tier not in self.tiers):
            return old
        new = old + self.add if self.add is not None else old * (self.multiply or 0.0)
        return round(new, 2)


class OverlayFile(StrictModel):
    description: Text
    rule_sets: dict[str, RuleSetEntry] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)


@dataclass(frozen=True, eq=False)
class Variant:
    """The rules in force (``base``) and the same rules changed by a proposal (``tree``)."""

    path: Path
    label: str  # how files of the variant are named in messages and reports
    description: str
    base: ParameterTree
    tree: ParameterTree

    @property
    def new_starts(self) -> list[dt.date]:
        """Rule-set starts of the variant that the rules in force do not have: a contract year
        straddling one is paid pro rata temporis under each set (see analysis/reform.py)."""
        current = {r.start for r in rule_sets(self.base)}
        return sorted({r.start for r in rule_sets(self.tree)} - current)

    def changes(self) -> pd.DataFrame:
        """Every amount that differs from the rules in force, per rule set of the variant, with
        the variant's source and status."""
        frames = []
        for rule_set in rule_sets(self.tree):
            before = rules_at(rule_set.start, self.base).amounts
            after = rule_set.amounts.merge(
                before[["group", "component", "tier", "amount"]],
                on=["group", "component", "tier"],
                how="left",
                suffixes=("", "_current"),
            )
            same = (after["amount"] == after["amount_current"]) | (
                after["amount"].isna() & after["amount_current"].isna()
            )
            frames.append(
                after[~same].assign(
                    rule_set_label=rule_set.label, **{"from": pd.Timestamp(rule_set.start)}
                )
            )
        table = pd.concat(frames, ignore_index=True)
        table = table.rename(columns={"amount_current": "current", "amount": "variant"})
        return table[CHANGE_COLUMNS]


def load_variant(path: Path, base: ParameterTree | None = None) -> Variant:
    """Read a variant (parameters folder or overlay file) over ``base`` (default: the rules in
    force, ``CPTS_PARAMETERS_DIR`` included); ``InputError`` names the file and key of every
    problem.

    Examples:
        >>> import cpts_analysis as cpts
        >>> variant = cpts.load_variant("examples/variantes/part_variable_plus_20.yaml")
        >>> variant.label
        'variantes/part_variable_plus_20.yaml'
    """
    path = Path(path)
    base = base or default_tree()
    if path.is_dir():
        tree = load_parameter_tree(path)
        return Variant(path, str(path), f"Dossier de paramètres {path.name}", base, tree)
    if not path.exists():
        raise InputError.single(str(path), "variante introuvable (fichier YAML ou dossier)")
    overlay = parse_file(OverlayFile, path, path.parent)
    label = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    return Variant(path, label, overlay.description, base, apply_overlay(base, overlay, label))


def apply_overlay(base: ParameterTree, overlay: OverlayFile, label: str) -> ParameterTree:
    """``base`` with the overlay's rule sets and changes, cross-checked like a folder."""
    problems: list[Problem] = []
    sets = dict(base.rule_sets.rule_sets)
    for name, entry in overlay.rule_sets.items():
        if name in sets:
            problems.append(
                key_problem(label, f"rule_sets.{name}", "jeu de règles déjà en vigueur")
            )
        sets[name] = entry
    starts = {entry.from_ for entry in sets.values()}
    files = {amounts.group: amounts for amounts in base.amounts}
    for index, change in enumerate(overlay.changes):
        key = f"changes.{index}"
        if change.from_ not in starts:
            problems.append(
                key_problem(
                    label,
                    f"{key}.from",
                    f"le {format_date(change.from_)} ne commence aucun jeu de règles "
                    "(ceux des paramètres ou de rule_sets de la variante)",
                )
            )
            continue
        matched = [
            (group, component)
            for group, amounts in files.items()
            for component in amounts.components
            if fnmatch.fnmatchcase(f"{group}.{component}", change.target)
        ]
        if not matched:
            problems.append(
                key_problem(
                    label,
                    f"{key}.target",
                    f"aucune composante « {change.target} » (forme groupe.composante, "
                    "par ex. fonctionnement.fonctionnement ou *.variable)",
                )
            )
        for group, component in matched:
            try:
                files[group] = _changed(files[group], component, change)
            except (ValueError, ValidationError) as exc:
                problems.append(key_problem(label, key, f"{group}.{component} : {_reason(exc)}"))
    if problems:
        raise InputError(problems)
    tree = ParameterTree(
        root=base.root,
        rule_sets=base.rule_sets.model_copy(update={"rule_sets": sets}),
        tiers=base.tiers,
        payment=base.payment,
        missions=base.missions,
        amounts=tuple(files.values()),
    )
    checked = cross_check(tree)
    if checked:
        raise InputError(
            key_problem(
                label, p.field or "(racine)", f"une fois appliquée à {p.file} : {p.message}"
            )
            for p in checked
        )
    return tree


def _changed(amounts: AmountsFile, component_id: str, change: Change) -> AmountsFile:
    component = amounts.components[component_id]
    dates = [d for d in component.values if d <= change.from_]
    if not dates:
        raise ValueError(f"aucun montant en vigueur le {format_date(change.from_)}")
    in_force = component.values[max(dates)]
    tiers: dict[str, TierAmount | float | None] = {}
    for key in TIER_KEYS:
        value = getattr(in_force, key)
        old = value.value if isinstance(value, TierAmount) else value
        new = change.new_value(key, old)
        if new == old and old is not None:  # unchanged: keep its own provenance
            tiers[key] = TierAmount(
                value=old,
                status=(isinstance(value, TierAmount) and value.status) or in_force.status,
                source=(isinstance(value, TierAmount) and value.source) or in_force.source,
            )
        else:
            tiers[key] = new
    dated = DatedAmounts.model_validate(
        {**tiers, "status": change.status, "source": change.source, "note": change.note}
    )
    values = dict(sorted({**component.values, change.from_: dated}.items()))
    components = {
        **amounts.components,
        component_id: component.model_copy(update={"values": values}),
    }
    return amounts.model_copy(update={"components": components})


def _reason(exc: ValueError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{key_path(e['loc'])} : {pydantic_message(e)}" for e in exc.errors())
    return str(exc)
