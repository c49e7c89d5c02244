"""Charts of the reports (matplotlib, French labels). Each returns its Figure and computes
nothing new: it draws tables produced by the comparison, scenario and profile modules.

Figures are built without pyplot (no global backend or figure registry in report kernels) and
shown as PNG images by ``show``, so outputs do not depend on the notebook's backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, NullLocator

from cpts_analysis.aci.missions import group_label
from cpts_analysis.aci.tiers import TierBounds
from cpts_analysis.core.formatting import format_euros, format_number, format_percent
from cpts_analysis.core.vocabulary import TIER, header
from cpts_analysis.report.deployment_grid import deployment_grid, grid_columns

# Notebooks draw with this module and show with it: ``plots.show(plots.funding_by_mission(…))``
from cpts_analysis.report.figure_output import alt_text as alt_text
from cpts_analysis.report.figure_output import png as png
from cpts_analysis.report.figure_output import show as show

EUROS = FuncFormatter(lambda value, _: format_euros(value))
INTEGERS = FuncFormatter(lambda value, _: format_number(value))
COMPACT_ABOVE = 25
"""Beyond this many CPTS, charts get compact: bars in columns, the deployment as a CPTS ×
mission grid (one row per CPTS would be a 70-row wall)."""
PALETTE = [matplotlib.colormaps["tab20"](i) for i in range(20)]


def new_figure(width: float = 10, height: float = 5) -> tuple[Figure, matplotlib.axes.Axes]:
    figure = Figure(figsize=(width, height), dpi=90, layout="constrained")
    return figure, figure.subplots()


def mission_colours(missions: list[str]) -> dict[str, tuple]:
    return {mission: PALETTE[(2 * i) % len(PALETTE)] for i, mission in enumerate(missions)}


def funding_by_mission(current: pd.DataFrame, names: pd.Series, order: list[str]) -> Figure:
    """Stacked bars: the running contract year's funding of each CPTS by mission, largest
    first (in columns above ``COMPACT_ABOVE`` CPTS)."""
    table = current.pivot_table(index="cpts_id", columns="mission", values="amount", aggfunc="sum")
    table = table.reindex(columns=[m for m in order if m in table.columns]).fillna(0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index]
    figure, panels = _bar_panels(len(table))
    colours = mission_colours(order)
    for axes, rows in panels:
        chunk = table.iloc[rows]
        _stacked_bars(axes, chunk.index.map(names), chunk, colours, horizontal=True)
        axes.set_xlabel("Financement de l'année de contrat en cours")
    figure.legend(
        *axes.get_legend_handles_labels(),
        loc="outside lower center",
        ncols=4,
        fontsize="small",
        frameon=False,
    )
    figure.suptitle("Financement annuel par mission")
    return figure


def _bar_panels(count: int) -> tuple[Figure, list[tuple[matplotlib.axes.Axes, slice]]]:
    """A figure for ``count`` horizontal bars in euros, first row on top: one column, or above
    ``COMPACT_ABOVE`` columns of at most ``GRID_ROWS`` side by side on one scale, so that 70+
    CPTS fit one screen. Returns each axes with the rows it shows."""
    compact = count > COMPACT_ABOVE
    columns, rows = grid_columns(count) if compact else (1, count)
    figure = Figure(
        figsize=(
            6.2 * columns if compact else 10,
            max(3, (0.21 if compact else 0.32) * rows + 1.8),
        ),
        dpi=90,
        layout="constrained",
    )
    panels = []
    for index, axes in enumerate(figure.subplots(1, columns, sharex=True, squeeze=False)[0]):
        axes.set_ylim(rows - 0.5, -0.5)  # same bar height in every column
        axes.tick_params(axis="y", labelsize=8 if compact else "medium")
        axes.xaxis.set_major_locator(MaxNLocator(4 if compact else 8))  # amounts never collide
        axes.xaxis.set_major_formatter(EUROS)
        panels.append((axes, slice(index * rows, (index + 1) * rows)))
    return figure, panels


def _stacked_bars(
    axes: matplotlib.axes.Axes,
    labels: pd.Index,
    table: pd.DataFrame,
    colours: dict[str, tuple],
    horizontal: bool,
) -> None:
    """One bar per row of ``table`` (first row on top, or leftmost), stacking its columns
    (missions) in order."""
    positions = np.arange(len(table), dtype=float)
    base = np.zeros(len(table))
    for mission in table.columns:
        lengths = table[mission].to_numpy(dtype=float)
        bar_collection(
            axes,
            positions,
            lengths,
            base,
            horizontal=horizontal,
            facecolors=colours[mission],
            label=group_label(mission),
        )
        base = base + lengths
    (axes.set_yticks if horizontal else axes.set_xticks)(positions, list(labels))


def bar_collection(
    axes: matplotlib.axes.Axes,
    positions: np.ndarray,
    lengths: np.ndarray,
    starts: np.ndarray,
    horizontal: bool,
    width: float = 0.8,
    **style: Any,
) -> PolyCollection:
    """Bars as one collection: one matplotlib ``Rectangle`` per bar, as ``bar`` makes them,
    took most of the drawing time of a chart of 56 CPTS × 7 missions. As with ``bar``, the
    bars stick to 0 (no margin below it) and the axes rescale to them."""
    low, high = positions - width / 2, positions + width / 2
    ends = starts + lengths
    corners = [(low, starts), (low, ends), (high, ends), (high, starts)]
    vertices = np.stack([np.column_stack(corner) for corner in corners], axis=1)
    rectangles = list(vertices[..., ::-1] if horizontal else vertices)  # one (4, 2) per bar
    collection = PolyCollection(rectangles, **style)
    (collection.sticky_edges.x if horizontal else collection.sticky_edges.y).append(0)
    axes.add_collection(collection)
    return collection


def value_labels(
    axes: matplotlib.axes.Axes, values: pd.Series, text: Callable[[float], str], fontsize: str
) -> None:
    """Each horizontal bar's value written just after its end (bar ``i`` at y = ``i``)."""
    for y, value in enumerate(values):
        axes.annotate(
            text(value),
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=fontsize,
        )


