"""What the ``reforme`` report shows: cost of a rule variant, winners and losers, delta per
inhabitant by tier, the map of deltas, and every changed value with its source and status."""

from __future__ import annotations

import html

import matplotlib
import pandas as pd
import shapely
from IPython.display import HTML
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure

from cpts_analysis.aci.missions import group_label
from cpts_analysis.aci.rules import rule_sets
from cpts_analysis.analysis.reform import Reform
from cpts_analysis.core.formatting import format_date, format_euros, format_percent
from cpts_analysis.core.vocabulary import SHEETS, header, headline_label, status_label
from cpts_analysis.report.about import report_meta
from cpts_analysis.report.content import indicator_rows
from cpts_analysis.report.inputs import NotebookInputs
from cpts_analysis.report.maps import frame_map, layer
from cpts_analysis.report.plots import EUROS, new_figure
from cpts_analysis.report.sidecars import save_sidecars
from cpts_analysis.report.tables import (
    amount_cell,
    cents_cell,
    formatted,
    number_cell,
)
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.territories import cpts_contours, single_region, territory_units


def new_rule_sets(result: Reform) -> list:
    """Rule sets of the variant that the rules in force do not have."""
    starts = set(result.variant.new_starts)
    return [r for r in rule_sets(result.variant.tree) if r.start in starts]


def headline_table(result: Reform) -> pd.DataFrame:
    delta = result.variant_total - result.current
    share = delta / result.current if result.current else float("nan")
    gains, losses = int((result.cpts["delta"] > 0).sum()), int((result.cpts["delta"] < 0).sum())
    return indicator_rows(
        [
            (headline_label("territoire"), result.territory.title),
            ("Année de contrat en cours le", format_date(result.date)),
            (
                headline_label("variante"),
                f"{result.variant.description} ({result.variant.label})",
            ),
            (headline_label("total_en_vigueur"), format_euros(result.current)),
            (headline_label("total_variante"), format_euros(result.variant_total)),
            (headline_label("ecart"), f"{format_euros(delta)} ({format_percent(share)})"),
            (
                "CPTS gagnantes / perdantes / sans écart",
                f"{gains} / {losses} / {len(result.cpts) - gains - losses}",
            ),
            (
                headline_label("cpts_au_prorata"),
                str(int((result.prorated["delta"] != 0).sum())),
            ),
            (headline_label("valeurs_modifiees"), str(len(result.changes))),
        ]
    )


def winners_losers(result: Reform) -> pd.DataFrame:
    """CPTS with a non-zero delta, largest gain first, largest loss last."""
    moved = result.cpts[result.cpts["delta"] != 0].sort_values(
        ["delta", "cpts_id"], ascending=[False, True], ignore_index=True
    )
    moved = moved.assign(rang=range(1, len(moved) + 1)).rename(columns={"nom": "cpts"})
    return formatted(
        moved,
        {
            "rang": str,
            "cpts": None,
            "tier": str,
            "current": amount_cell,
            "variant": amount_cell,
            "delta": amount_cell,
            "part_variante": format_percent,
        },
    )


def prorated_box(result: Reform) -> HTML:
    """Which CPTS get only part of the change, and why (stated, not hidden in a total)."""
    starts = ", ".join(format_date(d) for d in result.variant.new_starts)
    rows = result.prorated[result.prorated["delta"] != 0]
    if not starts:
        return HTML("<p>La variante ne crée pas de nouveau jeu de règles : aucun prorata.</p>")
    if rows.empty:
        return HTML(
            f"<p>Aucune CPTS n'a d'écart au prorata : les nouvelles règles (à partir du "
            f"{starts}) couvrent toute l'année de contrat en cours, ou ne la changent pas.</p>"
        )
    items = "".join(
        f"<li>{html.escape(r.nom)} : année de contrat du {format_date(r.year_start)} au "
        f"{format_date(r.year_end)}, dont {format_percent(r.part_variante)} sous la variante — "
        f"écart {format_euros(r.delta)}</li>"
        for r in rows.itertuples()
    )
    return HTML(
        f"<p>Ces CPTS ont commencé leur année de contrat avant l'entrée en vigueur de la variante "
        f"({starts}) : l'écart ne porte que sur la part de l'année qui suit cette date (prorata "
        f"des jours).</p><ul>{items}</ul>"
    )


def tier_table(result: Reform) -> pd.DataFrame:
    return formatted(
        result.by_tier(),
        {
            "tier": str,
            "cpts": str,
            "population": number_cell,
            "current": amount_cell,
            "variant": amount_cell,
            "delta": amount_cell,
            "delta_par_habitant": cents_cell,
        },
    )


