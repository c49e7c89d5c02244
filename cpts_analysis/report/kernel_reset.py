"""Run inside a warm kernel between two reports: empty the namespace, then freeze what is left.

IPython's reset ends with a full garbage collection. Unfrozen first, that collection frees the
last report's cyclic garbage, even objects that died after the previous freeze; what survives
(modules, data caches) is then frozen (``gc.freeze``), so the collections Python triggers
during the next report walk only that report's objects. Measured over 36 department reports
in one kernel: 1.37 s a report against 1.48 s with IPython's reset alone, for the same memory;
freezing without the full collection each time saved 0.03 s more but kept 80 MB of garbage.
"""

from __future__ import annotations

import gc

from IPython import get_ipython


def reset() -> None:
    gc.unfreeze()
    get_ipython().reset(new_session=False)  # what ``%reset -f`` does; collects
    gc.freeze()
