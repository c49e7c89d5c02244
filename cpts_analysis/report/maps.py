"""Maps of the reports: CPTS territories, shared communes, indicator choropleths.

Geometries are drawn as one matplotlib path collection per layer (not one artist per
commune), simplified to half a pixel of the drawing (a region's communes hold twice the points
its map can show, and matplotlib does not simplify closed paths), which keeps a region's map
fast to draw; figures come from ``plots.new_figure``.
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath

from cpts_analysis.core.cache import cached, digest
from cpts_analysis.core.formatting import sort_key
from cpts_analysis.report.map_labels import legend_size, name_legend, numbered_markers
from cpts_analysis.report.plots import INTEGERS, PALETTE, new_figure, skewed

MAP_WIDTH = 8.0  # inches
DPI = 90  # as every figure of plots
ASPECT = 0.7  # ~cos(45°): a degree of latitude is drawn 1/ASPECT times a degree of longitude
# Territory colours: tab20 without its two greys, which would read as white zones.
TERRITORY_COLOURS = [c for i, c in enumerate(PALETTE) if i not in (14, 15)]


def _paths(geometries: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each non-empty (multi)polygon, holes included, as the vertices and codes of one
    matplotlib path (plain arrays: they outlive a matplotlib upgrade in the cache); its rings'
    points read at once for the whole layer (a Python loop over rings took a region map's
    building time)."""
    polygons, owner = shapely.get_parts(geometries, return_index=True)
    rings, ring_polygon = shapely.get_rings(polygons, return_index=True)
    vertices, point_ring = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(vertices), MplPath.LINETO, dtype=MplPath.code_type)
    starts = np.flatnonzero(np.diff(point_ring, prepend=-1))
    codes[starts] = MplPath.MOVETO
    codes[np.append(starts[1:], len(vertices)) - 1] = MplPath.CLOSEPOLY
    bounds = np.searchsorted(owner[ring_polygon][point_ring], np.arange(len(geometries) + 1))
    return [(vertices[a:b], codes[a:b]) for a, b in itertools.pairwise(bounds.tolist()) if b > a]


def layer(axes: matplotlib.axes.Axes, geometries, tolerance: float = 0.0, **style) -> None:
    """One collection per layer: thousands of communes draw several times faster than patches.
    With a ``tolerance`` (see :func:`drawn`), the layer's paths are cached on disk by the
    geometries' bytes: every report of a territory draws the same base layers."""
    array = np.asarray([g for g in geometries if g is not None], dtype=object)
    if not len(array):
        return
    if tolerance:
        key = digest(tolerance, *shapely.to_wkb(array))
        paths = cached("map-paths", key, lambda: _paths(drawn(array, tolerance)))
    else:
        paths = _paths(array)
    if paths:
        axes.add_collection(PathCollection([MplPath(*path) for path in paths], **style))


def half_pixel(outline: shapely.Geometry, width: float, height: float) -> float:
    """The distance, in degrees, that shows as at most half a pixel on a map of ``outline``
    framed in a figure of ``width`` × ``height`` inches (the map's axes are never larger)."""
    minx, miny, maxx, maxy = outline.bounds
    # Pixels per degree of longitude are at most the figure's width over the territory's, and
    # a degree of latitude, drawn 1/ASPECT larger, must fit its height too.
    scale = min(
        width * DPI / max(maxx - minx, 1e-9), ASPECT * height * DPI / max(maxy - miny, 1e-9)
    )
    return 0.5 * ASPECT / scale


