"""Two models side by side on one input: each one's tokens, its next-token odds, and a task's
answer from each, both written at the same time.

The models are two Runtimes (lmdemo/shelf.py holds one per offered model), each with its own
engine. Both answers are submitted before either is read, and ``Merged`` reads the two
streams on threads of their own, so both engines decode at once and the caller gets the
updates in the order they arrive. Both sides get the same settings, seed included, so each
writes what that model writes alone with them.
"""

from __future__ import annotations

import collections
import contextvars
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..errors import ConfigError, InputError
from ..params import SamplingParams
from ..sessions import Scope, acting_for, current_owner, current_scope
from ..tasks import PROMPT_TASK, Task, get_task, prompt_tasks
from .next_token import check_prompt, kept_tokens
from .tokens import tokenize

if TYPE_CHECKING:
    from ..runtime import Runtime
    from ..shelf import Shelf

PAIR = 2
TOP_N = 10
DEFAULT_TASK = PROMPT_TASK
# A model the shelf makes on first use loads in the background: the tiny test model in a
# second, SmolLM2 in ~20 s, a first conversion of the bundled model in minutes. A comparison
# waits this long for it, then says it is still loading.
LOAD_WAIT_S = 120.0


def model_list(models: str | Sequence[str] | None) -> list[str]:
    """``"a,b"`` or ``["a", "b"]`` as a list of names, blanks dropped."""
    if models is None:
        return []
    if isinstance(models, str):
        models = models.split(",")
    elif not isinstance(models, (list, tuple)) or not all(isinstance(m, str) for m in models):
        raise InputError(key="err_compare_models_text")
    return [name.strip() for name in models if name.strip()]


def pick_models(shelf: Shelf, models: str | Sequence[str] | None) -> tuple[str, str]:
    """The two offered names ``models`` asks for (none: the first two the app offers).

    Raises when the app offers one model (it says how to start it with two), when the
    shelf cannot hold two at once, or when the names are not two different offered ones.
    """
    if not shelf.several:
        raise InputError(key="err_compare_one_model")
    if shelf.max_models < PAIR:
        raise ConfigError(key="err_compare_max_models", count=shelf.max_models)
    names = model_list(models) or list(shelf.names[:PAIR])
    choices = ", ".join(shelf.names)
    if len(names) != PAIR:
        raise InputError(key="err_compare_two", count=len(names), choices=choices)
    first, second = (shelf.name_of(name) for name in names)
    if first == second:
        raise InputError(key="err_compare_same", name=first, choices=choices)
    return first, second


def wait_loaded(runtimes: Iterable[Runtime], timeout: float = LOAD_WAIT_S) -> None:
    """Wait for models still loading in the background (both load at once meanwhile); one
    still loading after ``timeout`` raises ModelLoadingError when it is used."""
    for runtime in runtimes:
        runtime.wait_ready(timeout)


def inspect_side(runtime: Runtime, prompt: str, params: SamplingParams) -> dict:
    """One model's view of ``prompt``: {"tokens": [{"token", "display", "id", ...}],
    "token_count", "next_tokens": [{"token", "display", "probability"}]}, the TOP_N likeliest
    next tokens that the settings keep (the next-token view's numbers)."""
    prompt = check_prompt(runtime, prompt)
    tokens = tokenize(runtime, prompt)
    top = kept_tokens(runtime, prompt, params.temperature, params.top_k, params.top_p, TOP_N)
    return {"tokens": tokens, "token_count": len(tokens), "next_tokens": top}


def comparable_tasks() -> tuple[str, ...]:
    """The tasks a comparison can run: those whose one required text is the prompt."""
    return prompt_tasks()


def comparable_task(name: object) -> Task:
    """The task ``name``, if the prompt alone can be its input."""
    names = comparable_tasks()
    if not isinstance(name, str) or name.strip() not in names:
        raise InputError(key="err_compare_task", name=str(name)[:40], choices=", ".join(names))
    return get_task(name.strip())


