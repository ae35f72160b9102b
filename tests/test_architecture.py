"""The house rules of docs/architecture.md, checked on the package's source."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "layton_eval"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
#: Modules of the command layer: nothing below it may import them.
COMMAND_LAYER = ("layton_eval.cli", "layton_eval.commands", "layton_eval.cards")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING") or (
        isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """The layton_eval modules ``path`` imports at run time (``TYPE_CHECKING`` blocks aside)."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for inner in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                names.add(candidate if candidate in MODULES else base)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name in MODULES}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _function_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function, its docstring aside."""
    lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        lines -= first.end_lineno - first.lineno + 1  # type: ignore[operator]
    return lines


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_short(name: str):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_functions_fit_on_a_screen(name: str):
    source = MODULES[name].read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    long = [
        (node.name, _function_lines(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _function_lines(node) > MAX_FUNCTION_LINES
        and "# long:" not in lines[node.lineno - 2]  # a comment above the def says why
    ]
    assert not long, f"{name}: {long}"


def test_no_import_circle():
    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in GRAPH[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    circles = sorted(
        (a, b)
        for a, b in itertools.combinations(sorted(GRAPH), 2)
        if not a.startswith(b)
        and not b.startswith(a)  # a package and its own modules aside
        and b in reach(a)
        and a in reach(b)
    )
    assert not circles, circles


def test_domain_never_imports_the_command_layer():
    offenders = {
        name: sorted(i for i in imports if i.startswith(COMMAND_LAYER))
        for name, imports in GRAPH.items()
        if not name.startswith(COMMAND_LAYER)
    }
    assert not {k: v for k, v in offenders.items() if v}


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_providers_import_batchling():
    users = sorted(n for n, p in MODULES.items() if "batchling" in _top_level_imports(p))
    assert users and all(name.startswith("layton_eval.providers.") for name in users), users


def test_run_folder_names_are_spelled_only_in_the_layout():
    names = ("run.json", "requests.jsonl", "outputs.jsonl", "predictions.jsonl", "jury.jsonl",
             "score.json")  # fmt: skip
    spelled = {
        name: [n for n in names if f'"{n}"' in path.read_text()]
        for name, path in MODULES.items()
        if name != "layton_eval.runs.layout"
    }
    assert not {k: v for k, v in spelled.items() if v}


def test_only_runs_writes_inside_a_run_folder():
    writers = ("atomic_write_bytes", "atomic_write_jsonl", "write_run")
    users = {
        name: [w for w in writers if w in path.read_text()]
        for name, path in MODULES.items()
        if not name.startswith("layton_eval.runs")
    }
    # a report is written outside the runs folder, through the same atomic writer; a judge's
    # child run is created by the jury
    allowed = {
        "layton_eval.commands.report": ["atomic_write_bytes"],
        "layton_eval.exchange.export": ["atomic_write_bytes"],  # the exported requests, anywhere
        "layton_eval.exchange.table": ["atomic_write_bytes"],  # the exported results, anywhere
        "layton_eval.annotate.labels": ["atomic_write_bytes"],  # the labels file, anywhere
        "layton_eval.jury.send": ["write_run"],
    }
    assert {k: v for k, v in users.items() if v} == allowed


def test_next_commands_are_decided_in_one_place():
    spelled = sorted(
        name
        for name, path in MODULES.items()
        if name not in ("layton_eval.next_step", "layton_eval.cli")
        and "next_command=f" in path.read_text().replace(" ", "")
    )
    assert not spelled


#: Floors of docs/architecture.md, lowest first; the steps of floor 4 in flow order.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("errors", "choices", "console", "jsonl", "stats"),
    ("settings", "envvars", "hub", "dataset", "prompts", "neutral", "answers", "interchange",
     "pricing", "estimates", "providers"),  # the registry, providers/__init__
    ("runs", "next_step"),
    ("providers.",),  # the provider modules
    ("prepare", "batches", "exchange", "jury", "family", "score"),
    ("report", "annotate"),
    ("cli", "commands", "cards"),
)  # fmt: skip


def _place(module: str) -> tuple[int, int]:
    """(floor, position within the floor) of a module of the package."""
    rest = module.removeprefix("layton_eval.")
    best: tuple[int, int, int] | None = None
    for floor, prefixes in enumerate(FLOORS):
        for position, prefix in enumerate(prefixes):
            if rest == prefix.rstrip(".") and prefix.endswith("."):
                continue
            inside = rest.startswith(prefix if prefix.endswith(".") else prefix + ".")
            if (rest == prefix or inside) and (best is None or len(prefix) > best[2]):
                best = (floor, position, len(prefix))
    assert best is not None, f"{module} is on no floor of docs/architecture.md"
    return best[0], best[1]


def test_imports_go_down_the_floors():
    wrong = []
    for module, imports in GRAPH.items():
        if module == "layton_eval":
            continue
        here = _place(module)
        for target in imports:
            if target == "layton_eval":
                continue
            there = _place(target)
            step_back = here[0] == there[0] == 4 and there[1] > here[1]
            if there[0] > here[0] or step_back:
                wrong.append(f"{module} -> {target}")
    assert not wrong, wrong


#: ``layton <command>``: a command a user is told to type.
_COMMAND = re.compile(
    r"\blayton (prepare|send|status|fetch|jury|score|leaderboard|compare|report|judges|"
    r"annotate|import|export|cancel)\b"
)
#: Calls and keywords whose strings are documentation or labels, not commands to type: the
#: examples of ``--help``, help texts and field descriptions, and card and page titles (which
#: name the command that drew them).
_DOCUMENTATION_CALLS = {"examples", "examples_block"}
_DOCUMENTATION_KEYWORDS = {"help", "title", "description"}


def _documentation(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside docstrings, ``@examples``, help texts and card titles."""
    inside: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                inside.append(first)  # a docstring
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in _DOCUMENTATION_CALLS:
                inside += node.args
            inside += [k.value for k in node.keywords if k.arg in _DOCUMENTATION_KEYWORDS]
        if isinstance(node, ast.Assign) and any(
            getattr(target, "id", None) in _DOCUMENTATION_KEYWORDS for target in node.targets
        ):
            inside.append(node.value)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args.kwonlyargs
            inside += [
                default
                for arg, default in zip(args, node.args.kw_defaults, strict=True)
                if default is not None and arg.arg in _DOCUMENTATION_KEYWORDS
            ]
    return {id(inner) for node in inside for inner in ast.walk(node)}


def _command_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    skipped = _documentation(tree)
    return [
        f"{path.name}:{node.lineno}: {node.value.strip()[:60]}"
        for node in ast.walk(tree)
        if id(node) not in skipped
        and isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _COMMAND.search(node.value)
    ]


def test_commands_to_type_are_spelled_only_in_next_step():
    """Every ``layton ...`` a user is told to type, in a hint or in an error, is built by
    next_step (``@examples``, help texts, docstrings and card titles aside)."""
    spelled = {
        name: found
        for name, path in MODULES.items()
        if not name.startswith("layton_eval.next_step") and (found := _command_literals(path))
    }
    assert not spelled, spelled


def test_the_command_literal_check_can_fail(tmp_path: Path):
    path = tmp_path / "module.py"
    path.write_text(
        '"""Docs may say layton send RUN."""\n'
        "def f(run):\n"
        '    """So may layton fetch."""\n'
        "    raise ValueError(f\"run {run} was not fetched: 'layton fetch {run}' first\")\n"
    )
    assert [line.split(":")[1] for line in _command_literals(path)] == ["4"]


def _every_import(path: Path) -> set[str]:
    """The layton_eval modules ``path`` imports anywhere: at the top, inside functions and
    under ``TYPE_CHECKING``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name in MODULES}


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles of ``graph`` (module -> the modules it imports): each group of two modules
    or more that reach one another, sorted."""
    reach = {node: _reach(graph, node) for node in graph}
    groups = {
        frozenset({node} | {other for other in reach[node] if node in reach[other]})
        for node in graph
        if node in reach[node]
    }
    return sorted(sorted(group) for group in groups)


def test_no_import_circle_at_all():
    """Not even through an import inside a function or under ``TYPE_CHECKING``: a module
    that needs another's names at any time sits above it."""
    graph = {name: _every_import(path) - {name} for name, path in MODULES.items()}
    assert not import_circles(graph)


def test_import_circles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert import_circles(graph) == [["a", "b", "c"], ["d", "e"]]
