"""Charts of the reports (matplotlib, French labels). Each returns its Figure and computes
nothing new: it draws tables produced by the comparison, scenario and profile modules.

Figures are built without pyplot (no global backend or figure registry in report kernels) and
shown as PNG images by ``show``, so outputs do not depend on the notebook's backend.
"""

from __future__ import annotations

import io

import matplotlib
import pandas as pd
import shapely
from matplotlib.collections import PathCollection
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from cpts_analysis.aci.tiers import TierBounds
from cpts_analysis.core.formatting import format_euros, format_number, format_percent
from cpts_analysis.report.deployment_grid import deployment_grid, grid_columns
from cpts_analysis.report.map_labels import legend_size, name_legend, numbered_markers
from cpts_analysis.report.tables import group_label, sort_key

EUROS = FuncFormatter(lambda value, _: format_euros(value))
INTEGERS = FuncFormatter(lambda value, _: format_number(value))
COMPACT_ABOVE = 25
"""Beyond this many CPTS, charts get compact: bars in columns, the deployment as a CPTS ×
mission grid (one row per CPTS would be a 70-row wall)."""
MAP_WIDTH = 8.0  # inches
PALETTE = matplotlib.colormaps["tab20"].colors
# Territory colours: tab20 without its two greys, which would read as white zones.
TERRITORY_COLOURS = [c for i, c in enumerate(PALETTE) if i not in (14, 15)]


def _figure(width: float = 10, height: float = 5) -> tuple[Figure, matplotlib.axes.Axes]:
    figure = Figure(figsize=(width, height), dpi=90, layout="constrained")
    return figure, figure.subplots()


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the timestamped metadata matplotlib adds by default."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def show(figure: Figure) -> None:
    """Display a figure in a notebook as an inline PNG."""
    from IPython.display import Image, display

    display(Image(png(figure)))


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
    """One bar per row of ``table``, stacking its columns (missions) in order."""
    base = pd.Series(0.0, index=table.index)
    for mission in table.columns:
        draw, offset = (axes.barh, "left") if horizontal else (axes.bar, "bottom")
        draw(
            labels,
            table[mission],
            color=colours[mission],
            label=group_label(mission),
            **{offset: base},
        )
        base += table[mission]


def euros_per_inhabitant(cpts: pd.DataFrame, bounds: TierBounds) -> Figure:
    """€ per inhabitant against population, with the tier thresholds drawn."""
    funded = cpts[cpts["financement_annuel"].notna() & (cpts["population"] > 0)]
    figure, axes = _figure(10, 5)
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
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{format_number(v, 1)} €"))
    axes.set_xlabel("Population couverte (échelle logarithmique)")
    axes.set_ylabel("€ par habitant et par an")
    figure.colorbar(scatter, ax=axes, label="Taille", ticks=[1, 2, 3, 4])
    axes.set_title("Financement par habitant selon la population et les seuils de taille")
    return figure


def deployment_timeline(deployment: pd.DataFrame, names: pd.Series, date: pd.Timestamp) -> Figure:
    """Per CPTS and socle mission: deadline (hollow) and actual start (filled)."""
    socle = deployment[deployment["date_limite_demarrage"].notna()]
    cpts_ids = sorted(socle["cpts_id"].unique(), key=lambda c: names.get(c, c))
    missions = list(dict.fromkeys(socle["mission"]))
    colours = mission_colours(missions)
    figure, axes = _figure(11, max(3, 0.55 * len(cpts_ids) + 1.5))
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


def _path(geometry: shapely.Geometry) -> MplPath:
    """A (multi)polygon with its holes as one matplotlib path."""
    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = list(ring.coords)
            vertices += coords
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(vertices, codes)


def _layer(axes: matplotlib.axes.Axes, geometries, **style) -> None:
    """One collection per layer: thousands of communes draw several times faster than patches."""
    paths = [_path(g) for g in geometries if g is not None and not g.is_empty]
    if paths:
        axes.add_collection(PathCollection(paths, **style))


