"""Tasks done by one causal LM through prompts: the contract, the registry and the service."""

from .catalog.translate import LANGUAGES
from .contract import Field, Prepared, Task, TaskRun
from .registry import PROMPT_TASK, all_tasks, get_task, prompt_tasks


def __getattr__(name: str):
    # TaskService pulls in the runtime (torch, transformers); listing tasks must not.
    if name == "TaskService":
        from .service import TaskService

        return TaskService
    raise AttributeError(name)


__all__ = ["LANGUAGES", "PROMPT_TASK", "Field", "Prepared", "Task", "TaskRun", "TaskService",
           "all_tasks", "get_task", "prompt_tasks"]
