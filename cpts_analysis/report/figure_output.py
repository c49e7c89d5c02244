"""How a figure reaches the notebook: a PNG with its titles as text, drawn apart in reports.

Drawing a figure (layout, rasterising, PNG encoding) is most of a report's cell time, and it
needs nothing but the finished figure. In a report kernel using idle cores
(:func:`~cpts_analysis.report.background.use_idle_cores`, called by the kernel preload) a
forked child draws it while the kernel goes on with the next cells: a placeholder holds the
image's place, and Jupyter's display update (which Papermill applies to the notebook it
saves) puts the image there once drawn. :func:`all_drawn`, called before a report's last file
is written, waits for the rest. A notebook opened by hand draws in place: its images appear
as each cell runs.
"""

from __future__ import annotations

import io
import os
import uuid
from typing import TYPE_CHECKING

from cpts_analysis.core.vocabulary import FIGURE_PENDING
from cpts_analysis.report import background
from cpts_analysis.report.background import Forked

if TYPE_CHECKING:  # the runner imports this module (through sidecars): not matplotlib
    from matplotlib.figure import Figure

APART_AT_ONCE = max(1, (os.cpu_count() or 2) - 1)
"""Figures drawn at once by children: one per core besides the kernel's (1 on 2 cores, where
2 measured no better: they only take turns)."""
_drawing: list[tuple[str, str, Forked]] = []  # display id, text of the image, child drawing it


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the timestamped metadata matplotlib adds by default."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def alt_text(figure: Figure) -> str:
    """The figure's titles, for the ``alt`` of its image in the HTML and PDF reports: screen
    readers speak it, and without it nbconvert writes an English placeholder."""
    titles = [figure.get_suptitle(), *(axes.get_title() for axes in figure.axes)]
    text = " — ".join(dict.fromkeys(title for title in titles if title))
    if not text:
        raise ValueError("figure sans titre : son image n'aurait pas de texte alternatif")
    return text


def show(figure: Figure) -> None:
    """Display a figure in a notebook as an inline PNG, its titles as the image's text."""
    from IPython.display import Image, display

    text = alt_text(figure)
    if not background.enabled():
        display(Image(png(figure)), metadata=_image_metadata(text))
        return
    _place_drawn(room=APART_AT_ONCE - 1)
    display_id = uuid.uuid4().hex
    display({"text/plain": FIGURE_PENDING}, raw=True, display_id=display_id)
    child = Forked(f"Le dessin de la figure « {text} »", lambda: png(figure))
    _drawing.append((display_id, text, child))


def all_drawn() -> None:
    """Wait until every figure drawn apart is in its place in the notebook."""
    _place_drawn(room=0)


def forget() -> None:
    """Drop the figures a failed report left drawing (their children are reaped)."""
    background.wait_all()
    _drawing.clear()


def _place_drawn(room: int) -> None:
    """Replace placeholders by their images, in order: those drawn already, and more (waiting
    for them) until at most ``room`` are left drawing."""
    from IPython.display import Image, update_display

    while _drawing and (len(_drawing) > room or _drawing[0][2].done()):
        display_id, text, child = _drawing.pop(0)
        update_display(Image(child.wait()), display_id=display_id, metadata=_image_metadata(text))


def _image_metadata(text: str) -> dict:
    return {"image/png": {"alt": text}}
