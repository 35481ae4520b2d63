"""Dependencies point one way: the service uses the library's public modules, the library never
uses the service or the simulator (issue 12)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found.extend((str(path.relative_to(ROOT)), alias.name) for alias in node.names)
    return found


def test_the_service_imports_no_private_module_of_the_library():
    private = [(f, m) for f, m in _imports("api") if m.startswith("credit_scoring")
               and any(part.startswith("_") for part in m.split("."))]  # fmt: skip
    assert private == []


def test_the_library_never_imports_the_service():
    assert [(f, m) for f, m in _imports("credit_scoring") if m.split(".")[0] == "api"] == []


def test_only_the_demo_and_the_simulator_import_the_simulator():
    allowed = ("credit_scoring/synth/", "credit_scoring/demo.py", "credit_scoring/cli/")
    users = {f for f, m in _imports("credit_scoring") if m.startswith("credit_scoring.synth")}
    assert {f for f in users if not f.startswith(allowed)} == set()


def test_no_two_library_modules_import_each_other_even_indirectly():
    paths = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for p in (ROOT / "credit_scoring").rglob("*.py")
    }
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("credit_"):
                for alias in node.names:  # `from package import module` imports the module
                    sub = f"{node.module}.{alias.name}"
                    graph[name].add(sub if sub in paths else str(node.module))
        graph[name].discard(name)
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycles.append([*trail[trail.index(module) :], module])
            return
        for target in graph.get(module, ()):
            if not graph.get(target) or target in done:
                continue
            visit(target, [*trail, module])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [])
    assert cycles == []
