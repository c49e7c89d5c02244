"""Report pieces of the annual review (``analysis.annual_review``): tables and charts a
notebook displays, and the French text of the ``revue`` command.

Each function only presents what the review computed; nothing here re-derives an amount.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure

from cpts_analysis.aci.missions import group_label
from cpts_analysis.analysis.annual_review import AnnualReview
from cpts_analysis.core.formatting import (
    MISSING,
    format_date,
    format_euros,
    format_number,
    format_percent,
)
from cpts_analysis.core.vocabulary import (
    INDICATOR_KINDS,
    SHEETS,
    VARIABLE_SOURCES,
    YES_NO,
    header,
    to_french,
)
from cpts_analysis.report import plots
from cpts_analysis.report.about import report_meta
from cpts_analysis.report.inputs import ReviewInputs
from cpts_analysis.report.sidecars import save_sidecars
from cpts_analysis.report.tables import amount_cell, each_row, formatted, render_text

LEVEL_COLOURS = {"none": "#c0504d", "partial": "#f0a030", "top": "#4f9a4f"}
OVERSHOOT = 0.25  # how far past the top level a value beyond it is drawn, in levels


def value_text(value: float) -> str:
    """An indicator's value as typed: whole numbers without decimals, others with up to two."""
    if pd.isna(value):
        return MISSING
    if float(value).is_integer():
        return format_number(value)
    return format_number(value, 2).rstrip("0")


def observed_text(row: pd.Series) -> str:
    if not row["observed"]:
        return "non renseigné"
    if row["kind"] == "action":
        return YES_NO[row["value"] == 1]
    return value_text(row["value"])


def kind_text(row: pd.Series) -> str:
    return INDICATOR_KINDS["action" if row["kind"] == "action" else row["direction"]]


def levels_text(row: pd.Series) -> str:
    """``≥ 200 : 2 500 € ; ≥ 300 : 5 000 €`` (``≤`` when falling; ``fait`` for an action)."""
    if row["kind"] == "action":
        return f"fait : {format_euros(row['amount_1'])}"
    sign = "≥" if row["direction"] == "hausse" else "≤"
    return " ; ".join(
        f"{sign} {value_text(row[f'threshold_{k}'])} : {format_euros(row[f'amount_{k}'])}"
        for k in (1, 2, 3)
        if not pd.isna(row[f"amount_{k}"])
    )


def reached_text(row: pd.Series) -> str:
    if pd.isna(row["level"]):
        return MISSING
    count = int(row[["amount_1", "amount_2", "amount_3"]].notna().sum())
    return "aucun" if row["level"] == 0 else f"{int(row['level'])} sur {count}"


def next_text(row: pd.Series) -> str:
    """``palier 3 : encore 50 de moins`` — what the next level asks; empty at the top."""
    if pd.isna(row["next_level"]):
        return "palier le plus haut atteint" if row["observed"] else MISSING
    if row["kind"] == "action":
        return "action à réaliser"
    way = "de plus" if row["direction"] == "hausse" else "de moins"
    return f"palier {int(row['next_level'])} : encore {value_text(row['gap'])} {way}"


AMOUNTS = ("variable_envelope", "earned", "not_earned", "maximum", "amount_at_stake")


def mission_display(review: AnnualReview) -> pd.DataFrame:
    """Per mission: maximum variable part of the year, amount earned, rate, where it comes from
    (amounts as numbers: see ``as_table`` and ``as_text``)."""
    missions = review.missions
    return pd.DataFrame(
        {
            "mission": missions["mission"].map(group_label),
            "variable_envelope": missions["envelope"],
            "earned": missions["earned"],
            "not_earned": missions["envelope"] - missions["earned"],
            "achievement": missions["rate"].map(format_percent),
            "variable_source": missions["source"].map(VARIABLE_SOURCES),
        }
    )


def indicator_display(review: AnnualReview, mission: str | None = None) -> pd.DataFrame:
    """Each indicator: starting and observed values, levels, level reached, amounts, next level
    (all the missions' with a ``Mission`` column, or those of ``mission``)."""
    rows = review.indicators
    if mission is not None:
        rows = rows[rows["mission"] == mission]
    shown = pd.DataFrame(
        {
            "mission": rows["mission"].map(group_label),
            "libelle": rows["libelle"],
            "indicator_kind": each_row(rows, kind_text),
            "initial_value": rows["valeur_initiale"].map(value_text),
            "observed_value": each_row(rows, observed_text),
            "levels": each_row(rows, levels_text),
            "level_reached": each_row(rows, reached_text),
            "earned": rows["earned"],
            "maximum": rows["max_amount"],
            "next_level": each_row(rows, next_text),
        }
    )
    if mission is not None:
        shown = shown.drop(columns="mission")
    return shown.reset_index(drop=True)


