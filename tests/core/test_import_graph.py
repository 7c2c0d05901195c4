"""The rooms of examapp stay a stack: read from the source (ast, nothing imported), the domain packages'
imports form no cycle, no module-level import cycle exists at all, and audit (which every package writes
to) imports no package above it, accounts included."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "examapp"
# Shared modules under every package.
SHARED_PACKAGES = {"access"}


def _module_name(path: Path) -> str:
    return ".".join(("examapp", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")


def _imported(node: ast.AST, modules: set[str]) -> list[str]:
    """The examapp modules an import statement names (`from examapp.x import y` names examapp.x.y when
    y is a module, examapp.x otherwise)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                for alias in node.names]
    return []


def _sources() -> dict[str, ast.Module]:
    return {_module_name(path): ast.parse(path.read_text(encoding="utf-8")) for path in ROOT.rglob("*.py")}


def _package(module: str) -> str | None:
    """The package a module belongs to (examapp.exams.services → exams); None for examapp's own top-level
    modules (the app factory, shared helpers)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and (ROOT / parts[1]).is_dir() else None


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            found = visit(target)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start)
        if found:
            return found
    return None


def package_graph(sources: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Package → packages it imports from, counting every import (also inside functions) of every module,
    views and commands (routes, api, manage, cli) included: they obey the same stack."""
    modules = set(sources)
    graph: dict[str, set[str]] = defaultdict(set)
    for module, tree in sources.items():
        own = _package(module)
        if own is None:
            continue
        for node in ast.walk(tree):
            for name in _imported(node, modules):
                other = _package(name) if name.startswith("examapp.") else None
                if other and other != own:
                    graph[own].add(other)
    return graph


def module_graph(sources: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Module → examapp modules it imports at load time (top-level statements)."""
    modules = set(sources)
    return {module: {name for node in tree.body for name in _imported(node, modules)
                     if name in modules and name != module}
            for module, tree in sources.items()}


def test_domain_packages_import_each_other_without_a_cycle():
    graph = package_graph(_sources())
    assert {"accounts", "exams", "publishing", "scoring"} <= set(graph)   # the walk sees the packages
    assert _cycle(graph) is None, f"import cycle between packages: {' → '.join(_cycle(graph))}"


def test_no_module_imports_itself_back_at_load_time():
    graph = module_graph(_sources())
    assert _cycle(graph) is None, f"import cycle between modules: {' → '.join(_cycle(graph))}"


def imports_above_audit(sources: dict[str, ast.Module]) -> list[str]:
    modules = set(sources)
    above = set()
    for module, tree in sources.items():
        if _package(module) != "audit":
            continue
        for node in ast.walk(tree):
            for name in _imported(node, modules):
                other = _package(name) if name.startswith("examapp.") else None
                if other and other not in {"audit", *SHARED_PACKAGES}:
                    above.add(f"{module} → {name}")
    return sorted(above)


def test_audit_imports_no_package_above_it():
    """Audit sits under every package (each records into it): it may use the shared access policy and
    examapp's own helpers, never accounts or another domain package."""
    assert imports_above_audit(_sources()) == []


def test_the_walk_finds_a_cycle_and_an_upward_import_when_there_is_one():
    """The checks above are only as good as the walk: a made-up audit → accounts → audit loop is caught."""
    sources = {
        "examapp.audit.services": ast.parse("from examapp.accounts.models import User\n"),
        "examapp.accounts.models": ast.parse("from examapp.audit import services\n"),
        "examapp.audit": ast.parse(""),
    }
    assert _cycle(module_graph(sources)) == ["examapp.accounts.models", "examapp.audit.services",
                                             "examapp.accounts.models"]
    assert _cycle(package_graph(sources)) == ["accounts", "audit", "accounts"]
    assert imports_above_audit(sources) == ["examapp.audit.services → examapp.accounts.models"]
