"""Imports flow one way: functions/ knows nothing of the rest; stacks/, src/leda/ and events/
import nothing from functions/ (the offline runtime runs the functions as separate processes,
the way Lambda runs an artifact).

Read from the source with `ast`, so a file is judged without being imported. Every import
counts: at module level, inside functions, under `if TYPE_CHECKING:`, and
`importlib.import_module("...")` or `__import__("...")` with a literal name. Relative imports
stay inside their own package and are not checked.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stacks.project import PROJECT_ROOT

FUNCTIONS = PROJECT_ROOT / "functions"
# The folders that must not import the functions' code.
OUTSIDE = ("stacks", "src/leda", "events")
# What the Lambda Python runtime provides, so the requirements files leave it out.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore"})
# boto3's per-service type stubs (boto3-stubs): read by mypy only, never imported at run time.
TYPE_STUBS_PREFIX = "mypy_boto3_"


@dataclass(frozen=True)
class Import:
    file: Path
    line: int
    module: str  # absolute, as written
    type_only: bool  # under `if TYPE_CHECKING:`

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]

    def __str__(self) -> str:
        where = f"{self.file.relative_to(PROJECT_ROOT)}:{self.line}"
        return f"{where}: imports {self.module}" + (" (type checking)" if self.type_only else "")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _dynamic_import(node: ast.Call) -> str | None:
    """The literal module name of `importlib.import_module("x")` or `__import__("x")`."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _imports(file: Path, node: ast.AST, type_only: bool) -> Iterator[Import]:
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        for statement in node.body:
            yield from _imports(file, statement, True)
        for statement in node.orelse:
            yield from _imports(file, statement, type_only)
        return
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield Import(file, node.lineno, alias.name, type_only)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        yield Import(file, node.lineno, node.module, type_only)
    elif isinstance(node, ast.Call) and (module := _dynamic_import(node)) and module[0] != ".":
        yield Import(file, node.lineno, module, type_only)
    for child in ast.iter_child_nodes(node):
        yield from _imports(file, child, type_only)


def python_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*.py")
        if not any(part.startswith((".", "__pycache__")) for part in path.relative_to(folder).parts)
    )


def imports_under(folder: Path) -> list[Import]:
    found: list[Import] = []
    for file in python_files(folder):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        found.extend(_imports(file, tree, False))
    return found


def functions_top_level() -> frozenset[str]:
    """The modules and packages a function artifact can import from functions/ itself."""
    names = set()
    for entry in FUNCTIONS.iterdir():
        if entry.name.startswith((".", "__")):
            continue
        if entry.is_file() and entry.suffix == ".py":
            names.add(entry.stem)
        elif entry.is_dir() and python_files(entry):
            names.add(entry.name)
    return frozenset(names)


def _distribution(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> frozenset[str]:
    """The distributions functions/requirements*.txt install into the artifacts."""
    names = set()
    for path in sorted(FUNCTIONS.glob("requirements*.txt")):
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):  # `-r other.txt` is read as a file of its own
                names.add(_distribution(re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0]))
    return frozenset(names)


def requirement_modules() -> frozenset[str]:
    """The top-level import names the required distributions provide (they are installed here)."""
    wanted = requirements()
    provided, found = set(), set()
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in map(_distribution, distributions):
            if distribution in wanted:
                provided.add(module)
                found.add(distribution)
    assert found == wanted, f"not installed, so their import names are unknown: {wanted - found}"
    return frozenset(provided)


def test_the_functions_own_names_are_found():
    own = functions_top_level()
    assert {"leda_lambda", "leda_pipeline", "leda_reminders", "state_lambda"} <= own
    assert {"aws_lambda_powertools", "tzdata"} <= requirement_modules()


def test_the_functions_top_level_names_are_their_own():
    """Packages are named leda_*, modules *_lambda (the handlers): no generic name that could
    collide with the standard library, a dependency or a user's own package."""
    own = functions_top_level()
    generic = sorted(n for n in own if not n.startswith("leda_") and not n.endswith("_lambda"))
    assert not generic, f"generic top-level names under functions/: {generic}"
    taken = set(sys.stdlib_module_names) | set(importlib.metadata.packages_distributions())
    assert not own & taken, f"names under functions/ taken elsewhere: {sorted(own & taken)}"


@pytest.mark.parametrize("folder", OUTSIDE)
def test_nothing_outside_functions_imports_their_code(folder: str):
    own = functions_top_level()
    offending = [str(i) for i in imports_under(PROJECT_ROOT / folder) if i.top in own]
    assert not offending, (
        f"{folder}/ imports code under functions/ ({', '.join(sorted(own))}):\n"
        + "\n".join(offending)
    )


def test_functions_import_only_their_own_code_the_standard_library_and_their_requirements():
    own = functions_top_level()
    allowed = own | set(sys.stdlib_module_names) | requirement_modules() | RUNTIME_PROVIDED
    offending = [
        str(i)
        for i in imports_under(FUNCTIONS)
        if i.top not in allowed and not (i.type_only and i.top.startswith(TYPE_STUBS_PREFIX))
    ]
    assert not offending, (
        "functions/ may import its own packages, the standard library, what its requirements "
        f"files install and {', '.join(sorted(RUNTIME_PROVIDED))}; not:\n" + "\n".join(offending)
    )


def test_functions_never_import_the_cli_or_the_stacks():
    """Said apart, so the message is plain even if `leda` or `stacks` were ever installed."""
    offending = [str(i) for i in imports_under(FUNCTIONS) if i.top in ("leda", "stacks", "tests")]
    assert not offending, "\n".join(offending)
