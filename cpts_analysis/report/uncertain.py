"""The comparison report's warning box: amounts used whose status is not "confirmed"."""

from __future__ import annotations

import html

from IPython.display import HTML

from cpts_analysis.aci.missions import group_label
from cpts_analysis.analysis.comparison import Comparison
from cpts_analysis.core.formatting import format_euros, sort_key
from cpts_analysis.core.vocabulary import RENEWAL, status_label
from cpts_analysis.report.tables import citation, tier_range


def uncertain_box(result: Comparison) -> HTML:
    """Every amount used whose status is not "confirmed", and the tacit renewal of contracts
    past their fifth year (an unconfirmed rule).

    One line per mission component (its tiers merged) and each source once, numbered: at 70
    CPTS a line per tier, each with its source, filled several screens.
    """
    renewed = result.cpts.loc[result.cpts["renewal"].fillna(False).astype(bool), "nom"]
    payment = result.rule_set.payment
    sources: list[str] = []
    renewal = (
        f"<li><b>Renouvellement tacite des contrats ({RENEWAL})</b> : {len(renewed)} CPTS "
        f"au-delà de leur {payment.contract_years}<sup>e</sup> année de contrat sont financées "
        f"comme si le contrat était renouvelé (statut "
        f"<i>{html.escape(status_label(payment.renewal_status))}</i>) : "
        f"{html.escape(', '.join(sorted(renewed, key=sort_key)))}. "
        f"<small>{citation(sources, payment.renewal_source)}</small></li>"
        if len(renewed)
        else ""
    )
    if result.uncertain.empty and not renewal:
        return HTML("<p>Tous les montants utilisés ont le statut « confirmé ».</p>")
    lines = result.uncertain.groupby(
        ["mission", "label", "status", "source"], sort=False, as_index=False
    ).agg(
        tiers=("tier", lambda tiers: sorted(set(tiers))),
        cpts=("cpts", "sum"),  # a CPTS has one tier in its running year: no double count
        total=("montant_total", "sum"),
    )
    items = renewal + "".join(
        f"<li><b>{html.escape(group_label(r.mission))} — {html.escape(r.label)}</b> "
        f"({tier_range(r.tiers)}) : statut <i>{html.escape(status_label(r.status))}</i>, "
        f"{r.cpts} CPTS, {html.escape(format_euros(r.total))} au total. "
        f"<small>{citation(sources, r.source)}</small></li>"
        for r in lines.itertuples()
    )
    notes = "".join(f"<li>{html.escape(source)}</li>" for source in sources)
    return HTML(
        '<div class="cpts-warning" style="border-left:4px solid #e6550d;background:#fff5eb;'
        'padding:0.5em 1em"><p><b>Attention : montants non confirmés</b></p>'
        f'<ul>{items}</ul><p>Sources :</p><ol style="font-size:small">{notes}</ol></div>'
    )