def years_table(result: Reform) -> pd.DataFrame:
    return formatted(
        result.years,
        {"annee": str, "current": amount_cell, "variant": amount_cell, "delta": amount_cell},
    )


def changes_table(result: Reform) -> pd.DataFrame:
    """Every amount the variant changes, with the variant's source and status."""
    return formatted(
        result.changes,
        {
            "rule_set_label": None,
            "from": format_date,
            "group": group_label,
            "label": None,
            "tier": str,
            "current": amount_cell,
            "variant": amount_cell,
            "status": status_label,
            "source": None,
        },
    )


def method_note(result: Reform) -> HTML:
    sets = "".join(
        f"<li>{html.escape(r.describe_period())} — statut : {html.escape(status_label(r.status))}"
        f" ; source : {html.escape(r.source)}</li>"
        for r in new_rule_sets(result)
    )
    return HTML(
        f"<p>Variante : {html.escape(result.variant.description)} "
        f"(<code>{html.escape(result.variant.label)}</code>).</p>"
        + (f"<p>Jeux de règles ajoutés par la variante :</p><ul>{sets}</ul>" if sets else "")
        + "<p>Les deux colonnes sont calculées par le même moteur, sur le même registre ; seules "
        "les règles diffèrent. Chaque CPTS signée est comptée pour l'année de contrat en cours à "
        "la date de référence (prorata des missions démarrées en cours d'année, taux d'atteinte "
        "du registre, 100 % à défaut, montants des contrats locaux). Une règle de la variante "
        "s'applique à partir de sa date : une année de contrat à cheval sur cette date est payée "
        "au prorata des jours selon chaque jeu de règles. Les CPTS non signées n'ont pas de "
        "financement ACI. Les totaux par année civile répartissent chaque montant sur les jours "
        "de sa période.</p>"
    )


def delta_map(result: Reform) -> Figure:
    """CPTS territories coloured by delta: green gain, red loss, pale yellow none, grey when
    the CPTS is not signed."""
    members = result.memberships
    communes = load_communes()
    departements = result.territory.departements
    scope = communes.loc[communes["dep"].isin(departements), "code"]
    region = single_region(pd.concat([scope, members["code_commune"]]))
    units = territory_units(scope, geometry=True, region=region)
    units = units[units["dep"].isin(departements)]
    contours = cpts_contours(members, region=region).merge(
        result.cpts[["cpts_id", "nom", "delta", "date_signature"]], on="cpts_id"
    )
    unsigned = contours["date_signature"].isna().to_numpy()
    figure, axes = new_figure(9, 9)
    norm = CenteredNorm(halfrange=max(float(contours["delta"].abs().max()), 1.0))
    colours = matplotlib.colormaps["RdYlGn"](norm(contours["delta"]))
    colours[unsigned] = matplotlib.colors.to_rgba("#d9d9d9")
    layer(axes, contours["geometry"], facecolors=colours, edgecolors="grey", linewidths=0.5)
    outline = shapely.union_all(units["geometry"].to_numpy())
    layer(axes, [outline], facecolors="none", edgecolors="black", linewidths=1)
    for row in contours.itertuples():
        point = row.geometry.representative_point()
        value = "non signée" if pd.isna(row.date_signature) else format_euros(row.delta)
        axes.annotate(
            f"{row.nom}\n{value}",
            (point.x, point.y),
            fontsize=6,
            ha="center",
        )
    scale = matplotlib.cm.ScalarMappable(norm=norm, cmap="RdYlGn")
    figure.colorbar(scale, ax=axes, shrink=0.6, format=EUROS, label="Écart annuel")
    frame_map(axes, outline)
    axes.set_title(
        "Écart de financement par CPTS (variante − règles en vigueur) ; gris : non signée"
    )
    return figure


def reform_sidecars(result: Reform, inputs: NotebookInputs) -> None:
    """Headline JSON and workbook of the reforme report (no-op outside the runner)."""
    save_sidecars(
        inputs.output_dir,
        headline=result.headline(),
        tables={
            header("cpts"): result.cpts,
            SHEETS["by_tier"]: result.by_tier(),
            SHEETS["by_year"]: result.years,
            SHEETS["changes"]: result.changes,
        },
        meta=report_meta(
            inputs,
            f"Coût d'une variante des règles — {result.territory.title}",
            rule_sets(result.variant.tree),
        ),
    )
