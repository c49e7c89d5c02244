"""Numbered markers that never overlap, and their legend, for maps of many small territories.

Names written on a map pile up wherever territories are small (cities, valleys); numbers in
markers fit anywhere once spread apart, and the legend beside the map names them.

Each marker goes on its anchor if that spot is free, otherwise on the nearest free spot of
rings drawn around the anchor (greedy, in the given order, hence deterministic). A free spot
always exists on a wide enough ring, so the search ends and no two markers ever overlap,
however dense the anchors (the arrondissements of Lyon, a coast of small EPCI).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import matplotlib.axes
import numpy as np
from matplotlib.figure import Figure

RING_STEP = 0.5  # rings every half marker distance: the first free spot is close to the anchor
LEGEND_ROWS = 36  # names per legend column, so that 70+ CPTS fit beside the map
MARKER_PX = 17  # marker diameter for two digits at 7 pt, 90 dpi, with a small gap
LEGEND_FONT_PT = 7.5
CHAR_IN = 0.62 * LEGEND_FONT_PT / 72  # widest average glyph of DejaVu Sans, in inches
LINE_IN = 0.2


def spread(anchors: np.ndarray, distance: float) -> np.ndarray:
    """Positions (n × 2, same units as ``anchors``) at least ``distance`` apart."""
    placed = np.empty((0, 2))
    for anchor in np.asarray(anchors, dtype=float).reshape(-1, 2):
        for candidate in _candidates(anchor, distance):
            if not len(placed) or np.hypot(*(placed - candidate).T).min() >= distance:
                placed = np.vstack([placed, candidate])
                break
    return placed


def _candidates(anchor: np.ndarray, distance: float) -> Iterator[np.ndarray]:
    yield anchor
    ring = 1
    while True:
        radius = ring * RING_STEP * distance
        count = max(6, math.ceil(2 * math.pi * radius / (RING_STEP * distance)))
        for step in range(count):
            angle = 2 * math.pi * step / count + math.pi / 2  # first try straight above
            yield anchor + radius * np.array([math.cos(angle), math.sin(angle)])
        ring += 1


def numbered_markers(figure: Figure, axes: matplotlib.axes.Axes, anchors: list) -> None:
    """Markers 1…n on ``anchors`` (data coordinates), spread apart in screen pixels."""
    figure.draw_without_rendering()  # fixes the constrained layout, hence the data→pixel map
    pixels = axes.transData.transform(anchors)
    spread_pixels = spread(pixels, MARKER_PX)
    placed = axes.transData.inverted().transform(spread_pixels)
    for number, (anchor, position) in enumerate(zip(anchors, placed, strict=True), 1):
        moved = not np.array_equal(pixels[number - 1], spread_pixels[number - 1])
        axes.annotate(
            str(number),
            anchor,
            xytext=position,
            fontsize=7,
            ha="center",
            va="center",
            bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "black", "lw": 0.6},
            arrowprops={"arrowstyle": "-", "lw": 0.6, "shrinkA": 0, "shrinkB": 0}
            if moved
            else None,
            in_layout=False,
        )


def legend_size(labels: list[str]) -> tuple[float, float]:
    """(width, height) in inches that :func:`name_legend` needs: its columns never overlap."""
    columns, rows = _legend_layout(labels)
    longest = max((len(label) for label in labels), default=0) + 4  # number and gap
    return columns * longest * CHAR_IN, rows * LINE_IN


def name_legend(axes: matplotlib.axes.Axes, labels: list[str]) -> None:
    """Numbered names in columns of at most ``LEGEND_ROWS`` lines, in an axes of at least
    :func:`legend_size`."""
    axes.set_axis_off()
    columns, rows = _legend_layout(labels)
    for index, label in enumerate(labels):
        column, row = divmod(index, rows)
        axes.text(
            column / columns,
            1 - row / rows,
            f"{index + 1:>2}  {label}",
            transform=axes.transAxes,
            fontsize=LEGEND_FONT_PT,
            va="top",
        )


def _legend_layout(labels: list[str]) -> tuple[int, int]:
    columns = max(1, -(-len(labels) // LEGEND_ROWS))
    return columns, max(1, -(-len(labels) // columns))
