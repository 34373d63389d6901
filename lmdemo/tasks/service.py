"""Run any registered task by name on one runtime: the entry point of the UI, CLI and eval."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import InputError
from ..params import SamplingParams, make_params
from ..runtime import Runtime
from .catalog.sentiment import SentimentResult
from .contract import Task
from .registry import get_task


def named_inputs(task: Task, raw: tuple[object, ...], named: Mapping[str, object]
                 ) -> dict[str, object]:
    """Inputs by field name, from positional values (in API order) and named ones."""
    order = (*task.inputs, *task.flags)
    if len(raw) > len(order):
        raise InputError(key="err_task_arity", task=task.name, count=len(order),
                         names=", ".join(f.name for f in order), given=len(raw))
    return {**{f.name: value for f, value in zip(order, raw, strict=False)}, **named}


class TaskService:
    """Runs every task on one runtime (its backend, tokenizer and budgets)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    @property
    def config(self):
        """The app's settings."""
        return self.runtime.config

    def preview(self, name: str, *raw: object, max_new_tokens: int, template: str | None = None,
                **named: object) -> tuple[str, str]:
        """The exact prompt a task would send, and any notice about cutting it."""
        task = get_task(name)
        prepared = task.preprocess(self.runtime, named_inputs(task, raw, named),
                                   max_new_tokens, template)
        return prepared.prompt, prepared.notice

    def run(self, name: str | Task, *raw: object, params: SamplingParams | None = None,
            template: str | None = None, **named: object):
        """Start a task, by name or as an object (an evaluation may run a copy with other
        settings); iterate ``.stream()`` or call ``.answer()`` on what comes back."""
        task = get_task(name) if isinstance(name, str) else name
        params = params or make_params(**task.defaults)
        return task.run(self.runtime, named_inputs(task, raw, named), params, template)

    def sentiment(self, text: object, template: str | None = None, calibrate: bool = True
                  ) -> SentimentResult:
        """Label-word sentiment of ``text`` with both distributions (for evaluation)."""
        return self.run("sentiment", text, calibrate, template=template).result

    def close(self) -> None:
        """Stop the runtime's backend."""
        self.runtime.close()
