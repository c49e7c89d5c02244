"""Every validation rule of the registry, run in a fixed order (one module per rule family)."""

from __future__ import annotations

from cpts_analysis.territory.registry.check_activity import ActivityChecks
from cpts_analysis.territory.registry.check_bounds import BoundChecks
from cpts_analysis.territory.registry.check_communes import CommuneChecks
from cpts_analysis.territory.registry.check_contract_indicators import ContractIndicatorChecks
from cpts_analysis.territory.registry.check_cpts import CptsChecks
from cpts_analysis.territory.registry.check_indicator_amounts import IndicatorAmountChecks
from cpts_analysis.territory.registry.check_indicators import IndicatorChecks
from cpts_analysis.territory.registry.check_parts import PartChecks
from cpts_analysis.territory.registry.check_tables import TableChecks
from cpts_analysis.territory.registry.tables import CONTRACT_TABLES, INDICATOR_TABLES


class RegistryChecks(
    TableChecks,
    BoundChecks,
    CptsChecks,
    CommuneChecks,
    PartChecks,
    ActivityChecks,
    ContractIndicatorChecks,
    IndicatorAmountChecks,
    IndicatorChecks,
):
    """All rule families over one set of tables; findings accumulate in ``found``."""

    def run(self) -> None:
        self.check_empty_values()
        self.check_bounds()
        self.check_cpts()
        self.check_references()
        self.check_communes()
        self.check_parts()
        self.check_missions()
        for table in ("resultats", "montants", *CONTRACT_TABLES):
            self.check_contract_years(table)
            self.check_duplicate_keys(table)
        self.check_resultats()
        self.check_montants()
        self.check_contract_indicators()
        for table in INDICATOR_TABLES:
            self.check_duplicate_keys(table)
        self.check_indicators()
        self.check_indicator_amounts()  # last: needs every other table free of errors
