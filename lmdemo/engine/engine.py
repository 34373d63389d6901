"""The one generation engine every task shares.

A worker thread owns the model's decoding. Requests wait in a bounded queue, join the
active set between steps and leave as soon as they finish or are cancelled, so a short
request never waits for a long one to end (continuous batching). Every step is one batched
forward for all running requests over a shared left-padded KV cache (see ``batch.py``);
models whose cache cannot be padded that way fall back to one forward per request.
Each request keeps its own sampling settings, random generator and stop sequences, so its
text never depends on its neighbours.

A step is plan, execute, update: the scheduler (scheduler.py) chooses who joins and who
pauses from plain state, the executor (steps.py) runs that on the model, and the engine
keeps the slots, the waiting room and the requests' ends in step with both.
"""

from __future__ import annotations

import collections
import functools
import itertools
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import torch

from ..errors import BusyError, InputError
from ..models.forward import model_ids
from ..models.loader import LoadedModel
from ..params import SamplingParams
from ..sessions import current_owner
from ..threads import Job
from .batch import why_not_batched
from .budget import fit_budget
from .fairness import WaitingRoom
from .requests import Completion, Request
from .scheduler import MAX_PER_SESSION, SchedulerState, StepPlan, schedule
from .steps import Active, Executor, completion
from .text import TextTracker

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RETRIES = 1


