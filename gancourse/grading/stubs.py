"""The copy of the course package that graded kernels import: no reference implementation in it.

:func:`build_grading_copy` copies ``gancourse`` (without bytecode caches) and rewrites
the definition of every reference the exercises name (``Exercise.reference_api``, what
``python -m gancourse exercises list`` prints): a function's body becomes
``raise RuntimeError("<name> is not available while grading")``, and so does the body of
every method of a class. The copy is compiled once, and the kernel finds it first on its
``sys.path``. The real code is then never loaded in the kernel's process, so no route
reaches it: not an alias (``from gancourse.theory import ...``), a registry, ``getattr``,
``importlib.import_module``, ``__import__``, ``sys.modules``, ``importlib.reload`` nor a
scan of the garbage collector. Inside bubblewrap the copy is the only one the kernel can
read; without it, the original files stay readable on disk (see :mod:`.sandbox`).

The expected values are computed in the grader's process, with the real package.
"""

from __future__ import annotations

import ast
import compileall
import importlib
import inspect
import os
import shutil
from pathlib import Path

import gancourse
from gancourse.exercises.spec import Exercise

BLOCKED = "is not available while grading"


class StubError(RuntimeError):
    """A reference that could not be removed from the grading copy (a bug in the registry)."""


def blocked_message(name: str) -> str:
    """What a removed reference raises, e.g. "gancourse.theory.slerp is not available while
    grading"."""
    return f"{name} {BLOCKED}"


def reference_names(catalogue: tuple[Exercise, ...]) -> list[str]:
    """Every reference of the course's exercises, dotted (``gancourse.theory.js_divergence``)."""
    return sorted({name for ex in catalogue for name in ex.reference_api})


def _resolve(dotted: str):
    """The object ``dotted`` names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise StubError(f"{dotted}: no such module")


def definition(dotted: str, package: Path) -> tuple[Path, str]:
    """Where the reference ``dotted`` is defined: its file relative to ``package``, and its
    qualified name in that file (``Generator``, ``Adam.step``)."""
    try:
        obj = inspect.unwrap(_resolve(dotted))
        source = inspect.getsourcefile(obj)
    except (AttributeError, TypeError, StubError) as exc:
        raise StubError(f"{dotted}: cannot find its definition ({exc})") from None
    path = Path(source or "").resolve()
    if package.resolve() not in path.parents:
        raise StubError(f"{dotted} is defined outside the course package ({path})")
    return path.relative_to(package.resolve()), obj.__qualname__


def _empty(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, message: str) -> None:
    """A function's body, or the body of every method of a class (nested ones too), raises."""
    if isinstance(node, ast.ClassDef):
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                _empty(item, message)
    else:
        node.body = ast.parse(f"raise RuntimeError({message!r})").body


def _stub(body: list[ast.stmt], qualname: str, message: str) -> bool:
    """Empty the definition ``qualname`` (``f``, ``Cls`` or ``Cls.method``) found in ``body``;
    False when there is none."""
    head, _, rest = qualname.partition(".")
    found = False
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == head:  # (every definition of the name: redefinitions too)
                if rest:
                    found = _stub(node.body, rest, message) or found
                else:
                    _empty(node, message)
                    found = True
    return found


def _readable(root: Path) -> None:
    """Let any user read the copy (the kernel may run as ``nobody``)."""
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for f in files:
            os.chmod(os.path.join(folder, f), 0o644)


def build_grading_copy(dest: Path, catalogue: tuple[Exercise, ...]) -> Path:
    """Write ``dest/gancourse`` without the references of ``catalogue``; returns ``dest`` (the
    folder to put first on the kernel's ``sys.path``). Raises :class:`StubError`."""
    package = Path(gancourse.__file__).resolve().parent
    target = Path(dest) / "gancourse"
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    by_file: dict[Path, list[tuple[str, str]]] = {}
    for name in reference_names(catalogue):
        rel, qualname = definition(name, package)
        by_file.setdefault(rel, []).append((qualname, name))
    for rel, items in by_file.items():
        tree = ast.parse((package / rel).read_text(encoding="utf-8"))
        for qualname, name in items:
            if not _stub(tree.body, qualname, blocked_message(name)):
                raise StubError(f"{name}: no `def` or `class` {qualname} in {rel}")
        (target / rel).write_text(ast.unparse(tree) + "\n", encoding="utf-8")
    if not compileall.compile_dir(target, quiet=2, workers=1):
        raise StubError("the grading copy of the package does not compile")
    _readable(Path(dest))
    return Path(dest)
