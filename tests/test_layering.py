"""The layering of ``lib``: docs/layout.md lists the modules so that each imports only those above it."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def layout_order():
    """The ``lib`` modules in the order docs/layout.md lists them."""
    readme = (ROOT / "docs" / "layout.md").read_text()
    block = readme[readme.index("lib/            the machinery") : readme.index("notebooks/      run in this order")]
    return re.findall(r"^  (\w+)\.py ", block, flags=re.MULTILINE)


def lib_imports(path):
    """The ``lib`` modules that the module at ``path`` imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or node.module == "lib"):
            if node.module and node.level == 1:
                names.add(node.module.split(".")[0])
            else:
                names.update(alias.name for alias in node.names)
    return names


def test_the_layout_lists_every_module_of_lib_once():
    modules = sorted(path.stem for path in (ROOT / "lib").glob("*.py") if path.stem != "__init__")
    assert sorted(layout_order()) == modules


def test_every_module_imports_only_the_modules_listed_above_it():
    order = layout_order()
    module_names = set(order)
    for position, name in enumerate(order):
        upward = {
            imported
            for imported in lib_imports(ROOT / "lib" / f"{name}.py") & module_names
            if order.index(imported) >= position
        }
        assert not upward, f"lib/{name}.py imports {sorted(upward)}, listed below it in docs/layout.md"


@pytest.mark.parametrize("module", [name for name in layout_order() if not name.startswith("_")])
def test_importing_a_module_of_lib_first_prints_nothing(module):
    """TensorFlow's native start-up notices carry timestamps that would land in every notebook's outputs:
    whichever module a process imports first, Keras comes through ``lib.backend``, which silences them."""
    run = subprocess.run([sys.executable, "-c", f"from lib import {module}"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == "" and run.stderr == "", run.stderr[-2000:]
