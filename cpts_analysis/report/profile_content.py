"""Display-ready pieces of the CPTS profile report (``profil_cpts``): summary, years, schedule,
variable parts, local amounts, map layers and sidecar files."""

from __future__ import annotations

import html

import pandas as pd
import shapely
from IPython.display import HTML

from cpts_analysis.aci.missions import group_label
from cpts_analysis.aci.rules import rule_sets, rules_at
from cpts_analysis.analysis.profile import Profile
from cpts_analysis.analysis.readable import rule_set_labels
from cpts_analysis.core.formatting import format_date, format_number, format_percent
from cpts_analysis.core.vocabulary import (
    CPTS_STATES,
    PAYMENT_KINDS,
    SHEETS,
    contract_year_labels,
    header,
    headline_label,
    renewal_note,
)
from cpts_analysis.report.about import report_meta
from cpts_analysis.report.content import indicator_rows
from cpts_analysis.report.inputs import NotebookInputs
from cpts_analysis.report.sidecars import save_sidecars
from cpts_analysis.report.tables import (
    amount_cell,
    formatted,
    labelled_rows,
    number_cell,
)
from cpts_analysis.territory.territories import cpts_contours, single_region, territory_units


def profile_map_layers(profile: Profile) -> dict:
    """``maps.territory_map`` arguments: the CPTS inside its department(s), its communes shared
    with other CPTS hatched."""
    memberships = profile.communes.assign(cpts_id=profile.cpts["cpts_id"])
    region = single_region(memberships["code_commune"])
    units = territory_units(memberships["code_commune"], geometry=True, region=region)
    around = units[units["dep"].isin(set(profile.communes["dep"]))]
    empty = pd.DataFrame({"geometry": []})
    shared = memberships.loc[memberships["part"] < 1, ["code_commune", "cpts_id"]]
    shapes = units.set_index("code")["geometry"]
    return {
        "contours": cpts_contours(memberships, region=region),
        "names": pd.Series({profile.cpts["cpts_id"]: profile.cpts["nom"]}),
        "white": empty,
        "overlap": empty,
        "outline": shapely.union_all(around["geometry"].to_numpy()),
        "shared": shared.assign(geometry=shared["code_commune"].map(shapes)),
    }


def profile_summary(profile: Profile) -> pd.DataFrame:
    row = profile.cpts
    rows = [
        (header("cpts"), row["nom"]),
        (header("departement"), row["departement"]),
        (header("statut"), CPTS_STATES.get(row["statut"], row["statut"])),
        (header("date_signature"), format_date(row["date_signature"])),
        (headline_label("population"), number_cell(row["population"])),
        (header("communes"), number_cell(row["communes"])),
        (headline_label("taille"), number_cell(row["tier"])),
        (header("distance_next_tier"), format_number(row["distance_next_tier"])),
        (headline_label("enveloppe_5_ans"), amount_cell(profile.funding["amount"].sum())),
    ]
    if profile.indicative:
        rows.append(
            (
                headline_label("contrat_indicatif"),
                "CPTS non signée, signature simulée à la date de "
                "référence, missions socles démarrant à leur date limite",
            )
        )
    return indicator_rows(rows)


def with_renewal(frame: pd.DataFrame) -> pd.DataFrame:
    """``contract_year`` as the reader sees it: years of the tacit renewal say so."""
    return frame.assign(contract_year=contract_year_labels(frame))


def renewal_box(profile: Profile) -> HTML:
    """The tacit renewal is an unconfirmed hypothesis: a profile in its renewal says so."""
    if not profile.funding["renewal"].any():
        return HTML("")
    years = rules_at(profile.funding["year_start"].min()).payment.contract_years
    return HTML(f"<p><b>{html.escape(renewal_note(years))}</b></p>")


def years_table(profile: Profile) -> pd.DataFrame:
    return formatted(
        with_renewal(profile.years),
        {
            "contract_year": None,
            "debut": format_date,
            "fin": format_date,
            "regles": rule_set_labels().__getitem__,
            "taille": None,
            "total": amount_cell,
        },
    )


def schedule_table(profile: Profile) -> pd.DataFrame:
    return formatted(
        with_renewal(profile.schedule),
        {
            "date": format_date,
            "contract_year": None,
            "mission": group_label,
            "label": None,
            "kind": PAYMENT_KINDS.__getitem__,
            "amount": amount_cell,
        },
    )


def variable_table(profile: Profile) -> pd.DataFrame:
    return formatted(
        with_renewal(profile.variable),
        {
            "contract_year": None,
            "mission": group_label,
            "achievement": lambda v: format_percent(float(v), 0),
            "amount": amount_cell,
            "maximum": amount_cell,
        },
    )


def overrides_table(profile: Profile) -> pd.DataFrame:
    if profile.overrides.empty:
        return labelled_rows(
            pd.DataFrame(
                {headline_label("montants_locaux"): ["aucun : montants nationaux appliqués"]}
            )
        )
    return formatted(
        profile.overrides,
        {"annee_contrat": None, "mission": group_label, "composante": None, "montant": amount_cell},
    )


def profile_sidecars(profile: Profile, inputs: NotebookInputs) -> None:
    save_sidecars(
        inputs.output_dir,
        headline=profile.headline(),
        tables={
            SHEETS["years"]: profile.years,
            SHEETS["funding"]: profile.funding,
            SHEETS["schedule"]: profile.schedule,
            header("communes"): profile.communes,
            header("epci"): profile.epci,
            SHEETS["variable"]: profile.variable,
            headline_label("montants_locaux"): profile.overrides,
        },
        meta=report_meta(
            inputs,
            f"Profil de la {profile.cpts['nom']}",
            [r for r in rule_sets() if r.id in set(profile.years["regles"])],
        ),
    )
