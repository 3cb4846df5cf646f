"""Dependencies flow one way (STYLE): domain ← models ← services ← (web | cli | jobs) ← create_app.

Read from the source with ``ast`` (imports inside functions count too), so an import cycle such
as wiring → cli → scheduler → jobs → wiring (issue 18) fails here even though it never breaks at
import time.
"""
import ast

import pytest
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "creditstreet"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Modules of ours that ``path`` imports anywhere in it (absolute dotted names)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("creditstreet"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("creditstreet"))
    return found


def _graph() -> dict[str, set[str]]:
    mods = {_module_name(p): p for p in PKG.rglob("*.py")}
    return {name: {t for t in _imports(p) if t in mods} for name, p in mods.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_top_level_modules_have_no_import_cycle():
    graph = _graph()
    top = {m for m in graph if m.count(".") == 1 and _layer(m) in ("wiring", "cli", "scheduler", "jobs",
                                                                 "sqlite_mode", "exports", "extensions")}
    # Collapse to the top-level module each import lands in, then look for a cycle by depth-first search.
    edges = {m: {".".join(t.split(".")[:2]) for t in graph[m]} & top for m in top}
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for t in sorted(edges[m]):
            assert state.get(t) != 1, "import cycle: " + " → ".join(path + [t])
            if t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(top):
        if m not in state:
            visit(m, [m])


def test_lower_layers_never_import_upper_ones():
    upper = {"domain": {"models", "services", "web", "cli", "jobs", "scheduler", "wiring"},
             "models": {"services", "web", "cli", "jobs", "scheduler", "wiring"},
             "services": {"web", "cli", "jobs", "scheduler", "wiring"},
             "jobs": {"web", "cli", "wiring"},
             "scheduler": {"web", "cli", "wiring"}}
    bad = [(m, t) for m, targets in _graph().items() for t in targets
           if _layer(t) in upper.get(_layer(m), set())]
    assert bad == []


@pytest.mark.parametrize("module", ["creditstreet.services.merchant.settlement", "creditstreet.services.complaints.store",
                                    "creditstreet.services.merchant", "creditstreet.web.merchant"])
def test_a_module_imported_first_in_a_fresh_process_loads(module):
    """A module whose import starts a cycle must not use a half-loaded module at import time
    (merchant.settlement → complaints → complaints.store → merchant.settlement.member_now)."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                         cwd=str(PKG.parent))
    assert run.returncode == 0, run.stderr[-2000:]
