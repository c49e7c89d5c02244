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
from matplotlib.ticker import FuncFormatter

from cpts_analysis.aci.tiers import TierBounds
from cpts_analysis.core.formatting import format_euros, format_number, format_percent
from cpts_analysis.report.tables import group_label

EUROS = FuncFormatter(lambda value, _: format_euros(value))
INTEGERS = FuncFormatter(lambda value, _: format_number(value))
PALETTE = matplotlib.colormaps["tab20"].colors


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
    """Stacked bars: the running contract year's funding of each CPTS, by mission."""
    table = current.pivot_table(index="cpts_id", columns="mission", values="amount", aggfunc="sum")
    table = table.reindex(columns=[m for m in order if m in table.columns]).fillna(0)
    table = table.loc[table.sum(axis=1).sort_values().index]
    figure, axes = _figure(10, max(3, 0.32 * len(table) + 1.5))
    left = pd.Series(0.0, index=table.index)
    colours = mission_colours(order)
    labels = table.index.map(names)
    for mission in table.columns:
        axes.barh(
            labels, table[mission], left=left, color=colours[mission], label=group_label(mission)
        )
        left += table[mission]
    axes.xaxis.set_major_formatter(EUROS)
    axes.set_xlabel("Financement de l'année de contrat en cours")
    axes.legend(loc="lower right", fontsize="small")
    axes.set_title("Financement annuel par mission")
    return figure


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
    shared: pd.DataFrame | None = None,
) -> Figure:
    """CPTS territories (colours), white zones (grey), overlaps (red), territory outline;
    communes shared by parts (``code_commune, cpts_id, geometry``) hatched in each CPTS's
    colour."""
    figure, axes = _figure(9, 9)
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(contours))]
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
    if shared is not None:
        _shared_layer(axes, shared, dict(zip(contours["cpts_id"], colours, strict=True)))
    for row in contours.itertuples():
        point = row.geometry.representative_point()
        axes.annotate(
            names.get(row.cpts_id, row.cpts_id), (point.x, point.y), fontsize=6, ha="center"
        )
    frame_map(axes, outline)
    axes.set_title(
        "Territoires des CPTS — gris : zones blanches ; hachures rouges : chevauchements"
    )
    return figure


def frame_map(axes: matplotlib.axes.Axes, outline: shapely.Geometry) -> None:
    """Fit a map to the territory's outline, without axes."""
    minx, miny, maxx, maxy = outline.bounds
    axes.set_xlim(minx, maxx)
    axes.set_ylim(miny, maxy)
    axes.set_aspect(1 / 0.7)  # ~cos(45°): keeps France's shape in lon/lat
    axes.set_axis_off()


SHARED_HATCHES = ("///", "\\\\\\", "|||", "---")


def _shared_layer(axes: matplotlib.axes.Axes, shared: pd.DataFrame, colours: dict) -> None:
    """A shared commune drawn with both (all) colours: one hatch direction per CPTS, in its
    colour, over a white fill, so the split is visible whatever the fill beneath."""
    if shared.empty:
        return
    for _, group in shared.groupby("code_commune", sort=True):
        geometry = group["geometry"].iloc[0]
        _layer(axes, [geometry], facecolors="white", edgecolors="none")
        for rank, cpts_id in enumerate(sorted(group["cpts_id"])):
            colour = colours.get(cpts_id, "black")
            hatch = SHARED_HATCHES[rank % len(SHARED_HATCHES)]
            _layer(
                axes,
                [geometry],
                facecolors="none",
                edgecolors="none",
                hatchcolor=colour,
                hatch=hatch,
                hatch_linewidth=2.5,
            )
        _layer(axes, [geometry], facecolors="none", edgecolors="black", linewidths=0.8)
    axes.text(
        0.5,
        -0.02,
        "hachures de couleurs : commune partagée entre CPTS (une couleur par CPTS)",
        transform=axes.transAxes,
        ha="center",
        va="top",
        fontsize="small",
    )


def coverage_bars(cover: pd.DataFrame) -> Figure:
    """Coverage rate per department."""
    figure, axes = _figure(10, max(2.5, 0.4 * len(cover) + 1.2))
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
    bottom = pd.Series(0.0, index=table.index)
    colours = mission_colours(order)
    for mission in table.columns:
        axes.bar(
            table.index.astype(str),
            table[mission],
            bottom=bottom,
            color=colours[mission],
            label=group_label(mission),
        )
        bottom += table[mission]
    axes.yaxis.set_major_formatter(EUROS)
    axes.set_xlabel("Année de contrat")
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    axes.set_title("Enveloppe par année de contrat et par mission")
    return figure


