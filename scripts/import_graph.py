"""The product's import graph, from the source (ast), and the rules the layers must keep.

Rules (issue 8): ``index`` imports neither ``qa`` nor ``tui``; ``qa`` does not import ``tui``
except the CLI's lazy launch of the chat (an import inside a function of ``qa.cli``); no module
imports a private name (``_x``) of another module; and no import cycle between modules, lazy
imports included (a package's ``__init__`` is not counted as imported by its submodules).
Issue 13: only the stores (``index.stores.*``) import a store engine's library (faiss,
pymilvus, milvus_lite), so the engine, ranking and both front ends never know which store
answers. Scripts may (a benchmark of FAISS index types needs faiss itself).

    python -m scripts.import_graph            # package graph, violations; exit 1 if any
    python -m scripts.import_graph --dot      # module graph as Graphviz DOT
    python -m scripts.import_graph --json     # edges and violations as JSON
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "qa", "tui")
#: package → packages it may import (besides itself)
ALLOWED = {"index": set(), "qa": {"index"}, "tui": {"qa"}, "scripts": {"index", "qa", "tui", "scripts", "tests"}}
#: (module, imported package) pairs allowed when the import is lazy (inside a function)
LAZY_EXCEPTIONS = {("qa.cli", "tui")}
#: Store engines' libraries, and the package that alone may import them.
STORE_LIBRARIES = ("faiss", "pymilvus", "milvus_lite")
STORE_PACKAGE = "index.stores"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    names: tuple[str, ...]
    lazy: bool
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def product_files() -> list[Path]:
    return sorted(p for pkg in (*PACKAGES, "scripts") for p in (ROOT / pkg).rglob("*.py"))


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def edges_of(path: Path, known: set[str]) -> list[Edge]:
    """Imports of product modules in ``path`` (``from pkg import mod`` resolves to the submodule)."""
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy_lines = {n.lineno for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                  for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
    out: list[Edge] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in (*PACKAGES, "scripts", "tests"):
                    out.append(Edge(module, alias.name, (), node.lineno in lazy_lines, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node, path.name == "__init__.py")
            if target.split(".")[0] not in (*PACKAGES, "scripts", "tests"):
                continue
            plain = []
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    out.append(Edge(module, sub, (), node.lineno in lazy_lines, node.lineno))
                else:
                    plain.append(alias.name)
            if plain:
                out.append(Edge(module, target, tuple(plain), node.lineno in lazy_lines, node.lineno))
    return out


def store_library_imports(module: str, tree: ast.AST) -> list[str]:
    """Imports of :data:`STORE_LIBRARIES` in product ``module`` (its source parsed as ``tree``) when it
    is outside :data:`STORE_PACKAGE`, lazy ones included."""
    if module.split(".")[0] not in PACKAGES or module == STORE_PACKAGE or module.startswith(STORE_PACKAGE + "."):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        found += [f"{module}:{node.lineno} imports {n} (only {STORE_PACKAGE} may import a store's library)"
                  for n in names if n.split(".")[0] in STORE_LIBRARIES]
    return found


def private_uses(path: Path, known: set[str]) -> list[str]:
    """``mod._x`` where ``mod`` names another product module imported in ``path``."""
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node, path.name == "__init__.py")
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
    return [f"{module}:{n.lineno} uses private {aliases[n.value.id]}.{n.attr}" for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases
            and n.attr.startswith("_") and not n.attr.startswith("__") and aliases[n.value.id] != module]


def all_edges() -> list[Edge]:
    files = product_files()
    known = {module_name(p) for p in files}
    return [e for p in files for e in edges_of(p, known)]


def violations(edges: list[Edge]) -> list[str]:
    problems = []
    for e in edges:
        src_pkg, dst_pkg = e.source.split(".")[0], e.target.split(".")[0]
        upward = dst_pkg != src_pkg and dst_pkg not in ALLOWED[src_pkg]
        if upward and not (e.lazy and (e.source, dst_pkg) in LAZY_EXCEPTIONS):
            problems.append(f"{e.source}:{e.line} imports {e.target} (layer {src_pkg} may not import {dst_pkg})")
        private = [n for n in e.names if n.startswith("_") and not n.startswith("__")]
        if private and e.target != e.source:
            problems.append(f"{e.source}:{e.line} imports private {', '.join(private)} from {e.target}")
    problems += [f"import cycle: {' -> '.join(c)}" for c in cycles(edges)]
    files = product_files()
    known = {module_name(p) for p in files}
    problems += [use for p in files for use in private_uses(p, known)]
    problems += [use for p in files
                 for use in store_library_imports(module_name(p), ast.parse(p.read_text(encoding="utf-8")))]
    return problems


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each as a closed path of names."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        if e.target != e.source and not e.source.startswith(e.target + "."):
            graph.setdefault(e.source, set()).add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group) + [sorted(group)[0]])

    sys.setrecursionlimit(10000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_edges(edges: list[Edge]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for e in edges:
        a, b = e.source.split(".")[0], e.target.split(".")[0]
        if a != b:
            counts.setdefault(a, {}).setdefault(b, 0)
            counts[a][b] += 1
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--dot", action="store_true", help="print the module graph as Graphviz DOT")
    ap.add_argument("--json", action="store_true", help="print edges and violations as JSON")
    args = ap.parse_args()
    edges = all_edges()
    problems = violations(edges)
    if args.dot:
        print("digraph imports {\n  rankdir=LR;")
        for e in sorted({(e.source, e.target, e.lazy) for e in edges}):
            print(f'  "{e[0]}" -> "{e[1]}"' + (" [style=dashed];" if e[2] else ";"))
        print("}")
    elif args.json:
        print(json.dumps({"edges": [e.__dict__ for e in edges], "packages": package_edges(edges),
                          "violations": problems}, ensure_ascii=False, indent=1))
    else:
        for src, targets in sorted(package_edges(edges).items()):
            print(f"{src} -> " + ", ".join(f"{t} ({n})" for t, n in sorted(targets.items())))
        print("\n".join(problems) if problems else "no violations: index -> qa -> tui, no cycles, no private imports, "
              "store libraries in index.stores only")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