def euros_per_inhabitant(cpts: pd.DataFrame, bounds: TierBounds) -> Figure:
    """€ per inhabitant against population, with the tier thresholds drawn."""
    funded = cpts[cpts["financement_annuel"].notna() & (cpts["population"] > 0)]
    figure, axes = new_figure(10, 5)
    scatter = axes.scatter(
        funded["population"],
        funded["euros_par_habitant"],
        c=funded["tier"],
        cmap="viridis",
        vmin=1,
        vmax=4,
        s=40,
        edgecolor="black",
        linewidth=0.4,
    )
    for threshold in bounds.thresholds:
        axes.axvline(threshold, color="grey", linestyle="--", linewidth=1)
        axes.annotate(
            format_number(threshold),
            (threshold, 1),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize="small",
            color="grey",
        )
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(INTEGERS)
    axes.xaxis.set_minor_formatter(FrenchLogMinorFormatter())
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{format_number(v, 1)} €"))
    axes.set_xlabel("Population couverte (échelle logarithmique)")
    axes.set_ylabel("€ par habitant et par an")
    figure.colorbar(scatter, ax=axes, label=TIER, ticks=[1, 2, 3, 4])
    axes.set_title("Financement par habitant selon la population et les seuils de taille")
    return figure


class FrenchLogMinorFormatter(Formatter):
    """Minor ticks of a log axis written as the major ones (the default writes ``3×10⁴``
    beside a ``100 000``): at 2, 3 and 5 × 10ⁿ over less than 1.5 decades, at 2 and 5 up to
    2.5 decades, none beyond, so that labels never collide."""

    def __call__(self, value: float, pos: int | None = None) -> str:
        low, high = sorted(self.axis.get_view_interval()) if self.axis else (0.0, 0.0)
        if value <= 0 or low <= 0:
            return ""
        decades = math.log10(high / low)
        shown = (2, 3, 5) if decades < 1.5 else (2, 5) if decades < 2.5 else ()
        mantissa = round(value / 10 ** math.floor(math.log10(value)), 6)
        return format_number(value) if mantissa in shown else ""


