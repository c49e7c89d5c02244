"""Sections of the comparison report that show money: each draws its chart, or says in French
why there is nothing to draw and what to add to the registry.

A registry imported from a list of names has no signed CPTS: its report must still read well,
with no empty chart and no warning from matplotlib in the page.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from cpts_analysis.aci.missions import mission_order
from cpts_analysis.analysis.budget import budget_by_mission, yearly_budget
from cpts_analysis.analysis.comparison import Comparison
from cpts_analysis.report import plots
from cpts_analysis.report.budget_content import budget_table
from cpts_analysis.report.content import headline_table

NO_SIGNED_CPTS = (
    "**Aucune CPTS du territoire n'a signé l'ACI à la date de référence** : les montants sont "
    "nuls et les graphiques de financement ne sont pas tracés. Pour les obtenir, indiquez dans "
    "le registre, pour chaque CPTS qui a signé, le statut « signe » et la date de signature "
    "(feuille `cpts`, colonnes `statut` et `date_signature`), puis ses missions démarrées avec "
    "leur date (feuille `missions`) ; `cpts-analysis validate` vérifie le registre."
)
SEE_ABOVE = "Aucun financement à montrer : aucune CPTS signée (voir les chiffres clés)."


def has_signed_cpts(result: Comparison) -> bool:
    return bool(result.cpts["date_signature"].notna().any())


def key_figures(result: Comparison) -> None:
    """The key figures, and why they hold no money when no CPTS has signed."""
    display(headline_table(result))
    if not has_signed_cpts(result):
        display(Markdown(NO_SIGNED_CPTS))


def funding_chart(result: Comparison, names: pd.Series) -> None:
    if result.current.empty:
        display(Markdown(SEE_ABOVE))
        return
    plots.show(
        plots.funding_by_mission(result.current, names, ["fonctionnement", *mission_order()])
    )


def budget_section(result: Comparison) -> pd.DataFrame:
    """The yearly budget's chart and table; the budget lines (for the workbook)."""
    budget = yearly_budget(result.schedule, result.date)
    if budget.empty:
        display(Markdown(SEE_ABOVE))
        return budget
    plots.show(plots.budget_bars(budget_by_mission(budget), ["fonctionnement", *mission_order()]))
    display(budget_table(budget))
    return budget


def per_inhabitant_chart(result: Comparison) -> None:
    if result.cpts["financement_annuel"].fillna(0).eq(0).all():
        display(Markdown(SEE_ABOVE))
        return
    plots.show(plots.euros_per_inhabitant(result.cpts, result.rule_set.tiers))


def deployment_section(result: Comparison, names: pd.Series) -> None:
    if result.deployment.empty:
        display(
            Markdown(
                "Aucune CPTS signée : le calendrier de déploiement des missions court à partir "
                "de la signature du contrat."
            )
        )
        return
    plots.show(plots.deployment_chart(result.deployment, names, result.date))
