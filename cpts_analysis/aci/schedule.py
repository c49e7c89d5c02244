"""Payment schedule: the funding table turned into dated cash flows.

Rules: ACI 2019, art. 9, and its contrat type, art. 6.1–6.2.

Conventions (also in the README):

* Fonctionnement: a contract year that starts before any mission has started is paid in full
  on its first day (at signature for year 1); otherwise 75 % is advanced on its first day
  (the anniversary) and the balance is paid on its last anniversary, with the yearly balance.
* Fixed parts (every amount of nature ``fixe``): 75 % of the prorated amount on the day the
  mission becomes active in that contract year (its start date, or the anniversary), the
  balance at the anniversary that closes the year.
* Variable parts and the crisis activation: paid whole at the anniversary that closes the year,
  once achievement is known.
* Advances are rounded half-up to the cent and balances take the remainder, so every line's
  payments add up exactly to its amount. Zero payments are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpts_analysis.aci.funding import round_cents
from cpts_analysis.aci.parameter_files import ParameterTree, default_tree
from cpts_analysis.aci.rules import rule_sets

SCHEDULE_COLUMNS = [
    "cpts_id",
    "date",
    "contract_year",
    "renewal",
    "mission",
    "component",
    "label",
    "kind",
    "amount",
    "rule_set",
    "status",
]


def payment_schedule(
    funding: pd.DataFrame, missions: pd.DataFrame, tree: ParameterTree | None = None
) -> pd.DataFrame:
    """Every dated payment of the funding lines; ``missions`` gives each CPTS's start dates.

    Payments add up exactly to the funding (advances are rounded, balances take the rest).

    Examples:
        >>> import pandas as pd
        >>> import cpts_analysis as cpts
        >>> signed, started = pd.Timestamp("2021-03-01"), pd.Timestamp("2021-06-01")
        >>> contracts = pd.DataFrame(
        ...     {"cpts_id": ["A"], "population": [52_000], "signature": [signed]}
        ... )
        >>> missions = pd.DataFrame(
        ...     {"cpts_id": ["A"], "mission": ["acces_soins"], "start": [started]}
        ... )
        >>> funding = cpts.compute_funding(contracts, missions)
        >>> payments = cpts.payment_schedule(funding, missions)
        >>> bool(round(payments["amount"].sum(), 2) == round(funding["amount"].sum(), 2))
        True
        >>> first = payments.iloc[0]  # fonctionnement, paid whole before any mission starts
        >>> first["date"].date().isoformat(), first["kind"], float(first["amount"])
        ('2021-03-01', 'full', 60000.0)
    """
    tree = tree or default_tree()
    lines = funding.reset_index(drop=True)
    sets = rule_sets(tree)
    first_start = pd.to_datetime(missions["start"]).groupby(missions["cpts_id"]).min()
    # NaT (no mission at all) compares False: the CPTS is then paid as "before missions".
    missions_running = (
        lines["year_start"].to_numpy() >= first_start.reindex(lines["cpts_id"]).to_numpy()
    )

    nature = lines["nature"]
    fonctionnement = nature == "fonctionnement"
    advance_rate = np.select(
        [fonctionnement & missions_running, nature == "fixe"],
        [
            lines["rule_set"].map({r.id: r.payment.fonctionnement_advance_rate for r in sets}),
            lines["rule_set"].map({r.id: r.payment.fixe_advance_rate for r in sets}),
        ],
        default=np.nan,
    )
    split = ~np.isnan(advance_rate)
    advance = np.where(split, round_cents(lines["amount"] * np.nan_to_num(advance_rate)), 0.0)
    whole_at_start = fonctionnement & ~missions_running

    common = [
        "cpts_id",
        "contract_year",
        "renewal",
        "mission",
        "component",
        "label",
        "rule_set",
        "status",
    ]
    payments = pd.concat(
        [
            lines.loc[split, common].assign(
                date=lines.loc[split, "active_from"], kind="advance", amount=advance[split]
            ),
            lines.loc[split, common].assign(
                date=lines.loc[split, "year_end"],
                kind="balance",
                amount=round_cents(lines.loc[split, "amount"] - advance[split]),
            ),
            lines.loc[whole_at_start, common].assign(
                date=lines.loc[whole_at_start, "year_start"],
                kind="full",
                amount=lines.loc[whole_at_start, "amount"],
            ),
            lines.loc[~split & ~whole_at_start, common].assign(
                date=lines.loc[~split & ~whole_at_start, "year_end"],
                kind="full",
                amount=lines.loc[~split & ~whole_at_start, "amount"],
            ),
        ],
        ignore_index=True,
    )
    payments = payments[payments["amount"] > 0]
    kind_rank = payments["kind"].map({"advance": 0, "full": 1, "balance": 2})
    return payments.assign(_line=payments.index, _kind=kind_rank).sort_values(
        ["cpts_id", "date", "contract_year", "_kind", "_line"], ignore_index=True
    )[SCHEDULE_COLUMNS]
