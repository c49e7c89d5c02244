"""Report pieces of the territory indicators: catalogue, comparison table, bars and maps."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from cpts_analysis.analysis.indicators import Indicators
from cpts_analysis.core.formatting import MISSING, format_number
from cpts_analysis.core.vocabulary import header
from cpts_analysis.report import maps, plots
from cpts_analysis.report.tables import formatted

PARTIAL_MARK = " *"


def indicator_value(value: float) -> str:
    """Counts and large values without decimals, small ones with one (8,4 hab./km²)."""
    return format_number(value, 0 if float(value).is_integer() or abs(value) >= 100 else 1)


def heading(row: pd.Series) -> str:
    return f"{row['libelle']} ({row['unite']})" if row["unite"] else str(row["libelle"])


def catalogue_table(indicators: Indicators) -> pd.DataFrame:
    return formatted(
        indicators.catalogue,
        {"libelle": None, "unite": None, "agregation": None, "source": None},
    )


def indicator_table(indicators: Indicators, names: pd.Series) -> pd.DataFrame:
    """CPTS × indicators; `` *`` marks a value some member communes do not inform."""
    wide = indicators.wide()
    partial = indicators.partial().assign(mark=True)
    marks = partial.pivot(index="cpts_id", columns="indicateur", values="mark")
    marks = marks.reindex(index=wide.index, columns=wide.columns).notna()
    shown = pd.DataFrame(index=wide.index)
    for row in indicators.catalogue.to_dict("records"):
        column = row["indicateur"]
        text = wide[column].map(lambda v: MISSING if pd.isna(v) else indicator_value(v))
        shown[heading(pd.Series(row))] = text.where(~marks[column], text + PARTIAL_MARK)
    shown.index = shown.index.map(lambda c: names.get(c, c))
    return shown.rename_axis(header("cpts")).sort_index()


def indicator_sections(indicators: Indicators, names: pd.Series, layers: dict) -> None:
    """Per indicator: a heading, CPTS ranked by value, and the map of the values."""
    wide = indicators.wide()
    for row in indicators.catalogue.to_dict("records"):
        values = wide[row["indicateur"]]
        unit = row["unite"] or row["libelle"]
        display(Markdown(f"### {heading(pd.Series(row))}"))
        if values.isna().all():
            display(Markdown("Aucune valeur pour les communes des CPTS du territoire."))
            continue
        plots.show(
            plots.ranked_bars(values.rename(index=lambda c: names.get(c, c)), row["libelle"], unit)
        )
        plots.show(
            maps.choropleth(
                layers["contours"], values, layers["outline"], f"{row['libelle']} par CPTS", unit
            )
        )
