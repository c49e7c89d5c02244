"""Display-ready pieces of the report notebooks: French tables, warning boxes, map layers and
sidecar files. Notebooks stay a sequence of calls; the formatting rules live here once.

Tables are returned as DataFrames of strings, sorted, so that their outputs are identical from
one run to the next (golden notebooks compare them).
"""

from __future__ import annotations

import html

import pandas as pd
import shapely
from IPython.display import HTML

from cpts_analysis.aci.missions import group_label
from cpts_analysis.aci.rules import rule_sets
from cpts_analysis.analysis.comparison import Comparison
from cpts_analysis.analysis.readable import rule_set_labels
from cpts_analysis.analysis.scenarios import merger_gain, split_gain
from cpts_analysis.core.cache import cached, digest, frame_digest
from cpts_analysis.core.formatting import MISSING, format_date, format_percent
from cpts_analysis.core.vocabulary import (
    CPTS_STATES,
    SHEETS,
    Kind,
    header,
    headline_label,
    status_label,
)
from cpts_analysis.report.about import DATA_VINTAGES, report_meta
from cpts_analysis.report.inputs import NotebookInputs, ScenarioInputs
from cpts_analysis.report.shared_communes import format_share
from cpts_analysis.report.sidecars import Sidecars, save_sidecars, start_sidecars
from cpts_analysis.report.tables import (
    Formatter,
    amount_cell,
    cents_cell,
    formatted,
    labelled_rows,
    number_cell,
)
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.territories import cpts_contours, single_region, territory_units


