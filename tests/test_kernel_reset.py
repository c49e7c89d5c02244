"""The warm kernels' reset: objects it freezes are collected again every few resets."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in a fresh interpreter: the reset needs an IPython shell, and freezes the whole process.
SCRIPT = textwrap.dedent(
    """
    import gc, weakref
    from IPython.core.interactiveshell import InteractiveShell
    from cpts_analysis.report import kernel_reset

    InteractiveShell.instance()

    class Node:
        pass

    node = Node()
    node.cycle = node  # only a collection frees it
    holder = [node]
    alive = weakref.ref(node)
    del node
    kernel_reset.reset()  # the cycle is still referenced: frozen
    holder.clear()
    gc.collect()
    print("frozen garbage survives a collection:", alive() is not None)
    resets = 1
    while alive() is not None and resets < 2 * kernel_reset.FULL_COLLECTION_EVERY:
        kernel_reset.reset()
        resets += 1
    print("resets until collected:", resets)
    """
)


def test_reset_freezes_survivors_then_collects_them_every_few_resets() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    from cpts_analysis.report.kernel_reset import FULL_COLLECTION_EVERY

    assert run.stdout.splitlines() == [
        "frozen garbage survives a collection: True",
        f"resets until collected: {FULL_COLLECTION_EVERY}",
    ]