def drawn(geometries: np.ndarray, tolerance: float) -> np.ndarray:
    """``geometries`` simplified by ``tolerance``, topology kept: no commune vanishes, however
    small (GEOS may stray up to about twice the tolerance near a ring's first point)."""
    return shapely.simplify(geometries, tolerance, preserve_topology=True)


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
    colour.

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
        figure, axes = new_figure(9, 9)
    # The map's axes: at most MAP_WIDTH wide beside a legend, the figure's width alone.
    width, height = figure.get_size_inches()
    tolerance = half_pixel(outline, min(width, MAP_WIDTH) if several else width, height)
    colours = [TERRITORY_COLOURS[i % len(TERRITORY_COLOURS)] for i in range(len(contours))]
    layer(
        axes,
        contours["geometry"],
        tolerance,
        facecolors=colours,
        edgecolors="white",
        linewidths=0.5,
        alpha=0.85,
    )
    layer(
        axes,
        white["geometry"],
        tolerance,
        facecolors="#d9d9d9",
        edgecolors="#bdbdbd",
        linewidths=0.2,
    )
    layer(
        axes,
        overlap["geometry"],
        tolerance,
        facecolors="none",
        edgecolors="red",
        hatch="///",
        linewidths=0.8,
    )
    layer(axes, [outline], tolerance, facecolors="none", edgecolors="black", linewidths=1)
    if shared is not None:
        colour_of = dict(zip(contours["cpts_id"], colours, strict=True))
        _shared_layer(axes, shared, colour_of, SHARED_CAPTIONS[several])
    frame_map(axes, outline)
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


def frame_map(axes: matplotlib.axes.Axes, outline: shapely.Geometry) -> None:
    """Fit a map to the territory's outline, without axes."""
    minx, miny, maxx, maxy = outline.bounds
    axes.set_xlim(minx, maxx)
    axes.set_ylim(miny, maxy)
    axes.set_aspect(1 / ASPECT)  # keeps France's shape in lon/lat
    axes.set_axis_off()


SHARED_HATCHES = ("///", "\\\\\\", "|||", "---")
SHARED_CAPTIONS = {
    True: "hachures de couleurs : commune partagée entre CPTS (une couleur par CPTS)",
    False: "hachures : commune partagée avec d'autres CPTS (la CPTS n'en compte que sa part)",
}
"""Under a map of several CPTS (True) or of one (False, the profile: the others are not
drawn)."""


def _shared_layer(
    axes: matplotlib.axes.Axes, shared: pd.DataFrame, colours: dict, caption: str
) -> None:
    """A shared commune drawn with both (all) colours: one hatch direction per CPTS, in its
    colour, over a white fill, so the split is visible whatever the fill beneath."""
    if shared.empty:
        return
    for _, group in shared.groupby("code_commune", sort=True):
        geometry = group["geometry"].iloc[0]
        layer(axes, [geometry], facecolors="white", edgecolors="none")
        for rank, cpts_id in enumerate(sorted(group["cpts_id"])):
            colour = colours.get(cpts_id, "black")
            hatch = SHARED_HATCHES[rank % len(SHARED_HATCHES)]
            layer(
                axes,
                [geometry],
                facecolors="none",
                edgecolors="none",
                hatchcolor=colour,
                hatch=hatch,
                hatch_linewidth=2.5,
            )
        layer(axes, [geometry], facecolors="none", edgecolors="black", linewidths=0.8)
    axes.text(
        0.5,
        -0.02,
        caption,
        transform=axes.transAxes,
        ha="center",
        va="top",
        fontsize="small",
    )


def choropleth(
    contours: pd.DataFrame, values: pd.Series, outline: shapely.Geometry, title: str, unit: str
) -> Figure:
    """CPTS territories coloured by one indicator (``values`` indexed by ``cpts_id``); grey:
    no value."""
    figure, axes = new_figure(9, 8)
    tolerance = half_pixel(outline, 9, 8)
    shown = contours.assign(valeur=contours["cpts_id"].map(values))
    known = shown[shown["valeur"].notna()]
    low, high = known["valeur"].min(), known["valeur"].max()
    scale = matplotlib.colors.LogNorm if skewed(low, high) else matplotlib.colors.Normalize
    norm = scale(low, high)
    cmap = matplotlib.colormaps["viridis"]
    layer(
        axes,
        known["geometry"],
        tolerance,
        facecolors=[cmap(norm(v)) for v in known["valeur"]],
        edgecolors="white",
        linewidths=0.5,
    )
    layer(
        axes,
        shown.loc[shown["valeur"].isna(), "geometry"],
        tolerance,
        facecolors="#d9d9d9",
        edgecolors="white",
    )
    layer(axes, [outline], tolerance, facecolors="none", edgecolors="black", linewidths=1)
    frame_map(axes, outline)
    colourbar = figure.colorbar(
        matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.7, label=unit
    )
    colourbar.formatter = INTEGERS
    colourbar.update_ticks()
    axes.set_title(title)
    return figure
