"""Tasks done by one causal LM through prompts, and the service that runs them."""

from .base import TaskRun, TextTask
from .catalog import LANGUAGES, TASKS
from .service import TaskService

__all__ = ["LANGUAGES", "TASKS", "TaskRun", "TaskService", "TextTask"]