def gains_losses(table: pd.DataFrame, label_column: str, value_column: str, title: str) -> Figure:
    """Horizontal bars of a signed amount (green gain, red loss)."""
    ordered = table.sort_values(value_column)
    figure, axes = _figure(10, max(3, 0.32 * len(ordered) + 1.5))
    colours = ["#31a354" if v >= 0 else "#de2d26" for v in ordered[value_column]]
    axes.barh(ordered[label_column], ordered[value_column], color=colours)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.xaxis.set_major_formatter(EUROS)
    axes.set_title(title)
    return figure


def budget_bars(table: pd.DataFrame, order: list[str]) -> Figure:
    """Stacked bars: payments of each calendar year by mission; projected years hatched.

    ``table`` is ``analysis.budget.budget_by_mission``: a row per year, a column per mission.
    """
    missions = [m for m in order if m in table.columns]
    figure, axes = _figure(10, 4.5)
    years = table["year"].astype(str)
    bottom = pd.Series(0.0, index=table.index)
    colours = mission_colours(order)
    hatches = ["//" if projected else "" for projected in table["projected"]]
    for mission in missions:
        axes.bar(
            years,
            table[mission],
            bottom=bottom,
            color=colours[mission],
            hatch=hatches,
            edgecolor="white",
            linewidth=0.3,
            label=group_label(mission),
        )
        bottom += table[mission]
    axes.yaxis.set_major_formatter(EUROS)
    axes.set_xlabel(
        "Année civile des versements (hachures : année comprenant des versements prévus)"
    )
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    axes.set_title("Versements ACI par année civile et par mission")
    return figure


def _skewed(low: float, high: float) -> bool:
    """Positive values spread over more than a factor 20 (a city's density beside rural
    ones): a log scale keeps them apart."""
    return bool(low > 0 and high / low >= 20)


def ranked_bars(values: pd.Series, title: str, unit: str) -> Figure:
    """Bars of one indicator per CPTS (``values`` indexed by CPTS name), highest on top."""
    ordered = values.dropna().sort_values()
    figure, axes = _figure(10, max(3, 0.28 * len(ordered) + 1.5))
    axes.barh(ordered.index, ordered.to_numpy(), color="#3182bd")
    for y, value in enumerate(ordered):
        axes.annotate(
            format_number(value, 0 if abs(value) >= 100 else 1),
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="x-small",
        )
    if len(ordered) and _skewed(ordered.iloc[0], ordered.iloc[-1]):
        axes.set_xscale("log")
        unit += " (échelle logarithmique)"
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v)))
    axes.margins(y=0.01)
    axes.set_xlabel(unit)
    axes.tick_params(axis="y", labelsize="small")
    axes.set_title(title)
    return figure


def choropleth(
    contours: pd.DataFrame, values: pd.Series, outline: shapely.Geometry, title: str, unit: str
) -> Figure:
    """CPTS territories coloured by one indicator (``values`` indexed by ``cpts_id``); grey:
    no value."""
    figure, axes = _figure(9, 8)
    shown = contours.assign(valeur=contours["cpts_id"].map(values))
    known = shown[shown["valeur"].notna()]
    low, high = known["valeur"].min(), known["valeur"].max()
    scale = matplotlib.colors.LogNorm if _skewed(low, high) else matplotlib.colors.Normalize
    norm = scale(low, high)
    cmap = matplotlib.colormaps["viridis"]
    _layer(
        axes,
        known["geometry"],
        facecolors=[cmap(norm(v)) for v in known["valeur"]],
        edgecolors="white",
        linewidths=0.5,
    )
    _layer(
        axes,
        shown.loc[shown["valeur"].isna(), "geometry"],
        facecolors="#d9d9d9",
        edgecolors="white",
    )
    _layer(axes, [outline], facecolors="none", edgecolors="black", linewidths=1)
    minx, miny, maxx, maxy = outline.bounds
    axes.set_xlim(minx, maxx)
    axes.set_ylim(miny, maxy)
    axes.set_aspect(1 / 0.7)  # as territory_map
    axes.set_axis_off()
    colourbar = figure.colorbar(
        matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.7, label=unit
    )
    colourbar.formatter = FuncFormatter(lambda v, _: format_number(v))
    colourbar.update_ticks()
    axes.set_title(title)
    return figure