def deployment_timeline(deployment: pd.DataFrame, names: pd.Series, date: pd.Timestamp) -> Figure:
    """Per CPTS and socle mission: deadline (hollow) and actual start (filled)."""
    socle = deployment[deployment["date_limite_demarrage"].notna()]
    cpts_ids = sorted(socle["cpts_id"].unique(), key=lambda c: names.get(c, c))
    missions = list(dict.fromkeys(socle["mission"]))
    colours = mission_colours(missions)
    figure, axes = new_figure(11, max(3, 0.55 * len(cpts_ids) + 1.5))
    row = {cpts_id: i for i, cpts_id in enumerate(cpts_ids)}
    offsets = {m: (i - (len(missions) - 1) / 2) * 0.18 for i, m in enumerate(missions)}
    for mission, group in socle.groupby("mission", sort=False):
        y = group["cpts_id"].map(row) + offsets[mission]
        axes.scatter(group["date_limite_demarrage"], y, marker="|", s=120, color=colours[mission])
        started = group["date_demarrage"].notna()
        axes.scatter(
            group.loc[started, "date_demarrage"],
            y[started],
            marker="o",
            s=28,
            color=colours[mission],
            label=group_label(mission),
        )
        late = group["etat"].isin(["en_retard", "demarree_en_retard"])
        axes.scatter(
            group.loc[late, "date_limite_demarrage"], y[late], marker="x", s=40, color="red"
        )
    axes.axvline(date, color="black", linewidth=1)
    axes.set_yticks(range(len(cpts_ids)), [names.get(c, c) for c in cpts_ids], fontsize="small")
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(DateFormatter("%m/%Y"))
    axes.set_title("Démarrage des missions socles (•) face aux dates limites (|) — ✕ : retard")
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize="small")
    return figure


def deployment_chart(deployment: pd.DataFrame, names: pd.Series, date: pd.Timestamp) -> Figure:
    """The timeline for a few CPTS; above ``COMPACT_ABOVE``, the compact grid."""
    if deployment["cpts_id"].nunique() > COMPACT_ABOVE:
        return deployment_grid(deployment, names)
    return deployment_timeline(deployment, names, date)


def coverage_bars(cover: pd.DataFrame) -> Figure:
    """Coverage rate per department."""
    figure, axes = new_figure(10, max(2.5, 0.28 * len(cover) + 1.0))
    labels = cover["nom"] + " (" + cover.iloc[:, 0].astype(str) + ")"
    axes.barh(labels, cover["taux"], color="#3182bd")
    value_labels(axes, cover["taux"], format_percent, fontsize="small")
    axes.set_xlim(0, 1.1)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_percent(v, 0)))
    axes.invert_yaxis()
    axes.set_title("Part de la population couverte par une CPTS")
    return figure


def cumulative_cash(schedule: pd.DataFrame) -> Figure:
    """Cumulative payments over time (step chart)."""
    daily = schedule.groupby("date")["amount"].sum().sort_index().cumsum()
    figure, axes = new_figure(10, 4)
    axes.step(daily.index, daily.to_numpy(), where="post", color="#31a354")
    axes.fill_between(daily.index, daily.to_numpy(), step="post", alpha=0.2, color="#31a354")
    axes.yaxis.set_major_formatter(EUROS)
    axes.xaxis.set_major_formatter(DateFormatter("%m/%Y"))
    axes.set_title("Versements cumulés sur la durée du contrat")
    return figure


def yearly_by_mission(funding: pd.DataFrame, order: list[str]) -> Figure:
    """Stacked bars: the envelope of each contract year by mission."""
    table = funding.pivot_table(
        index="contract_year", columns="mission", values="amount", aggfunc="sum"
    ).fillna(0)
    table = table.reindex(columns=[m for m in order if m in table.columns])
    figure, axes = new_figure(10, 4.5)
    _stacked_bars(axes, table.index.astype(str), table, mission_colours(order), horizontal=False)
    axes.yaxis.set_major_formatter(EUROS)
    axes.set_xlabel(header("contract_year"))
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    axes.set_title("Enveloppe par année de contrat et par mission")
    return figure


