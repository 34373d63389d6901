"""The one generation engine every task shares.

A worker thread owns the model's decoding. Requests wait in a bounded queue, join the
active set between steps and leave as soon as they finish or are cancelled, so a short
request never waits for a long one to end (continuous batching). Every step is one batched
forward for all running requests over a shared left-padded KV cache (see ``batch.py``);
models whose cache cannot be padded that way fall back to one forward per request.
Each request keeps its own sampling settings, random generator and stop sequences, so its
text never depends on its neighbours.
"""

from __future__ import annotations

import collections
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import torch

from ..errors import BusyError, InputError
from ..models.forward import model_ids
from ..models.loader import LoadedModel
from ..params import SamplingParams
from ..threads import Job
from .batch import KVBatch, can_batch
from .budget import fit_budget
from .requests import Completion, Request, TokenEvent
from .sampling import Draw, banned_ids, sample_rows
from .text import TextTracker

log = logging.getLogger(__name__)
T = TypeVar("T")
ALTERNATIVES = 5
# Prompt tokens prefilled per step before the running streams get their next token: a burst
# of arrivals joins over a few steps instead of stalling everyone at once.
PREFILL_TOKENS_PER_STEP = 512
MAX_RETRIES = 1


@dataclass
class _Active:
    """Decoding state of one request inside the worker."""

    request: Request
    tracker: TextTracker
    generator: torch.Generator | None
    seen: torch.Tensor  # prompt + generated ids, for the repetition penalty
    cache: object = None
    logits: torch.Tensor | None = None  # (vocab,) for the next position
    events: list[TokenEvent] = field(default_factory=list)
    first_token_at: float | None = None
    retries: int = 0  # times a failed step sent this request back to be prefilled again


def eos_ids(loaded: LoadedModel) -> set[int]:
    """Token ids that end a generation for this model."""
    ids: set[int] = set()
    for source in (getattr(loaded.model, "generation_config", None), loaded.model.config,
                   loaded.tokenizer):
        value = getattr(source, "eos_token_id", None)
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(int(v) for v in value)
    return ids


def vocab_size(loaded: LoadedModel) -> int:
    """Width of the model's next-token logits."""
    config = loaded.model.config
    if hasattr(config, "get_text_config"):
        config = config.get_text_config()
    return int(config.vocab_size)


