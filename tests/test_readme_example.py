"""The README's promise, applied literally: its "Add a task" module and strings, written into a
copy of the project exactly as they stand there, leave the registry, CLI, MCP, link and UI
tests green (issue 19). A hand-kept list of tasks anywhere in those tests turns this red."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("lmdemo", "tests", "assets", "app.py", "README.md", "pyproject.toml")
# the suites that see every task: registry, CLI, MCP, links, and the built page
SUITES = ("tests/tasks/test_registry.py", "tests/cli/test_cli.py", "tests/ui/test_mcp.py",
          "tests/ui/test_links.py", "tests/ui/test_app.py")


def readme_steps() -> tuple[str, str, str, str]:
    """(module path, module source, English strings, Chinese strings) as the README shows."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Add a task", 1)[1]
    section = section.split("\n## ", 1)[0]
    module = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    en, zh = re.findall(r"```json\n(.*?)```", section, flags=re.S)[:2]
    path = module.splitlines()[0].removeprefix("# ").strip()
    return path, module, en.strip(), zh.strip()


def apply_readme(copy: Path) -> None:
    """Write the module where its first line says, and the strings where the README says:
    the English line into lmdemo/locales/en.json and the Chinese one into zh-CN.json, as a
    translator would paste them (at the top of the file's object)."""
    path, module, en, zh = readme_steps()
    (copy / path).write_text(module, encoding="utf-8")
    for language, line in (("en", en), ("zh-CN", zh)):
        strings = copy / "lmdemo" / "locales" / f"{language}.json"
        text = strings.read_text(encoding="utf-8")
        assert text.startswith("{\n"), f"{strings.name} is not one JSON object"
        strings.write_text("{\n" + line.rstrip(",") + ",\n" + text[2:], encoding="utf-8")


@pytest.mark.slow
def test_readme_example_applied_literally_keeps_the_suite_green(tmp_path):
    copy = tmp_path / "project"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    apply_readme(copy)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    probe = "from lmdemo.tasks import get_task; print(get_task('headline').name)"
    found = subprocess.run([sys.executable, "-c", probe], cwd=copy, env=env,
                           capture_output=True, text=True, timeout=300)
    assert found.stdout.strip() == "headline", found.stderr[-2000:]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow", "-p", "no:cacheprovider",
         *SUITES], cwd=copy, env=env, capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
