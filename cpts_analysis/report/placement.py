"""Marker placement that never overlaps, for maps with many small territories.

Each marker goes on its anchor if that spot is free, otherwise on the nearest free spot of
rings drawn around the anchor (greedy, in the given order, hence deterministic). A free spot
always exists on a wide enough ring, so the search ends and no two markers ever overlap,
however dense the anchors (the arrondissements of Lyon, a coast of small EPCI).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

RING_STEP = 0.5  # rings every half marker distance: the first free spot is close to the anchor


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