def start_runs(runtimes: Sequence[Runtime], task: Task, prompt: str,
               params: SamplingParams) -> list:
    """Start ``task`` on every runtime with ``prompt`` as its one text (other fields keep
    their defaults) and the same settings; each run's ``prompt`` is what its model gets."""
    field = task.required_texts[0]
    return [task.run(runtime, {field.name: prompt}, params) for runtime in runtimes]


def answers(runtimes: Sequence[Runtime], task: Task, prompt: str, params: SamplingParams
            ) -> Iterator[list[dict]]:
    """Run ``task`` on every runtime at once; yield each side's {"prompt", "notice",
    "output", "done"} after each update from either.

    Closing the iterator early stops both generations, as does the cancellation of the
    event it runs in (the Stop button).
    """
    scope = Scope()
    outer = current_scope()
    if outer is not None and not outer.add(scope):  # the event's cancel reaches both
        scope.cancel()  # that event was already cancelled: nothing should run
    try:
        with acting_for(current_owner(), scope):
            runs = start_runs(runtimes, task, prompt, params)
            merged = Merged([run.stream() for run in runs])  # threads copy this context
        sides = [{"prompt": run.prompt, "notice": run.notice, "output": "", "done": False}
                 for run in runs]
        yield [dict(side) for side in sides]
        for index, value in merged:
            sides[index]["output"] = value
            yield [dict(side) for side in sides]
        for side in sides:
            side["done"] = True
        yield sides
    finally:
        scope.cancel()  # finished requests ignore it; a stream closed early stops both


def compare(runtimes: Sequence[Runtime], names: Sequence[str], prompt: str,
            params: SamplingParams, task: str = DEFAULT_TASK) -> dict:
    """The whole comparison as plain data: {"prompt", "task", "models": [per model: "model",
    "tokens" [{"token", "display", "id"}], "token_count", "next_tokens" [{"token", "probability"}],
    "sent", the text the model got, "output"]}."""
    chosen = comparable_task(task)
    views = [inspect_side(runtime, prompt, params) for runtime in runtimes]
    final = collections.deque(answers(runtimes, chosen, prompt, params), maxlen=1)[0]
    models = []
    for name, view, side in zip(names, views, final, strict=True):
        models.append({
            "model": name,
            "tokens": [{"token": tok["token"], "display": tok["display"], "id": tok["id"]}
                       for tok in view["tokens"]],
            "token_count": view["token_count"],
            "next_tokens": [{"token": c["token"], "probability": c["probability"]}
                            for c in view["next_tokens"]],
            "sent": side["prompt"],
            "output": side["output"],
        })
    return {"prompt": prompt, "task": chosen.name, "models": models}


_END = object()


class Merged:
    """Several blocking iterators read at once, each on a thread of its own started now;
    iterate for ``(index, value)`` in the order the values arrive.

    Each thread runs in a copy of the caller's context (the visitor and event it acts for).
    The first error of any iterator is raised to the reader, after which the others' values
    are dropped; their threads end when their iterators do (cancel their work to hurry it).
    """

    def __init__(self, iterators: Sequence[Iterator[object]]):
        self._queue: queue.Queue[tuple[int, object, BaseException | None]] = queue.Queue()
        self._stop = threading.Event()
        self._count = len(iterators)
        self._read = False
        for index, iterator in enumerate(iterators):
            context = contextvars.copy_context()  # one per thread: a context runs in one
            threading.Thread(target=context.run, args=(self._pump, index, iterator),
                             name=f"lmdemo-merge-{index}", daemon=True).start()

    def _pump(self, index: int, iterator: Iterator[object]) -> None:
        error = None
        try:
            for value in iterator:
                if self._stop.is_set():
                    break
                self._queue.put((index, value, None))
        except Exception as exc:  # handed to the reader, who raises it
            error = exc
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            self._queue.put((index, _END, error))

    def __iter__(self) -> Iterator[tuple[int, object]]:
        if self._read:
            raise RuntimeError("These streams were already read.")
        self._read = True
        left = self._count
        try:
            while left:
                index, value, error = self._queue.get()
                if error is not None:
                    raise error
                if value is _END:
                    left -= 1
                    continue
                yield index, value
        finally:
            self._stop.set()