def unobserved_display(review: AnnualReview) -> pd.DataFrame:
    """Indicators without an observation for the year: they earn nothing until one is given."""
    rows = review.unobserved
    return pd.DataFrame(
        {
            "mission": rows["mission"].map(group_label),
            "libelle": rows["libelle"],
            "amount_at_stake": rows["max_amount"],
        }
    ).reset_index(drop=True)


def as_table(display: pd.DataFrame) -> pd.DataFrame:
    """A display frame for a notebook: amounts in euros, the first column as row labels."""
    return formatted(display, {c: amount_cell if c in AMOUNTS else None for c in display.columns})


def as_text(display: pd.DataFrame) -> str:
    """A display frame as an aligned text table, amounts in euros and right-aligned."""
    formats = {header(c): amount_cell for c in AMOUNTS if c in display.columns}
    return render_text(to_french(display), formats)


def prorata_note(prorata: float) -> str:
    """Why a mission's amounts are below its indicators' in the year it started."""
    if prorata >= 1:
        return ""
    return (
        f" (mission active {format_percent(prorata)} de l'année : enveloppe et acquis au "
        "prorata, comme tout montant ACI)"
    )


def balance_text(review: AnnualReview) -> str:
    """The balance of the contract year, paid at the anniversary that closes it."""
    paid_on = review.end + pd.Timedelta(days=1)
    verb = "versé" if paid_on <= review.date else "à verser"
    return (
        f"Solde de l'année {review.contract_year} {verb} le {format_date(paid_on)} : "
        f"{format_euros(review.balance)} (soldes du fonctionnement et des volets fixes, part "
        "variable acquise et, le cas échéant, activation de crise)"
    )


def review_text(review: AnnualReview, registry_source: object) -> str:
    """The ``revue`` command's French text: missions, indicators per mission, unobserved ones,
    balance."""
    parts = [
        f"Revue annuelle — {review.name} ({review.cpts_id}), année de contrat "
        f"{review.contract_year} du {format_date(review.start)} au {format_date(review.end)} ; "
        f"registre {registry_source}",
        "",
        as_text(mission_display(review)),
        "",
        f"Part variable acquise : {format_euros(review.total_earned)} sur "
        f"{format_euros(review.total_max)}",
    ]
    for mission in review.missions[review.missions["source"] == "indicateurs"].itertuples():
        parts += [
            "",
            f"{group_label(mission.mission)} — indicateurs du contrat : "
            f"{format_euros(mission.earned)} acquis sur {format_euros(mission.envelope)}"
            + prorata_note(mission.prorata),
            "",
            as_text(indicator_display(review, mission.mission)),
        ]
    if len(review.unobserved):
        parts += ["", "Non renseignés (n'acquièrent rien)", "", as_text(unobserved_display(review))]
    return "\n".join([*parts, "", balance_text(review)])