def configure_display() -> None:
    """pandas display options for reports: whole cell texts, every row of our tables."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 500)
    pd.set_option("display.width", 250)


def _missions(value: object) -> str:
    return ", ".join(group_label(m) for m in str(value).split(", ") if m) or MISSING


def headline_table(result: Comparison) -> pd.DataFrame:
    h = result.headline()
    cells = {
        "nombre_cpts": number_cell,
        "cpts_signees": number_cell,
        "population": number_cell,
        "population_couverte": number_cell,
        "taux_couverture": lambda v: format_percent(float(v)),
        "communes_zone_blanche": number_cell,
        "financement_annuel_total": amount_cell,
        "euros_par_habitant_couvert": cents_cell,
        "missions_en_retard": number_cell,
        "cpts_en_renouvellement": number_cell,
        "montants_non_confirmes": number_cell,
    }
    rows = [(headline_label(key), cell(h[key])) for key, cell in cells.items()]
    rows.append((headline_label("regles"), result.rule_set.describe_period()))
    rows.append((headline_label("date_reference"), format_date(result.date)))
    return indicator_rows(rows)


def indicator_rows(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """A two-column table of labelled values (Indicateur, Valeur)."""
    columns = [header("indicateur"), header("valeur")]
    return labelled_rows(pd.DataFrame(rows, columns=columns))


def cpts_table(result: Comparison) -> pd.DataFrame:
    return formatted(
        result.cpts.rename(columns={"nom": "cpts"}),
        {
            "cpts": None,
            "departement": None,
            "population": number_cell,
            "tier": number_cell,
            "distance_next_tier": number_cell,
            "date_signature": format_date,
            "statut": CPTS_STATES.__getitem__,
            "missions_en_cours": _missions,
            "missions_en_retard": _missions,
            "financement_annuel": amount_cell,
            "euros_par_habitant": cents_cell,
        },
    )


def coverage_table(result: Comparison) -> pd.DataFrame:
    return formatted(
        result.coverage,
        {
            "departement": None,
            "nom": None,
            "population": number_cell,
            "population_couverte": number_cell,
            "taux": format_percent,
            "communes": number_cell,
            "communes_couvertes": number_cell,
        },
    )


def neighbour_table(result: Comparison) -> pd.DataFrame | HTML:
    """The CPTS attached to other departments that cover communes of the territory: counted
    in its coverage, not in its CPTS or funding (they are the other department's)."""
    if result.neighbours.empty:
        return HTML(
            "<p>Aucune CPTS rattachée à un autre département ne couvre de commune du "
            "territoire.</p>"
        )
    return formatted(
        result.neighbours.rename(
            columns={
                "nom": "cpts",
                "departement": "attached_departement",
                "communes": "covered_communes",
                "noms": "covered_commune_names",
            }
        ),
        {
            "cpts_id": None,
            "cpts": None,
            "attached_departement": None,
            "covered_communes": number_cell,
            "covered_commune_names": None,
        },
    )


def white_zone_table(result: Comparison, top: int = 15) -> pd.DataFrame:
    """The white-zone communes with the most uncovered inhabitants (the full list is in the
    workbook); a shared commune whose parts add up to less than 1 shows its uncovered share."""
    return formatted(
        result.white_zones.head(top).rename(columns={"nom": "uncovered_commune"}),
        {
            "code": None,
            "uncovered_commune": None,
            "dep": None,
            "population": number_cell,
            "part_non_couverte": format_share,
            "population_non_couverte": number_cell,
        },
    )


def method_note(result: Comparison) -> HTML:
    rule_set = result.rule_set
    vintages = "".join(f"<li>{k} : {html.escape(v)}</li>" for k, v in DATA_VINTAGES.items())
    return HTML(
        f"<p>Règles : {html.escape(rule_set.describe_period())}, statut de la date d'entrée en "
        f"vigueur : {html.escape(status_label(rule_set.status))}. Source : "
        f"{html.escape(rule_set.source)}</p><p>Données :</p><ul>{vintages}</ul>"
        "<p>Le financement de l'année en cours applique le prorata temporis des missions "
        "démarrées en cours d'année, les taux d'atteinte du registre (100 % à défaut) et les "
        "montants des contrats locaux. Les CPTS non signées n'ont pas de financement ACI.</p>"
    )


def map_layers(result: Comparison, names: pd.Series) -> dict:
    """Keyword arguments of ``maps.territory_map`` for the comparison's territory; the unions
    (territories, outline) come from the on-disk cache when their units are unchanged."""
    members = result.memberships
    communes = load_communes()
    scope = communes.loc[communes["dep"].isin(result.territory.departements), "code"]
    region = single_region(pd.concat([scope, members["code_commune"]]))
    units = territory_units(members["code_commune"], geometry=True, region=region)
    in_scope = units[units["dep"].isin(result.territory.departements)]
    shapes = units.set_index("code")["geometry"]
    white = result.white_zones.assign(geometry=result.white_zones["code"].map(shapes))
    overlap = result.overlaps.assign(geometry=result.overlaps["code_commune"].map(shapes))
    shared = result.shared.assign(geometry=result.shared["code_commune"].map(shapes))
    return {
        "contours": cpts_contours(members, region=region),
        "names": names,
        "white": white,
        "overlap": overlap,
        "outline": cached(
            "outline",
            digest(region, frame_digest(in_scope[["code"]])),
            lambda: shapely.union_all(in_scope["geometry"].to_numpy()),
        ),
        "shared": shared[["code_commune", "cpts_id", "geometry"]],
    }


def comparison_tables(result: Comparison) -> dict[str, pd.DataFrame]:
    """The comparison's own sheets of its workbook, by sheet name."""
    return {
        header("cpts"): result.cpts,
        SHEETS["current"]: result.current,
        SHEETS["schedule"]: result.schedule,
        SHEETS["deployment"]: result.deployment,
        SHEETS["coverage"]: result.coverage,
        SHEETS["white_zones"]: result.white_zones,
        SHEETS["shared"]: result.shared,
        SHEETS["uncertain"]: result.uncertain,
    }


def comparison_sidecars(
    result: Comparison, inputs: NotebookInputs, extra: dict[str, pd.DataFrame] | None = None
) -> Sidecars:
    """Headline JSON and workbook of the comparison report (no-op outside the runner);
    ``extra`` sheets follow the comparison's own (budget, indicators).

    Its region workbook is the report's largest file (a sheet row per member commune): it is
    written in the background, while the last cells draw; the last cell calls
    :meth:`~cpts_analysis.report.sidecars.Sidecars.finish`.
    """
    return start_sidecars(
        inputs.output_dir,
        headline=result.headline(),
        tables=comparison_tables(result) | (extra or {}),
        meta=report_meta(
            inputs,
            f"Comparaison territoriale des CPTS — {result.territory.title}",
            [result.rule_set],
        ),
        background=True,
    )


def threshold_table(table: pd.DataFrame) -> pd.DataFrame:
    return formatted(
        table.rename(columns={"nom": "cpts"}),
        {
            "cpts": None,
            "population": number_cell,
            "tier": None,
            "enveloppe": amount_cell,
            "habitants_pour_monter": number_cell,
            "gain_si_monte": amount_cell,
            "habitants_avant_descente": number_cell,
            "perte_si_descend": amount_cell,
        },
    )


def merger_table(table: pd.DataFrame) -> pd.DataFrame:
    """Two CPTS apart, then merged; the last line is the merger's gain (or loss)."""
    return _configurations(table, headline_label("ecart_fusion"), merger_gain(table))


def split_table(table: pd.DataFrame) -> pd.DataFrame:
    """One CPTS, then its two halves; the last line is what splitting adds (or removes)."""
    return _configurations(table, headline_label("ecart_scission"), split_gain(table))


def _configurations(table: pd.DataFrame, label: str, difference: float) -> pd.DataFrame:
    columns: dict[str, Formatter | None] = {"configuration": None}
    if "communes" in table:
        columns["communes"] = number_cell
    columns["population"] = number_cell
    columns["enveloppe"] = amount_cell
    shown = formatted(table, columns)
    shown.loc[label] = dict.fromkeys(shown.columns, "") | {
        header("enveloppe"): amount_cell(difference)
    }
    return shown


def rule_sets_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each CPTS under every rule set (columns named by rule set id) and the difference."""
    columns: dict[str, Formatter | None] = {"cpts": None, "population": number_cell}
    for column in table.columns.drop(["cpts_id", "nom", "population"], errors="ignore"):
        columns[column] = amount_cell
    return formatted(table.rename(columns={"nom": "cpts"}), columns, rule_set_labels())


def scenario_sidecars(
    inputs: ScenarioInputs, title: str, headline: dict, tables: dict[str, pd.DataFrame]
) -> None:
    """``title``: the territory as a reader names it (``Territory.title``)."""
    save_sidecars(
        inputs.output_dir,
        headline=headline,
        tables=tables,
        meta=report_meta(inputs, f"Scénarios — {title}", rule_sets()),
        labels=rule_set_labels(),
        kinds=dict.fromkeys(rule_set_labels(), Kind.AMOUNT),
    )