class Engine:
    """Schedules generation requests over one loaded model, fairly between sessions."""

    def __init__(self, loaded: LoadedModel, max_active: int = 16, max_queue: int = 64,
                 max_per_session: int = MAX_PER_SESSION, fused: bool = True):
        self.loaded = loaded
        self.max_active = max_active
        self.max_queue = max_queue
        self.max_per_session = max_per_session
        reason = why_not_batched(loaded.model)
        if reason:
            log.warning("Decoding one request at a time (one forward each per step): %s",
                        reason)
        self._executor = Executor(loaded, not reason, end=self._end, pause=self._pause,
                                  fused=fused)
        self._waiting = WaitingRoom()
        self._active: list[Active] = []  # everything holding a slot (rows and filling)
        self._jobs: collections.deque[Job] = collections.deque()
        # Re-entrant: ``_end`` takes it to free the slot, and ``_pause`` and ``_recover``
        # call ``_end`` while they hold it. The Condition wakes the worker on the same lock.
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._steps = 0
        self._anonymous = itertools.count()
        self._worker = threading.Thread(target=self._run, name="lmdemo-engine", daemon=True)
        self._worker.start()

    # ---- public API -------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` as the model sees it (with <bos> where the model uses one)."""
        return model_ids(self.loaded.tokenizer, text)

    def submit(self, prompt: str | list[int], params: SamplingParams,
               owner: str | None = None, exact_odds: bool = False) -> Request:
        """Queue a generation for ``owner`` (default: the session the caller acts for, see
        lmdemo.sessions; without one, the request is its own owner); raises BusyError when
        the queue is full. ``exact_odds``: its probabilities are shown, so each step's whole
        row of logits is exact (see engine/head.py)."""
        ids = self.encode(prompt) if isinstance(prompt, str) else list(prompt)
        if not ids:
            raise InputError(key="err_prompt_empty")
        bos = getattr(self.loaded.tokenizer, "bos_token_id", None)
        budget = fit_budget(ids, params.max_new_tokens, self.loaded.context_window, bos)
        owner = owner or current_owner() or f"anonymous-{next(self._anonymous)}"
        generator = None
        if not params.greedy:
            generator = torch.Generator().manual_seed(params.seed)
        request = Request(budget.prompt_ids, params, budget.max_new_tokens, budget.notices,
                          exact_odds)
        state = Active(
            request=request,
            tracker=TextTracker(self.loaded.tokenizer, params.stop),
            generator=generator,
            seen=torch.tensor(budget.prompt_ids, dtype=torch.long),
            owner=owner,
        )
        with self._wake:
            if self._closed:
                raise BusyError(key="err_engine_closing")
            if self._waiting.fresh >= self.max_queue:
                raise BusyError(key="err_engine_busy", waiting=self._waiting.fresh)
            request.on_cancel = functools.partial(self._withdraw, state)
            self._waiting.add(state)
            self._wake.notify()
        if request.cancelled:  # its event was cancelled while it was being made
            self._withdraw(state)
        return request

    def generate(self, prompt: str | list[int], params: SamplingParams,
                 owner: str | None = None) -> Completion:
        """Run one request to the end."""
        return self.submit(prompt, params, owner).result()

    def call(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Run ``fn(*args, **kwargs)`` on the worker between two decoding steps; return its
        value or raise its error. Keeps all torch work on one thread (see lmdemo.threads).
        A call made on the worker itself, or after ``close``, runs in place."""
        if threading.current_thread() is self._worker:
            return fn(*args, **kwargs)
        job = Job(functools.partial(fn, *args, **kwargs))
        with self._wake:
            if self._closed:
                return fn(*args, **kwargs)
            self._jobs.append(job)
            self._wake.notify()
        return job.wait()  # type: ignore[return-value]

    def stats(self) -> dict[str, int]:
        """Waiting (never started), paused and running requests, and whether steps are
        batched (1/0)."""
        with self._lock:
            fresh = self._waiting.fresh
            return {"waiting": fresh, "paused": len(self._waiting) - fresh,
                    "running": len(self._active),
                    "batched": int(self._executor.batch is not None)}

    def running_by_session(self) -> dict[str, int]:
        """How many requests each session has holding a slot now."""
        with self._lock:
            return dict(collections.Counter(state.owner for state in self._active))

    def close(self) -> None:
        """Stop the worker; waiting requests are cancelled."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._worker.join(timeout=10)

    def _withdraw(self, state: Active) -> None:
        """A waiting request was cancelled: it leaves the queue now, not at its turn."""
        with self._lock:
            if not self._waiting.remove(state):
                return  # running: the worker drops it within one step
            state.cache = state.logits = None
        self._end(state, "cancelled")

    # ---- worker: plan, execute, update ----------------------------------------------
    def _run(self) -> None:
        torch.set_grad_enabled(False)
        while True:
            with self._wake:
                while (not self._closed and not self._waiting and not self._active
                       and not self._jobs):
                    self._wake.wait()
                if self._closed:
                    break
                job = self._jobs.popleft() if self._jobs else None
                decoding = bool(self._waiting or self._active)
                plan = self._plan() if decoding else None
            if job is not None:  # one job per step: jobs wait a step at most, streams one job
                job.run()
            if plan is None:
                continue
            self._steps += 1
            try:
                self._executor.step(plan, self._active)
            except Exception as exc:
                log.exception("generation step failed; its requests resume from their tokens")
                self._recover(exc)
        with self._lock:
            left = self._waiting.drain() + self._active
        for state in left:
            self._end(state, "cancelled")
        with self._lock:
            leftover, self._jobs = list(self._jobs), collections.deque()
        for job in leftover:  # queued before close: still answered
            job.run()

    def _recover(self, exc: Exception) -> None:
        """After a failed step, re-queue its requests once; a second failure ends them.

        A request resumes from its prompt plus the tokens it already streamed (``seen``), so
        one bad step costs a re-prefill, not another user's text. Its generator has drawn
        exactly the tokens it accepted, so sampled text continues as it would have.
        """
        self._executor.reset()
        with self._lock:
            failed, self._active = self._active, []
            for state in reversed(failed):
                state.cache, state.cached, state.logits = None, 0, None
                if state.retries >= MAX_RETRIES or state.request.cancelled:
                    self._end(state, "error", exc)
                    continue
                state.retries += 1
                self._waiting.add(state, front=True)

    def _plan(self) -> StepPlan:
        """Ask the scheduler for this step's plan and give the slots to match (caller holds
        the lock)."""
        executor = self._executor
        plan = schedule(SchedulerState(
            self._waiting, self._active, executor.decoding(self._active), self._steps,
            self.max_active, self.max_per_session, executor.batch is not None,
            executor.prefill_rate, executor.decode_seconds))
        for state in plan.joining:
            self._waiting.pop(state)
            state.since = self._steps
        self._active = [state for state in self._active + plan.joining
                        if state not in plan.pausing]
        return plan

    def _pause(self, states: list[Active]) -> None:
        """Send paused requests (cache and next-token logits kept) back to the front of
        their session's line."""
        with self._lock:
            for state in states:
                state.since = self._steps
                if state.request.cancelled:
                    state.cache = state.logits = None
                    self._end(state, "cancelled")
                else:
                    self._waiting.add(state, front=True)

    def _end(self, state: Active, reason: str, error: BaseException | None = None) -> None:
        """Free the request's slot, then hand it its Completion."""
        done = completion(state, reason)
        with self._lock:  # re-entrant: _pause and _recover call this holding it
            if state in self._active:
                self._active.remove(state)
        state.request.finish(done, error)