def earned_chart(review: AnnualReview) -> Figure:
    """Per mission, the variable part earned against its maximum, largest maximum on top."""
    missions = review.missions
    figure, axes = plots.new_figure(10, max(2.5, 0.5 * len(missions) + 1.5))
    positions = np.arange(len(missions), dtype=float)
    zeros = np.zeros(len(missions))
    plots.bar_collection(
        axes,
        positions,
        missions["envelope"].to_numpy(float),
        zeros,
        horizontal=True,
        facecolors="#dddddd",
        label=header("variable_envelope"),
    )
    plots.bar_collection(
        axes,
        positions,
        missions["earned"].to_numpy(float),
        zeros,
        horizontal=True,
        width=0.5,
        facecolors=LEVEL_COLOURS["top"],
        label=header("earned"),
    )
    for y, row in enumerate(missions.itertuples()):
        axes.annotate(
            f"{format_euros(row.earned)} sur {format_euros(row.envelope)}",
            (row.envelope, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    axes.set_yticks(positions, [group_label(m) for m in missions["mission"]])
    axes.set_ylim(len(missions) - 0.5, -0.5)
    largest = float(missions["envelope"].max()) if len(missions) else 0.0
    axes.set_xlim(0, max(1.0, largest) * 1.35)  # room for the labels after the bars
    axes.xaxis.set_major_formatter(plots.EUROS)
    figure.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    axes.set_title(
        f"Part variable acquise par mission, année de contrat {review.contract_year} : "
        f"{format_euros(review.total_earned)} sur {format_euros(review.total_max)}"
    )
    return figure


def level_positions(rows: pd.DataFrame) -> np.ndarray:
    """Where each observed value sits on a scale of levels: 0 = starting value (or below the
    first level), k = threshold k, linear in between, a little past the top when beyond it."""
    positions = np.full(len(rows), np.nan)
    for i, row in enumerate(rows.to_dict("records")):
        if not row["observed"]:
            continue
        if row["kind"] == "action":
            positions[i] = float(row["value"])
            continue
        sign = 1.0 if row["direction"] == "hausse" else -1.0
        thresholds = [row[f"threshold_{k}"] for k in (1, 2, 3) if not pd.isna(row[f"amount_{k}"])]
        marks, levels = [sign * t for t in thresholds], list(range(1, len(thresholds) + 1))
        if not pd.isna(row["valeur_initiale"]) and sign * row["valeur_initiale"] < marks[0]:
            marks, levels = [sign * row["valeur_initiale"], *marks], [0, *levels]
        beyond = sign * row["value"] > marks[-1]
        positions[i] = (
            len(thresholds) + OVERSHOOT
            if beyond
            else np.interp(sign * row["value"], marks, levels, left=0.0)
        )
    return positions


def levels_chart(review: AnnualReview, mission: str) -> Figure:
    """One line per indicator of ``mission``: its levels as marks with their amounts, and how
    far the observed value went (red: no level, orange: some, green: the top one)."""
    rows = review.indicators[review.indicators["mission"] == mission].reset_index(drop=True)
    figure, axes = plots.new_figure(10, max(2.5, 0.9 * len(rows) + 1.4))
    positions = level_positions(rows)
    for y, row in enumerate(rows.to_dict("records")):
        count = int(sum(not pd.isna(row[f"amount_{k}"]) for k in (1, 2, 3)))
        axes.plot([0, count], [y, y], color="#cccccc", linewidth=6, solid_capstyle="butt")
        for k in range(1, count + 1):
            axes.plot([k, k], [y - 0.25, y + 0.25], color="#555555", linewidth=1)
            axes.annotate(
                format_euros(row[f"amount_{k}"]),
                (k, y - 0.28),
                ha="center",
                va="bottom",
                fontsize="x-small",
                color="#555555",
            )
        if not row["observed"]:
            axes.annotate("non renseigné", (0.05, y), va="center", style="italic", fontsize="small")
            continue
        state = "none" if row["level"] == 0 else "top" if row["level"] == count else "partial"
        axes.plot(
            [0, positions[y]],
            [y, y],
            color=LEVEL_COLOURS[state],
            linewidth=6,
            solid_capstyle="butt",
        )
        axes.annotate(
            observed_text(pd.Series(row)),
            (positions[y], y),
            xytext=(0, -9),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize="small",
        )
    labels = ["\n".join(textwrap.wrap(str(label), 34)) for label in rows["libelle"]]
    axes.set_yticks(np.arange(len(rows)), labels, fontsize="small")
    axes.set_ylim(len(rows) - 0.4, -0.7)
    axes.set_xlim(-0.1, 3 + OVERSHOOT + 0.2)
    axes.set_xticks([0, 1, 2, 3], ["départ", "palier 1", "palier 2", "palier 3"])
    earned = review.missions.set_index("mission").loc[mission]
    axes.set_title(
        f"{group_label(mission)} : indicateurs et paliers ({format_euros(earned['earned'])} "
        f"acquis sur {format_euros(earned['envelope'])})"
    )
    return figure


def review_sections(review: AnnualReview) -> None:
    """For each mission paid from its indicators: a heading, the levels chart and the table of
    its indicators (starting value, observed value, levels, distance to the next level)."""
    paid = review.missions[review.missions["source"] == "indicateurs"]
    if paid.empty:
        display(
            Markdown(
                "Aucune mission de cette année n'est payée selon des indicateurs du contrat : "
                "les parts variables suivent les taux d'atteinte du registre (feuille "
                "`resultats`), ou 100 % à défaut. Les feuilles `indicateurs_contrat` et "
                "`resultats_indicateurs` du registre donnent le détail par indicateur."
            )
        )
        return
    for mission in paid.itertuples():
        display(
            Markdown(
                f"### {group_label(mission.mission)}\n\n{format_euros(mission.earned)} acquis sur "
                f"{format_euros(mission.envelope)}{prorata_note(mission.prorata)}."
            )
        )
        plots.show(levels_chart(review, mission.mission))
        display(as_table(indicator_display(review, mission.mission)))


def unobserved_table(review: AnnualReview) -> pd.DataFrame | Markdown:
    if review.unobserved.empty:
        return Markdown("Tous les indicateurs de l'année ont une valeur observée.")
    return as_table(unobserved_display(review))


def review_headline(review: AnnualReview) -> dict[str, object]:
    """Key figures of the review (``headline.json``)."""
    return {
        "cpts": review.cpts_id,
        "nom": review.name,
        "annee_contrat": review.contract_year,
        "total_acquis": review.total_earned,
        "total_max": review.total_max,
        "solde_a_verser": review.balance,
        "indicateurs_non_renseignes": len(review.unobserved),
    }


def review_sidecars(review: AnnualReview, inputs: ReviewInputs) -> None:
    save_sidecars(
        inputs.output_dir,
        headline=review_headline(review),
        tables={
            SHEETS["missions"]: review.readable_missions(),
            SHEETS["indicators"]: indicator_display(review),
        },
        meta=report_meta(
            inputs, f"Revue annuelle de la {review.name}, année {review.contract_year}"
        ),
    )
