"""The package's layers: imports flow one way (cli → runner → report → analysis → territory → aci
→ core); the report layer, run inside kernels, never loads the runner's machinery.

Read from the source with ``ast`` (imports inside functions and ``TYPE_CHECKING`` blocks
included), so a late import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from cpts_analysis.core.paths import PACKAGE_DIR

LAYERS = ["core", "aci", "territory", "analysis", "report", "runner", "cli"]
# What drives kernels, exports or batches: the runner's business, never the kernel side's.
RUNNER_LIBRARIES = [
    "papermill",
    "nbconvert",
    "nbclient",
    "jupyter_client",
    "distributed",
    "playwright",
]
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module → package modules it imports (``from pkg import submodule`` names the submodule)."""
    trees = {_module_name(p): ast.parse(p.read_text("utf-8")) for p in PACKAGE_DIR.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, tree in trees.items():
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in trees else node.module)
        graph[name] = {t for t in targets if t in trees}
    return graph


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_belongs_to_a_layer():
    graph = _imports()
    loose = {m for m in graph if _layer(m) is None} - {"cpts_analysis", "cpts_analysis.__main__"}
    assert not loose, f"modules outside the layer folders: {sorted(loose)}"


def test_imports_never_go_up_a_layer():
    upward = [
        (module, target)
        for module, targets in _imports().items()
        for target in targets
        if (here := _layer(module)) is not None
        and (there := _layer(target)) is not None
        and there > here
    ]
    assert not upward, f"imports against the layer order {LAYERS}: {upward}"


def test_no_import_cycle():
    graph = _imports()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target] if target in path else [target]
                pytest.fail(f"import cycle: {' → '.join(cycle)}")
            if target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_modules_stay_small_or_say_why():
    """A module over ``MAX_LINES`` lines must explain itself in a ``# size:`` comment."""
    large = [
        f"{path.relative_to(PACKAGE_DIR.parent)} ({len(lines)} lignes)"
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if len(lines := path.read_text("utf-8").splitlines()) > MAX_LINES
        and not any(line.startswith("# size:") for line in lines)
    ]
    assert not large, f"modules over {MAX_LINES} lines without a reason: {large}"


def test_report_layer_loads_no_runner_machinery():
    """Importing every module of ``report/`` (what kernels import) loads no runner library."""
    modules = sorted(m for m in _imports() if m.startswith("cpts_analysis.report"))
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({RUNNER_LIBRARIES!r})))\n"
        "print(sorted(m for m in sys.modules if m.startswith('cpts_analysis.runner')))"
    )
    lines = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(modules) > 10
    assert lines == ["[]", "[]"], f"report/ loads runner machinery: {lines}"


def test_runner_processes_load_no_drawing_library():
    """The command, batch workers and their fork server import the runner, which imports
    what it shares with kernels (sidecars, background work): never matplotlib, whose 26 MB a
    process would carry for nothing (it draws only in kernels)."""
    code = (
        "import sys\n"
        "import cpts_analysis.cli.program, cpts_analysis.runner.worker_preload\n"
        "import cpts_analysis.runner.entry_points, cpts_analysis.runner.execute\n"
        "print(sorted(m for m in ('matplotlib', 'PIL') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_fork_server_preload_names_a_real_module():
    from cpts_analysis.runner import forkserver

    assert all(importlib.util.find_spec(name) for name in forkserver.PRELOAD)
