"""The command line of the tasks: ``python -m lmdemo generate|summarize|...``, from the registry."""

from .commands import add_task_arguments, add_task_parsers, run_task, stream_text
from .progress import LoadProgress

__all__ = ["LoadProgress", "add_task_arguments", "add_task_parsers", "run_task", "stream_text"]