def territory_map(
    contours: pd.DataFrame,
    names: pd.Series,
    white: pd.DataFrame,
    overlap: pd.DataFrame,
    outline: shapely.Geometry,
) -> Figure:
    """CPTS territories (colours), white zones (grey), overlaps (red), territory outline.

    A single CPTS is named on the map. Several are numbered (in alphabetical order) with
    markers that never overlap (:mod:`~cpts_analysis.report.map_labels`), a leader line joining
    a marker pushed aside to its territory, and named in a legend beside the map: names
    written on the map would pile up wherever territories are small (cities, valleys).
    """
    several = len(contours) > 1
    contours = contours.assign(nom=contours["cpts_id"].map(lambda c: names.get(c, c)))
    contours = contours.sort_values("nom", key=lambda s: s.map(sort_key), ignore_index=True)
    minx, miny, maxx, maxy = outline.bounds
    height = min(10.0, MAP_WIDTH * (maxy - miny) / 0.7 / max(maxx - minx, 1e-9) + 0.8)
    if several:
        legend_width, legend_height = legend_size(contours["nom"].tolist())
        figure = Figure(
            figsize=(MAP_WIDTH + legend_width, max(height, legend_height + 0.6)),
            dpi=90,
            layout="constrained",
        )
        axes, legend = figure.subplots(1, 2, width_ratios=[MAP_WIDTH, legend_width])
    else:
        figure, axes = _figure(9, 9)
    colours = [TERRITORY_COLOURS[i % len(TERRITORY_COLOURS)] for i in range(len(contours))]
    _layer(
        axes,
        contours["geometry"],
        facecolors=colours,
        edgecolors="white",
        linewidths=0.5,
        alpha=0.85,
    )
    _layer(axes, white["geometry"], facecolors="#d9d9d9", edgecolors="#bdbdbd", linewidths=0.2)
    _layer(
        axes, overlap["geometry"], facecolors="none", edgecolors="red", hatch="///", linewidths=0.8
    )
    _layer(axes, [outline], facecolors="none", edgecolors="black", linewidths=1)
    axes.set_xlim(minx, maxx)
    axes.set_ylim(miny, maxy)
    axes.set_aspect(1 / 0.7)  # ~cos(45°): keeps France's shape in lon/lat
    axes.set_axis_off()
    axes.set_title(
        "Territoires des CPTS — gris : zones blanches ; hachures rouges : chevauchements"
    )
    points = [g.representative_point() for g in contours["geometry"]]
    if several:
        numbered_markers(figure, axes, [(p.x, p.y) for p in points])
        name_legend(legend, contours["nom"].tolist())
    else:
        for point, name in zip(points, contours["nom"], strict=True):
            axes.annotate(name, (point.x, point.y), fontsize=8, ha="center")
    return figure


def coverage_bars(cover: pd.DataFrame) -> Figure:
    """Coverage rate per department."""
    figure, axes = _figure(10, max(2.5, 0.28 * len(cover) + 1.0))
    labels = cover["nom"] + " (" + cover.iloc[:, 0].astype(str) + ")"
    axes.barh(labels, cover["taux"], color="#3182bd")
    for y, rate in enumerate(cover["taux"]):
        axes.annotate(
            format_percent(rate),
            (rate, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    axes.set_xlim(0, 1.1)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_percent(v, 0)))
    axes.invert_yaxis()
    axes.set_title("Part de la population couverte par une CPTS")
    return figure


def cumulative_cash(schedule: pd.DataFrame) -> Figure:
    """Cumulative payments over time (step chart)."""
    daily = schedule.groupby("date")["amount"].sum().sort_index().cumsum()
    figure, axes = _figure(10, 4)
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
    figure, axes = _figure(10, 4.5)
    _stacked_bars(axes, table.index.astype(str), table, mission_colours(order), horizontal=False)
    axes.yaxis.set_major_formatter(EUROS)
    axes.set_xlabel("Année de contrat")
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