class Engine:
    """Schedules generation requests over one loaded model."""

    def __init__(self, loaded: LoadedModel, max_active: int = 16, max_queue: int = 64):
        self.loaded = loaded
        self.max_active = max_active
        self.max_queue = max_queue
        self._eos = eos_ids(loaded)
        # Control tokens (<pad>, <start_of_image>…) are never sampled; EOS stays, as the end.
        self._banned = banned_ids(loaded.tokenizer, vocab_size(loaded), keep=self._eos)
        # None: this model's cache cannot be padded into one batch; step requests one by one
        self._batch = KVBatch(loaded.model, loaded.device) if can_batch(loaded.model) else None
        self._rows: list[_Active] = []  # active requests in the order of the batch's rows
        self._pending: collections.deque[_Active] = collections.deque()
        self._active: list[_Active] = []
        self._jobs: collections.deque[Job] = collections.deque()
        self._wake = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="lmdemo-engine", daemon=True)
        self._worker.start()

    # ---- public API -------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` as the model sees it (with <bos> where the model uses one)."""
        return model_ids(self.loaded.tokenizer, text)

    def submit(self, prompt: str | list[int], params: SamplingParams) -> Request:
        """Queue a generation; raises BusyError when the queue is full."""
        ids = self.encode(prompt) if isinstance(prompt, str) else list(prompt)
        if not ids:
            raise InputError("The prompt is empty.")
        bos = getattr(self.loaded.tokenizer, "bos_token_id", None)
        budget = fit_budget(ids, params.max_new_tokens, self.loaded.context_window, bos)
        request = Request(budget.prompt_ids, params, budget.max_new_tokens, budget.notices)
        generator = None
        if not params.greedy:
            generator = torch.Generator().manual_seed(params.seed)
        state = _Active(
            request=request,
            tracker=TextTracker(self.loaded.tokenizer, params.stop),
            generator=generator,
            seen=torch.tensor(budget.prompt_ids, dtype=torch.long),
        )
        with self._wake:
            if self._closed:
                raise BusyError("The engine is shutting down; try again in a moment.")
            if len(self._pending) >= self.max_queue:
                raise BusyError(f"The server is busy ({len(self._pending)} requests waiting). "
                                "Try again in a few seconds.")
            self._pending.append(state)
            self._wake.notify()
        return request

    def generate(self, prompt: str | list[int], params: SamplingParams) -> Completion:
        """Run one request to the end."""
        return self.submit(prompt, params).result()

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
        """Numbers of waiting and running requests, and whether steps are batched (1/0)."""
        with self._wake:
            return {"waiting": len(self._pending), "running": len(self._active),
                    "batched": int(self._batch is not None)}

    def close(self) -> None:
        """Stop the worker; waiting requests are cancelled."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._worker.join(timeout=10)

    # ---- worker -----------------------------------------------------------------------
    def _run(self) -> None:
        torch.set_grad_enabled(False)
        while True:
            with self._wake:
                while (not self._closed and not self._pending and not self._active
                       and not self._jobs):
                    self._wake.wait()
                if self._closed:
                    break
                job = self._jobs.popleft() if self._jobs else None
                decoding = bool(self._pending or self._active)
                joining = self._admit() if decoding else []
            if job is not None:  # one job per step: jobs wait a step at most, streams one job
                job.run()
            if not decoding:
                continue
            try:
                if self._batch is not None:
                    self._batched_step(joining)
                else:
                    self._solo_step(joining)
            except Exception as exc:
                log.exception("generation step failed; its requests resume from their tokens")
                self._recover(exc)
        for state in list(self._pending) + self._active:
            self._end(state, "cancelled")
        with self._wake:
            leftover, self._jobs = list(self._jobs), collections.deque()
        for job in leftover:  # queued before close: still answered
            job.run()

    def _recover(self, exc: Exception) -> None:
        """After a failed step, re-queue its requests once; a second failure ends them.

        A request resumes from its prompt plus the tokens it already streamed (``seen``), so
        one bad step costs a re-prefill, not another user's text. Its generator has drawn
        exactly the tokens it accepted, so sampled text continues as it would have.
        """
        if self._batch is not None:
            self._batch = KVBatch(self.loaded.model, self.loaded.device)
            self._rows = []
        with self._wake:
            failed, self._active = self._active, []
            for state in reversed(failed):
                if state.retries >= MAX_RETRIES or state.request.cancelled:
                    self._end(state, "error", exc)
                    continue
                state.retries += 1
                state.cache = state.logits = None
                self._pending.appendleft(state)

    def _admit(self) -> list[_Active]:
        """Move waiting requests into the active set (caller holds the lock)."""
        joining: list[_Active] = []
        budget = PREFILL_TOKENS_PER_STEP
        while self._pending and len(self._active) < self.max_active:
            size = len(self._pending[0].seen)
            if joining and size > budget:
                break
            budget -= size
            state = self._pending.popleft()
            self._active.append(state)
            joining.append(state)
        return joining

    @torch.inference_mode()
    def _batched_step(self, joining: list[_Active]) -> None:
        """Prefill newcomers, give every active request one token, then one batched forward."""
        batch = self._batch
        assert batch is not None
        rows = list(self._rows)  # row i of the batch cache decodes for rows[i]
        newcomers = [state for state in joining if not state.request.cancelled]
        prompts = [state.seen.tolist() for state in newcomers]  # prompt + tokens so far
        for i, row_logits in batch.join(prompts):
            newcomers[i].logits = row_logits
            rows.append(newcomers[i])
        live = [i for i, state in enumerate(rows) if not state.request.cancelled]
        draws = dict(zip(live, self._draw([rows[i] for i in live]), strict=True))
        keep, tokens = [], []
        for index, state in enumerate(rows):
            reason = self._accept(state, draws[index]) if index in draws else "cancelled"
            if reason:
                self._end(state, reason)
            else:
                keep.append(index)
                tokens.append(state.tracker.ids[-1])
        for state in joining:  # cancelled before their prefill
            if state in self._active and state not in rows:
                self._end(state, "cancelled")
        batch.keep(keep)
        self._rows = [rows[i] for i in keep]
        if not keep:
            return
        logits = batch.decode(tokens)  # (rows, vocab)
        for state, row_logits in zip(self._rows, logits, strict=True):
            state.logits = row_logits

    def _solo_step(self, joining: list[_Active]) -> None:
        """Fallback for models we cannot batch: one forward per active request."""
        for state in list(self._active):
            try:
                if state.request.cancelled:
                    self._end(state, "cancelled")
                    continue
                if state.logits is None:
                    self._forward(state, state.seen.tolist())
                reason = self._accept(state, self._draw([state])[0])
                if reason:
                    self._end(state, reason)
                else:
                    self._forward(state, [state.tracker.ids[-1]])
            except Exception as exc:  # one bad request must not take the worker down
                log.exception("generation failed")
                self._end(state, "error", exc)

    @torch.inference_mode()
    def _forward(self, state: _Active, ids: list[int]) -> None:
        model = self.loaded.model
        inputs = torch.tensor([ids], dtype=torch.long, device=self.loaded.device)
        out = model(input_ids=inputs, cache=state.cache, use_cache=True)
        state.cache = out.cache
        state.logits = out.logits[0, -1].float().cpu()

    def _draw(self, states: list[_Active]) -> list[Draw]:
        """Sample the next token of each request, each under its own params and generator."""
        if not states:
            return []
        logits = torch.stack([state.logits for state in states])  # type: ignore[misc]
        return sample_rows(logits, [s.request.params for s in states], [s.seen for s in states],
                           [s.generator for s in states], ALTERNATIVES, self._banned)

    def _accept(self, state: _Active, draw: Draw) -> str:
        """Stream the drawn token and return a finish reason or ''."""
        request, token = state.request, draw.token
        state.seen = torch.cat([state.seen, torch.tensor([token])])
        if state.first_token_at is None:
            state.first_token_at = time.perf_counter()
        if token in self._eos:
            return "eos"
        delta = state.tracker.add(token)
        event = TokenEvent(token, delta, draw.probability, draw.alternatives)
        state.events.append(event)
        request._emit(event)
        if state.tracker.stopped:
            return "stop"
        if len(state.tracker.ids) >= request.max_new_tokens:
            return "length"
        return ""

    def _end(self, state: _Active, reason: str, error: BaseException | None = None) -> None:
        tail = state.tracker.finish() if reason in ("eos", "length") else ""
        if tail:
            event = TokenEvent(-1, tail, 1.0)
            state.request._emit(event)
        request = state.request
        now = time.perf_counter()
        completion = Completion(
            text=state.tracker.emitted,
            token_ids=list(state.tracker.ids),
            finish_reason=reason,
            prompt_tokens=len(request.prompt_ids),
            notice=request.notice,
            seconds=now - request.submitted,
            first_token_seconds=(state.first_token_at - request.submitted)
            if state.first_token_at
            else None,
            events=state.events,
        )
        state.cache = None
        if state in self._active:
            self._active.remove(state)
        request._finish(completion, error)