def gains_losses(table: pd.DataFrame, label_column: str, value_column: str, title: str) -> Figure:
    """Horizontal bars of a signed amount (green gain, red loss), largest first (in columns
    above ``COMPACT_ABOVE`` rows)."""
    ordered = table.sort_values(value_column, ascending=False)
    figure, panels = _bar_panels(len(ordered))
    for axes, rows in panels:
        chunk = ordered.iloc[rows]
        colours = ["#31a354" if v >= 0 else "#de2d26" for v in chunk[value_column]]
        axes.barh(chunk[label_column], chunk[value_column], color=colours)
        axes.axvline(0, color="black", linewidth=0.8)
    figure.suptitle(title)
    return figure


def budget_bars(table: pd.DataFrame, order: list[str]) -> Figure:
    """Stacked bars: payments of each calendar year by mission; projected years hatched.

    ``table`` is ``analysis.budget.budget_by_mission``: a row per year, a column per mission.
    """
    missions = [m for m in order if m in table.columns]
    figure, axes = new_figure(10, 4.5)
    positions = np.arange(len(table), dtype=float)
    bottom = np.zeros(len(table))
    colours = mission_colours(order)
    projected = table["projected"].to_numpy(dtype=bool)
    for mission in missions:
        heights = table[mission].to_numpy(dtype=float)
        label: str | None = group_label(mission)
        for years, hatch in ((~projected, None), (projected, "//")):
            if years.any():
                bar_collection(
                    axes,
                    positions[years],
                    heights[years],
                    bottom[years],
                    horizontal=False,
                    facecolors=colours[mission],
                    hatch=hatch,
                    edgecolors="white",
                    linewidths=0.3,
                    label=label,
                )
                label = None  # one legend entry per mission
        bottom = bottom + heights
    axes.set_xticks(positions, table["year"].astype(str).tolist())
    axes.yaxis.set_major_formatter(EUROS)
    axes.set_xlabel(
        "Année civile des versements (hachures : année comprenant des versements prévus)"
    )
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    axes.set_title("Versements ACI par année civile et par mission")
    return figure


def skewed(low: float, high: float) -> bool:
    """Positive values spread over more than a factor 20 (a city's density beside rural
    ones): a log scale keeps them apart."""
    return bool(low > 0 and high / low >= 20)


def ranked_bars(values: pd.Series, title: str, unit: str) -> Figure:
    """Bars of one indicator per CPTS (``values`` indexed by CPTS name), highest on top (in
    columns above ``COMPACT_ABOVE`` CPTS). The indicator table above holds the values: written
    on 56 bars too, they were a third of the drawing time; a grid reads them roughly."""
    ordered = values.dropna().sort_values(ascending=False)
    log = bool(len(ordered)) and skewed(ordered.iloc[-1], ordered.iloc[0])
    figure, panels = _bar_panels(len(ordered))
    for axes, rows in panels:
        chunk = ordered.iloc[rows]
        positions = np.arange(len(chunk), dtype=float)
        lengths = chunk.to_numpy(dtype=float)
        zeros = np.zeros(len(chunk))
        bar_collection(axes, positions, lengths, zeros, horizontal=True, facecolors="#3182bd")
        axes.set_yticks(positions, chunk.index.tolist())
        axes.grid(axis="x", color="#d9d9d9", linewidth=0.6)
        axes.set_axisbelow(True)
        if log:
            axes.set_xscale("log")
            # Unlabelled minor ticks cost a quarter of the drawing (~0.2 s) for nothing.
            axes.xaxis.set_minor_locator(NullLocator())
            axes.set_xlim(ordered.iloc[-1] / 2, ordered.iloc[0] * 1.5)  # bars start off-axis
        axes.xaxis.set_major_formatter(INTEGERS)
        axes.set_xlabel(f"{unit} (échelle logarithmique)" if log else unit)
    figure.suptitle(title)
    return figure
