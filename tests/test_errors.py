"""Errors are raised by key: their words live in the string files, not in Python (issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

import lmdemo

PACKAGE = Path(lmdemo.__file__).parent
# the classes whose first argument names a field or a feature; their message comes second
NAMED_FIRST = {"ParamError", "UnavailableError"}


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path))
            for path in sorted(PACKAGE.rglob("*.py"))}


def _error_classes(modules: dict[Path, ast.Module]) -> set[str]:
    """LMDemoError and every class that derives from it, wherever lmdemo defines one."""
    names, grew = {"LMDemoError"}, True
    classes = [node for tree in modules.values() for node in ast.walk(tree)
               if isinstance(node, ast.ClassDef)]
    while grew:
        grew = False
        for node in classes:
            bases = {getattr(base, "id", getattr(base, "attr", None)) for base in node.bases}
            if node.name not in names and bases & names:
                names.add(node.name)
                grew = True
    return names


def _worded(modules: dict[Path, ast.Module]) -> list[str]:
    """Every construction of an lmdemo error that passes a message of its own."""
    errors = _error_classes(modules)
    found = []
    for path, tree in modules.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in errors:
                continue
            at = 1 if name in NAMED_FIRST else 0
            message = [node.args[at]] if len(node.args) > at else []
            message += [k.value for k in node.keywords if k.arg == "message"]
            if message:
                where = path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE) else path
                found.append(f"{where}:{node.lineno} {name}")
    return found


def test_the_scan_finds_the_error_classes():
    classes = _error_classes(_modules())
    assert {"InputError", "ParamError", "ModelLoadingError", "GenerationFailed"} <= classes


def test_no_module_words_an_error_in_python():
    """A message passed to an lmdemo error is a second English copy that no visitor gets
    in their own language: raise with a key and fields, and put the words in en.json and
    zh-CN.json."""
    assert _worded(_modules()) == []


def test_the_scan_catches_literals_f_strings_and_variables(tmp_path):
    source = ("class Odd(InputError): ...\n"
              "raise InputError('Type some text.')\n"
              "raise Odd(f'The {what} is empty.', key='err_empty')\n"
              "raise ParamError('top_k', message)\n"
              "err = BackendError(message=text)\n"
              "raise InputError(key='err_empty', what='text', what_key='what_text')\n"
              "raise ParamError('top_k', key='err_not_whole', label='Top-k')\n")
    fake = tmp_path / "x.py"
    found = _worded({**_modules(), fake: ast.parse(source)})
    assert [line.split()[0] for line in found if line.startswith(str(fake))] == [
        f"{fake}:{n}" for n in (2, 3, 4, 5)]
