"""The warm kernels' reset: what it froze is collected at the next reset."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in a fresh interpreter: the reset needs an IPython shell, and freezes the whole process.
SCRIPT = textwrap.dedent(
    """
    import gc, weakref
    from IPython.core.interactiveshell import InteractiveShell
    from cpts_analysis.report import kernel_hooks

    shell = InteractiveShell.instance()

    class Node:
        pass

    node = Node()
    node.cycle = node  # only a collection frees it
    holder = [node]
    alive = weakref.ref(node)
    del node
    shell.user_ns["report_result"] = holder
    kernel_hooks.reset()
    print("namespace emptied:", "report_result" not in shell.user_ns)
    holder.clear()
    gc.collect()
    print("frozen by the reset, kept by a collection:", alive() is not None)
    kernel_hooks.reset()
    print("collected at the next reset:", alive() is None)
    """
)


def test_reset_empties_the_namespace_and_collects_what_it_froze_at_the_next_reset() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.splitlines() == [
        "namespace emptied: True",
        "frozen by the reset, kept by a collection: True",
        "collected at the next reset: True",
    ]
