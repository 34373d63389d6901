"""Tasks done by one causal LM through prompts: the contract, the registry and the service."""

from .catalog.translate import LANGUAGES
from .contract import Field, Prepared, Task, TaskRun
from .registry import all_tasks, get_task
from .service import TaskService

__all__ = ["LANGUAGES", "Field", "Prepared", "Task", "TaskRun", "TaskService", "all_tasks",
           "get_task"]
