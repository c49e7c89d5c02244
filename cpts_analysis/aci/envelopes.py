"""Yearly envelope totals of a rule set, per tier: what a CPTS can receive in one contract year.

Three totals, as the annex of the 2019 arrêté and its avenants present them: without option,
with the SNP supplement, and the maximum (with the crisis activation, where the rule set has
one). The crisis plan counts at its first-year amount, the larger one.
"""

from __future__ import annotations

from cpts_analysis.aci.rules import RuleSet

ENVELOPE_TOTALS = ("without_options", "with_snp_supplement", "maximum")
"""Keys of :func:`envelope_totals`, in the order the annex lists them."""


def envelope_totals(rule_set: RuleSet) -> dict[str, dict[int, float]]:
    """Total → tier → yearly amount; ``maximum`` only where the rule set has a crisis
    activation."""
    amounts = rule_set.amounts
    payable = amounts["nature"].isin(["fonctionnement", "fixe", "variable", "activation"])
    yearly = amounts["applies_to"].isin(["every_year", "first_mission_year"])
    base = payable & yearly & amounts["option"].isna()
    with_snp = base | (amounts["option"] == "snp_supplement")
    totals = {"without_options": base, "with_snp_supplement": with_snp}
    if (amounts["option"] == "crisis_activated").any():
        totals["maximum"] = with_snp | (amounts["option"] == "crisis_activated")
    return {
        key: {
            int(tier): float(amount)
            for tier, amount in amounts[rows].groupby("tier")["amount"].sum().items()
        }
        for key, rows in totals.items()
    }
