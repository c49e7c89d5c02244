"""Run inside a warm kernel between two reports: empty the namespace, cheaply.

IPython's reset ends with a full garbage collection, which walks every object of pandas,
matplotlib and the package (0.08 s) to free a report's few figures. Freezing what survives a
reset (``gc.freeze``) leaves later collections only the next report's objects to walk. Frozen
objects are never collected, so a report's cyclic garbage that outlives the reset (cache
entries dropped later) would accumulate: every ``FULL_COLLECTION_EVERY`` resets the kernel
unfreezes first and collects everything once.
"""

from __future__ import annotations

import gc

from IPython import get_ipython

FULL_COLLECTION_EVERY = 20
_resets = 0


def reset() -> None:
    global _resets
    _resets += 1
    if _resets % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()
    get_ipython().reset(new_session=False)  # what ``%reset -f`` does; collects
    gc.freeze()
