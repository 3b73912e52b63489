"""The package's shape (docs/architecture.md): dependencies point one way, from the command
line down to the settings, with no cycle, and no module grows past about 300 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "consentgen"
# Lowest first. A module may import its own layer or any layer below, never one above.
LAYERS = [
    (
        "foundation",
        [
            "consentgen",
            "errors",
            "statuses",
            "files",
            "locales",
            "bilingual",
            "variants",
            "settings",
            "settings_file",
            "settings_reader",
            "procedures",
            "fonts",
            "roles",
        ],
    ),
    ("i18n", ["i18n"]),
    ("render", ["render"]),
    ("outputs", ["outputs"]),
    ("status", ["approval", "status"]),
    ("pipeline", ["pipeline", "manifest", "ledger", "index", "records"]),
    ("checks", ["checks"]),
    ("commands", ["build", "listing", "verify", "intake", "scaffold", "serve"]),
    ("cli", ["cli", "__main__"]),
]
MOST_LINES = 320


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    relative = module.removeprefix("consentgen").removeprefix(".") or "consentgen"
    top = relative.split(".")[0]
    for number, (_name, tops) in enumerate(LAYERS):
        if top in tops:
            return number
    raise AssertionError(f"{module} is in no layer: add it to docs/architecture.md and here")


def _imports(module: str) -> set[str]:
    """Every consentgen module this one imports, anywhere in it (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("consentgen")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if not node.module.startswith("consentgen"):
                continue
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return found - {module}


GRAPH = {module: _imports(module) for module in MODULES}


def test_every_module_is_in_a_layer_and_imports_nothing_above_it() -> None:
    upward = [
        f"{module} ({LAYERS[_layer(module)][0]}) imports {target} ({LAYERS[_layer(target)][0]})"
        for module, targets in GRAPH.items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle() -> None:
    visiting: list[str] = []
    done: set[str] = set()
    cycles: list[str] = []

    def visit(module: str) -> None:
        if module in done:
            return
        if module in visiting:
            cycles.append(" -> ".join([*visiting[visiting.index(module) :], module]))
            return
        visiting.append(module)
        for target in sorted(GRAPH.get(module, ())):
            # A package's own __init__ reached from its submodule is the package, not a cycle
            # of code: only a submodule that imports its package's init while the init
            # imports it would be one, and that shows as an edge both ways.
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(GRAPH):
        visit(module)
    assert cycles == []


def test_no_module_is_past_about_three_hundred_lines() -> None:
    long = {
        module: n
        for module, path in MODULES.items()
        if (n := len(path.read_text("utf-8").splitlines())) > MOST_LINES
    }
    assert long == {}
