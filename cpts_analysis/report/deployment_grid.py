"""The compact deployment view of many CPTS: one cell per CPTS and socle mission, coloured by
its state on the reference date (a timeline of 70 CPTS would be a 70-row wall)."""

from __future__ import annotations

import matplotlib
import matplotlib.axes
import matplotlib.colors
import matplotlib.patches
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from cpts_analysis.aci.missions import group_label
from cpts_analysis.core.formatting import sort_key
from cpts_analysis.core.vocabulary import DEPLOYMENT_STATES

GRID_ROWS = 36  # CPTS per column of the grid, so that 70+ CPTS fit on one screen
GRID_STATES = {  # deployment state → (legend label, colour, mark for black-and-white prints)
    "en_cours": (DEPLOYMENT_STATES["en_cours"], "#74c476", ""),
    "demarree_en_retard": (DEPLOYMENT_STATES["demarree_en_retard"], "#fd8d3c", "!"),
    "en_retard": (DEPLOYMENT_STATES["en_retard"], "#de2d26", "✕"),
    "a_venir": (DEPLOYMENT_STATES["a_venir"], "#e0e0e0", ""),
}


def deployment_grid(deployment: pd.DataFrame, names: pd.Series) -> Figure:
    """One cell per CPTS and socle mission, coloured by its state on the reference date.

    CPTS are listed alphabetically in columns of at most ``GRID_ROWS``; the legend counts the
    cells of each state.
    """
    socle = deployment[deployment["date_limite_demarrage"].notna()]
    missions = list(dict.fromkeys(socle["mission"]))
    cpts_ids = sorted(socle["cpts_id"].unique(), key=lambda c: sort_key(names.get(c, c)))
    states = socle.pivot(index="cpts_id", columns="mission", values="etat")
    states = states.reindex(index=cpts_ids, columns=missions)
    codes = {state: i for i, state in enumerate(GRID_STATES)}
    panels, rows = grid_columns(len(cpts_ids))
    figure = Figure(figsize=(4.6 * panels, 0.2 * rows + 1.6), dpi=90, layout="constrained")
    colours = matplotlib.colors.ListedColormap([c for _, c, _ in GRID_STATES.values()])
    for index, axes in enumerate(figure.subplots(1, panels, squeeze=False)[0]):
        chunk = states.iloc[index * rows : (index + 1) * rows]
        grid = chunk.apply(lambda column: column.map(codes)).to_numpy(dtype=float)
        axes.pcolormesh(
            grid, cmap=colours, vmin=-0.5, vmax=len(codes) - 0.5, edgecolors="white", linewidth=1
        )
        _marks(axes, chunk.to_numpy())
        axes.set_xlim(0, len(missions))
        axes.set_ylim(rows, 0)
        axes.set_yticks(
            [y + 0.5 for y in range(len(chunk))], [names.get(c, c) for c in chunk.index]
        )
        axes.set_xticks([x + 0.5 for x in range(len(missions))], map(group_label, missions))
        axes.tick_params(axis="both", length=0, labelsize=8)
        axes.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
        for label in axes.get_xticklabels():
            label.set(rotation=35, ha="left", rotation_mode="anchor")
        axes.set_frame_on(False)
    counts = socle["etat"].value_counts()
    figure.legend(
        handles=[
            matplotlib.patches.Patch(color=colour, label=f"{label} ({counts.get(state, 0)})")
            for state, (label, colour, _) in GRID_STATES.items()
        ],
        loc="outside lower center",
        ncols=len(GRID_STATES),
        fontsize="small",
        frameon=False,
    )
    figure.suptitle(
        "Missions socles au regard du calendrier de déploiement (cellules : CPTS × mission)"
    )
    return figure


def _marks(axes: matplotlib.axes.Axes, states: np.ndarray) -> None:
    """Each state's mark in its cells, as one scatter per mark: a text per cell (47 in the
    region's grid) cost a fifth of the figure's drawing."""
    for state, (_, _, mark) in GRID_STATES.items():
        rows, columns = np.nonzero(states == state)
        if mark and len(rows):
            axes.scatter(
                columns + 0.5, rows + 0.5, s=36, marker=_glyph(mark), color="black", linewidths=0
            )


def _glyph(mark: str) -> Path:
    """``mark`` in the figures' font as a marker centred on its cell. Not a ``$!$`` marker:
    mathtext looks for fonts the machine may lack and logs « findfont » lines, which reached
    the reports."""
    outline = TextPath((0, 0), mark, size=1)
    box = outline.get_extents()
    return Path(outline.vertices - [box.x0 + box.width / 2, box.y0 + box.height / 2], outline.codes)


def grid_columns(count: int) -> tuple[int, int]:
    """(columns, rows per column) to list ``count`` CPTS in columns of at most ``GRID_ROWS``."""
    columns = max(1, -(-count // GRID_ROWS))
    return columns, -(-count // columns)
