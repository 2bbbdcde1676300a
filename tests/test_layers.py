"""The layers of docs/architecture.md hold in the code: no import cycle among mbt_advisor's modules and the
command line's (module-level and in-function imports alike; a lazy import that breaks a cycle still is one),
and import-linter's contracts (pyproject.toml) pass, and fail on an import added against them."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# cli/ is installed as mbt_advisor.cli (pyproject.toml, package-dir)
PACKAGES = {"mbt_advisor": ROOT / "mbt_advisor", "mbt_advisor.cli": ROOT / "cli"}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if "migrations" in parts:  # alembic's scripts, run by alembic, not imported
                continue
            found[".".join([package, *parts])] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of ours that ``name`` imports, anywhere in its code except under ``if TYPE_CHECKING:``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            for alias in node.names:  # `from package import module`
                found.add(f"{module}.{alias.name}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    edges = set()
    for target in found:
        # the module itself, never the packages it passes through (their __init__ holds only a docstring)
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name and target != "mbt_advisor":
            edges.add(target)
    return edges


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_import_graph_of_mbt_advisor_and_the_command_line_has_no_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 60 and sum(map(len, graph.values())) > 150  # the graph was read at all
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_made_by_an_in_function_import() -> None:
    graph = import_graph()
    graph["mbt_advisor.common.errors"] = graph["mbt_advisor.common.errors"] | {"mbt_advisor.assessment.advisor"}
    assert any("mbt_advisor.common.errors" in cycle for cycle in cycles(graph))


def test_no_folder_holds_more_than_a_dozen_modules() -> None:
    for folder in [*PACKAGES.values(), *(p.parent for p in (ROOT / "mbt_advisor").rglob("__init__.py"))]:
        if "migrations" in folder.parts:
            continue
        modules = [p for p in folder.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
        assert len(modules) <= 13, f"{folder.relative_to(ROOT)} holds {len(modules)} modules"


def test_every_subpackage_says_what_it_is_for_and_what_it_may_import() -> None:
    for init in (ROOT / "mbt_advisor").rglob("__init__.py"):
        if "migrations" in init.parts:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, f"{init.relative_to(ROOT)} does not say what it may import"


LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _checkout_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.json", "static", "templates", "*.yaml")
    for folder in ("mbt_advisor", "cli"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _lint_imports(copy: Path) -> subprocess.CompletedProcess[str]:
    # run from the copy, which import-linter puts first on the path: the copy is the code it reads
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=copy, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}
    )


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a lower layer reaching up, even from inside a function
        ("mbt_advisor/profile/values.py", "def _up():\n    from mbt_advisor.rendering import formats\n", "layers"),
        ("mbt_advisor/engine/tables.py", "from mbt_advisor.rulebase import knowledge_models\n", "layers"),
        # the library reaching up into the command line
        ("mbt_advisor/assessment/scoring.py", "import cli.io\n", "layers"),
        # the wizard's terminal side and the web
        ("cli/prompts.py", "def _web():\n    from mbt_advisor.web.storage import store\n", "knows nothing of the web"),
        # a route reaching the application that assembles it, a setting reaching the storage
        ("mbt_advisor/web/routes/pages.py", "def _app():\n    from mbt_advisor.web import app\n", "web's own layers"),
        ("mbt_advisor/web/settings/config.py", "from mbt_advisor.web.storage import db\n", "web's own layers"),
        # one question built on another
        ("mbt_advisor/questions/whatif.py", "from mbt_advisor.questions import comparison\n", "not over one another"),
    ],
)
def test_lint_imports_fails_on_an_import_added_against_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    copy = _checkout_copy(tmp_path)
    path = copy / module
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + line, encoding="utf-8")
    run = _lint_imports(copy)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout and broken in run.stdout.replace("\n", " "), run.stdout


def test_lint_imports_passes_on_the_code_as_it_is(tmp_path: Path) -> None:
    run = _lint_imports(_checkout_copy(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_the_architecture_map_names_only_files_that_exist() -> None:
    """docs/architecture.md: every path it names exists; a bare file name is looked up in the folder its
    section is about (the folder in the section's heading, or in a list item that starts with a folder), and
    each subpackage has its section."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named, missing, folder = 0, [], ROOT
    for line in text.splitlines():
        if line.startswith("## "):
            heading = re.findall(r"`([^`]+/)`", line)
            folder = ROOT / heading[0] if heading else ROOT
        for token in re.findall(r"`([^`\s]+)`", line):
            if re.search(r"[*{]|^https?:|^--|^/", token):  # patterns, addresses, options, URL paths
                continue
            if "/" in token:
                path = ROOT / token.rstrip("/")
                if token.endswith("/") and line.startswith(f"- `{token}`"):  # a list item about one folder
                    folder = path
            elif re.search(r"\.(py|json|yaml|md|j2)$", token):
                path = folder / token
            else:
                continue
            named += 1
            if not path.exists():
                missing.append(token)
    assert named > 40, "the map names files (the test reads them)"
    assert missing == [], missing
    headings = {m for m in re.findall(r"^## .*?`(mbt_advisor/\w+)/`", text, flags=re.M)}
    subpackages = {f"mbt_advisor/{p.parent.name}" for p in (ROOT / "mbt_advisor").glob("*/__init__.py")}
    assert subpackages - {"mbt_advisor/cli"} == headings
