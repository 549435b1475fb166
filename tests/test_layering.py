"""The import graph of helpdesk/ and workers/ has no circle and never points up a layer."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

ROOT = Path(__file__).resolve().parents[1]

# Lowest layer first. A module may import its own layer and the ones below, never above.
# Longest matching prefix wins; function-level imports count like module-level ones.
LAYERS: dict[str, int] = {
    # 0: infrastructure every layer may use
    "helpdesk.extensions": 0,
    "helpdesk.database": 0,
    "helpdesk.redis_store": 0,
    # 1: the settings, the data and the X boundary (config checks the reply signature with
    # x.text's rules; logs reads the settings for the secrets it masks)
    "helpdesk.config": 1,
    "helpdesk.logs": 1,
    "helpdesk.models": 1,
    "helpdesk.x": 1,
    # 2: the domain (and the queue it enqueues on, by dotted name)
    "helpdesk.services": 2,
    "helpdesk.queue": 2,
    # 3: what calls the domain: the browser's plumbing, the blueprints, the jobs
    "helpdesk.web": 3,
    "helpdesk.auth": 3,
    "helpdesk.account": 3,
    "helpdesk.inbox": 3,
    "helpdesk.supervise": 3,
    "helpdesk.api": 3,
    "workers.jobs": 3,
    "workers.cron": 3,
    # 4: what assembles the rest: create_app, the command line, the demo, the worker's main
    "helpdesk": 4,
    "helpdesk.cli": 4,
    "helpdesk.demo": 4,
    "workers": 4,
}
NAMES = {
    0: "infrastructure",
    1: "settings, models and x",
    2: "services",
    3: "views and jobs",
    4: "entry",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("helpdesk", "workers"):
        for path in sorted((ROOT / top).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _known(name: str) -> str | None:
    """`name`, or the nearest package of it that is one of our modules; None when external."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import of ours in the file, at any depth, except
    under `if TYPE_CHECKING:` (annotations only: it never runs, so it makes no circle)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            node.body = []  # drop what only a type checker reads
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name)
                if target:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                target = _known(f"{base}.{alias.name}") or _known(base)
                if target:
                    yield target, node.lineno


def _is_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING`."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _is_ancestor(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def _graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: first line}; a package imported by its own submodules
    (`from helpdesk.supervise import bp`) is no edge: Python imports it first anyway."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for target, line in _imports(module, path):
            if target != module and not _is_ancestor(target, module):
                edges.setdefault(target, line)
    return graph


def layer(module: str) -> int:
    """The layer of a module: its longest matching prefix in LAYERS."""
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def test_every_module_has_a_layer() -> None:
    """Every module of helpdesk/ and workers/ falls under one of the layers above."""
    assert all(isinstance(layer(m), int) for m in MODULES)
    assert "helpdesk.services.inbox" in MODULES and "workers.jobs" in MODULES


def test_no_import_points_up_a_layer() -> None:
    """Views and jobs -> services -> models and x: never the reverse, at any depth."""
    upward = [
        f"{MODULES[source].relative_to(ROOT)}:{line} {source} ({NAMES[layer(source)]})"
        f" imports {target} ({NAMES[layer(target)]})"
        for source, edges in sorted(_graph().items())
        for target, line in sorted(edges.items())
        if layer(target) > layer(source)
    ]
    assert upward == []


def test_helpdesk_never_imports_workers() -> None:
    """Jobs are enqueued by dotted name ("workers.jobs.post_reply"): helpdesk needs no workers."""
    reaching = [
        f"{source} imports {target}"
        for source, edges in sorted(_graph().items())
        if source.split(".")[0] == "helpdesk"
        for target in edges
        if target.split(".")[0] == "workers"
    ]
    assert reaching == []


def test_the_import_graph_has_no_circle() -> None:
    """No module reaches itself through the modules it imports."""
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, {})):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert [" -> ".join(cycle) for cycle in cycles] == []


def test_the_checker_sees_function_level_and_package_imports() -> None:
    """The graph holds imports made inside functions and resolves `from pkg import module`."""
    graph = _graph()
    assert "helpdesk.api" in graph["helpdesk"]  # inside create_app's helper
    assert "helpdesk.services.audit" in graph["helpdesk.services.employees"]
