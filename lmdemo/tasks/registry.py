"""Every task lmdemo offers, found once: each module in ``lmdemo.tasks.catalog`` with a TASK.

The UI tabs, API endpoints, CLI subcommands, MCP tools and link parameters are generated from
this list, so adding a task is one new module there (plus its UI strings).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from ..errors import InputError
from . import catalog
from .contract import Task


@functools.cache
def _tasks() -> dict[str, Task]:
    found: list[Task] = []
    for info in pkgutil.iter_modules(catalog.__path__):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        task = getattr(module, "TASK", None)
        if isinstance(task, Task):
            found.append(task)
    found.sort(key=lambda task: (task.order, task.name))
    names = [task.name for task in found]
    if len(set(names)) != len(names):
        raise RuntimeError(f"Two task modules share a name: {names}")
    return {task.name: task for task in found}


def all_tasks() -> tuple[Task, ...]:
    """The tasks in tab order."""
    return tuple(_tasks().values())


def get_task(name: str) -> Task:
    """The task called ``name``, or an InputError that lists the tasks there are."""
    tasks = _tasks()
    if name not in tasks:
        raise InputError(key="err_unknown_task", name=repr(name), names=", ".join(tasks))
    return tasks[name]
