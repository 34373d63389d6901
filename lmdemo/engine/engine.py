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
import itertools
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
from ..sessions import current_owner
from ..threads import Job
from .batch import KVBatch, why_not_batched
from .budget import fit_budget
from .fairness import WaitingRoom
from .head import RowNeed
from .requests import Completion, Request, TokenEvent
from .sampling import Draw, banned_ids, sample_rows
from .text import TextTracker

log = logging.getLogger(__name__)
T = TypeVar("T")
ALTERNATIVES = 5
# Prompt tokens prefilled per step before the running streams get their next token: a burst
# of arrivals joins over a few steps instead of stalling everyone at once.
PREFILL_TOKENS_PER_STEP = 512
# A prompt longer than this is prefilled in chunks of at most this size, one chunk per step
# between the running requests' steps, on its own cache; it joins the batch when all is in.
PREFILL_CHUNK_TOKENS = 256
# While streams decode, a chunk is sized to take about as long as their last decoding step
# (from the last chunk's speed), so they keep at least half their speed. A 19,500-character
# article is ~4,000 Gemma tokens, ~5 s of prefill on 2 cores: fixed 256-token chunks would
# add ~0.3 s to every token of every stream; a 64-token chunk measured 5.7x a short request's
# time alone on a loaded machine. Both times scale with the machine's load, so the ratio holds.
MIN_CHUNK_TOKENS = 16  # below this a forward's fixed cost (reading every weight) dominates
MAX_RETRIES = 1
# Requests one session runs while others wait (LMDEMO_MAX_PER_SESSION); when nobody waits,
# a session may fill the free slots, and those over the cap are paused first.
MAX_PER_SESSION = 4
# Steps a request runs before it may be paused for a session with nothing running, and steps
# a paused request waits before it may pause another: time slices, not a pause every step.
MIN_SLICE_STEPS = 8
# A request is "old" once it has written this many tokens. While a young one runs or waits,
# old requests hold at most a quarter of the slots, so a newcomer's first tokens come from a
# smaller, faster step than sixteen long streams' rows (they resume, cache kept, when it is
# done). Half the slots measured 3.6 s for an 8-token request under sixteen streams on 2
# cores (scripts/bench_fairness.py), over the 3 s target.
OLD_TOKENS = 16
SHORT_TOKENS = 32  # a request with at most this many tokens to write counts as short work
OLD_SHARE = 4  # old requests keep max_active // OLD_SHARE slots while a young one is here


@dataclass(eq=False)
class _Active:
    """Decoding state of one request inside the worker."""

    request: Request
    tracker: TextTracker
    generator: torch.Generator | None
    seen: torch.Tensor  # prompt + generated ids, for the repetition penalty
    owner: str = ""  # the session it runs for: the unit of fairness
    cache: object = None  # own cache: solo decoding, a paused row, or a prompt being chunked
    cached: int = 0  # tokens of ``seen`` inside ``cache`` (chunked prefill, paused rows)
    logits: torch.Tensor | None = None  # (vocab,) for the next position
    events: list[TokenEvent] = field(default_factory=list)
    first_token_at: float | None = None
    retries: int = 0  # times a failed step sent this request back to be prefilled again
    since: int = 0  # engine step when it last joined (running) or was paused (waiting)

    @property
    def paused(self) -> bool:
        """True when it ran before and waits with its cache and next-token logits."""
        return self.logits is not None


def _need(state: _Active) -> RowNeed:
    """What the row's sampler reads from the logits (engine/head.py)."""
    params = state.request.params
    return RowNeed(params.temperature, params.top_k, state.seen, params.repetition_penalty,
                   state.request.exact_odds)


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
    """Schedules generation requests over one loaded model, fairly between sessions."""

    def __init__(self, loaded: LoadedModel, max_active: int = 16, max_queue: int = 64,
                 max_per_session: int = MAX_PER_SESSION):
        self.loaded = loaded
        self.max_active = max_active
        self.max_queue = max_queue
        self.max_per_session = max_per_session
        self._eos = eos_ids(loaded)
        # Control tokens (<pad>, <start_of_image>…) are never sampled; EOS stays, as the end.
        self._banned = banned_ids(loaded.tokenizer, vocab_size(loaded), keep=self._eos)
        reason = why_not_batched(loaded.model)
        if reason:
            log.warning("Decoding one request at a time (one forward each per step): %s",
                        reason)
        self._batch = None if reason else KVBatch(loaded.model, loaded.device)
        self._rows: list[_Active] = []  # requests in the order of the batch's rows
        self._filling: list[_Active] = []  # long prompts being prefilled chunk by chunk
        self._waiting = WaitingRoom()
        self._active: list[_Active] = []  # everything holding a slot (rows and filling)
        self._jobs: collections.deque[Job] = collections.deque()
        self._wake = threading.Condition()
        self._closed = False
        self._steps = 0
        self._prefill_rate = 0.0  # prompt tokens per second in the last chunk (0: not known)
        self._decode_seconds = 0.0  # the last batched decoding step
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
            raise InputError("The prompt is empty.")
        bos = getattr(self.loaded.tokenizer, "bos_token_id", None)
        budget = fit_budget(ids, params.max_new_tokens, self.loaded.context_window, bos)
        owner = owner or current_owner() or f"anonymous-{next(self._anonymous)}"
        generator = None
        if not params.greedy:
            generator = torch.Generator().manual_seed(params.seed)
        request = Request(budget.prompt_ids, params, budget.max_new_tokens, budget.notices,
                          exact_odds)
        state = _Active(
            request=request,
            tracker=TextTracker(self.loaded.tokenizer, params.stop),
            generator=generator,
            seen=torch.tensor(budget.prompt_ids, dtype=torch.long),
            owner=owner,
        )
        with self._wake:
            if self._closed:
                raise BusyError("The engine is shutting down; try again in a moment.")
            if self._waiting.fresh >= self.max_queue:
                raise BusyError(f"The server is busy ({self._waiting.fresh} requests waiting). "
                                "Try again in a few seconds.")
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
        with self._wake:
            fresh = self._waiting.fresh
            return {"waiting": fresh, "paused": len(self._waiting) - fresh,
                    "running": len(self._active), "batched": int(self._batch is not None)}

    def running_by_session(self) -> dict[str, int]:
        """How many requests each session has holding a slot now."""
        with self._wake:
            return dict(collections.Counter(state.owner for state in self._active))

    def close(self) -> None:
        """Stop the worker; waiting requests are cancelled."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._worker.join(timeout=10)

    def _withdraw(self, state: _Active) -> None:
        """A waiting request was cancelled: it leaves the queue now, not at its turn."""
        with self._wake:
            if not self._waiting.remove(state):
                return  # running: the worker drops it within one step
            state.cache = state.logits = None
        self._end(state, "cancelled")

    # ---- worker -----------------------------------------------------------------------
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
                joining, pausing = self._admit() if decoding else ([], [])
            if job is not None:  # one job per step: jobs wait a step at most, streams one job
                job.run()
            if not decoding:
                continue
            self._steps += 1
            try:
                if self._batch is not None:
                    self._batched_step(joining, pausing)
                else:
                    self._solo_step(pausing)
            except Exception as exc:
                log.exception("generation step failed; its requests resume from their tokens")
                self._recover(exc)
        with self._wake:
            left = self._waiting.drain() + self._active
        for state in left:
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
            self._rows, self._filling = [], []
        with self._wake:
            failed, self._active = self._active, []
            for state in reversed(failed):
                state.cache, state.cached, state.logits = None, 0, None
                if state.retries >= MAX_RETRIES or state.request.cancelled:
                    self._end(state, "error", exc)
                    continue
                state.retries += 1
                self._waiting.add(state, front=True)

    # ---- scheduling (caller holds the lock) -------------------------------------------
    def _admit(self) -> tuple[list[_Active], list[_Active]]:
        """Choose who joins this step and who is paused to make room for them.

        Free slots go round-robin over sessions: first to sessions under their cap, then,
        so no slot idles, to anyone. A session with nothing running that finds no free
        slot pauses the longest-running request of the session running the most.
        """
        running = collections.Counter(state.owner for state in self._active)
        joining: list[_Active] = []
        pausing = self._make_room_for_young(running)
        budget = PREFILL_TOKENS_PER_STEP
        for capped in (True, False):
            while len(self._active) < self.max_active:
                state = self._next_waiting(running, capped, budget, bool(joining))
                if state is None:
                    break
                budget -= self._prefill_cost(state)
                self._start(state, running, joining)
        for head in list(self._waiting.heads()):
            if len(self._active) < self.max_active:
                break  # a free slot it could not take for the prefill budget: next step
            if running[head.owner] or self._steps - head.since < MIN_SLICE_STEPS * head.paused:
                continue
            victim = self._victim(running, pausing)
            if victim is None:
                break
            pausing.append(victim)
            running[victim.owner] -= 1
            self._active.remove(victim)
            self._start(head, running, joining)
        return joining, pausing

    @staticmethod
    def _old(state: _Active) -> bool:
        """Old: it wrote OLD_TOKENS already, or it has written and still has more than
        SHORT_TOKENS to go (sixteen streams that began a moment before a newcomer are
        long-running work all the same)."""
        written = len(state.tracker.ids)
        left = state.request.max_new_tokens - written
        return written >= OLD_TOKENS or (written > 0 and left > SHORT_TOKENS)

    def _old_limit(self) -> int:
        """Slots old requests may hold: all, or a quarter while a young request runs or
        waits."""
        young = any(not self._old(state) for state in self._active) or any(
            not self._old(state) for state in self._waiting.heads())  # type: ignore[arg-type]
        return max(1, self.max_active // OLD_SHARE) if young else self.max_active

    def _make_room_for_young(self, running: collections.Counter) -> list[_Active]:
        """Pause old requests beyond the old-request limit (of the session running the most,
        the longest-running first; each keeps its slice unless its session is over the cap)."""
        old = [state for state in self._active if self._old(state) and (
            state in self._rows or (self._batch is None and state.logits is not None))]
        excess = len(old) - self._old_limit()
        pausing: list[_Active] = []
        old.sort(key=lambda state: (-running[state.owner], state.since))
        for state in old:
            if excess <= 0 or len(self._waiting) - self._waiting.fresh + len(pausing) >= \
                    self.max_active:  # paused caches stay in memory: one batch of them at most
                break
            over = running[state.owner] > self.max_per_session
            if over or self._steps - state.since >= MIN_SLICE_STEPS:
                pausing.append(state)
                running[state.owner] -= 1
                self._active.remove(state)
                excess -= 1
        return pausing

    def _next_waiting(self, running: collections.Counter, capped: bool, budget: int,
                      any_joined: bool) -> _Active | None:
        old_free = self._old_limit() - sum(self._old(state) for state in self._active)
        for state in self._waiting.heads():
            if capped and running[state.owner] >= self.max_per_session:
                continue
            if self._old(state) and old_free <= 0:  # type: ignore[arg-type]
                continue
            if any_joined and self._prefill_cost(state) > budget:
                continue
            return state  # type: ignore[return-value]
        return None

    def _prefill_cost(self, state: _Active) -> int:
        """Prompt tokens a newcomer adds to this step's prefill (chunked ones: none yet)."""
        if state.paused or (self._batch is not None and self._chunked(state)):
            return 0
        return len(state.seen)

    def _chunked(self, state: _Active) -> bool:
        return len(state.seen) > PREFILL_CHUNK_TOKENS

    def _start(self, state: _Active, running: collections.Counter,
               joining: list[_Active]) -> None:
        self._waiting.pop(state)
        self._active.append(state)
        running[state.owner] += 1
        state.since = self._steps
        joining.append(state)

    def _victim(self, running: collections.Counter, pausing: list[_Active]) -> _Active | None:
        """The request to pause: of the session running the most, the one running longest;
        one that has not run its slice yet is safe unless its session is over the cap."""
        limit = self.max_active  # paused caches stay in memory: at most one batch of them
        if len(self._waiting) - self._waiting.fresh + len(pausing) >= limit:
            return None
        candidates = [state for state in self._active if state in self._rows or
                      (self._batch is None and state.logits is not None)]
        candidates.sort(key=lambda state: (-running[state.owner], state.since))
        for state in candidates:
            over = running[state.owner] > self.max_per_session
            if over or self._steps - state.since >= MIN_SLICE_STEPS:
                return state
        return None

    def _pause(self, states: list[_Active]) -> None:
        """Send paused requests (cache and next-token logits kept) back to the front of
        their session's line."""
        with self._wake:
            for state in states:
                state.since = self._steps
                if state.request.cancelled:
                    state.cache = state.logits = None
                    self._end(state, "cancelled")
                else:
                    self._waiting.add(state, front=True)

    # ---- steps ------------------------------------------------------------------------
    @torch.inference_mode()
    def _batched_step(self, joining: list[_Active], pausing: list[_Active]) -> None:
        """Pause, resume and prefill, give every row one token, then one batched forward."""
        batch = self._batch
        assert batch is not None
        if pausing:
            for state in pausing:
                state.cache, state.cached = batch.take(self._rows.index(state))
            stay = [i for i, state in enumerate(self._rows) if state not in pausing]
            batch.keep(stay)
            self._rows = [self._rows[i] for i in stay]
            self._pause(pausing)
        rows = list(self._rows)  # row i of the batch cache decodes for rows[i]
        fresh: list[_Active] = []
        for state in joining:
            if state.request.cancelled:
                self._end(state, "cancelled")
            elif state.paused:  # resumes where it stopped: its cache, its next logits
                batch.add(state.cache, [state.cached])  # type: ignore[arg-type]
                state.cache, state.cached = None, 0
                rows.append(state)
            elif self._chunked(state):
                self._filling.append(state)
            else:
                fresh.append(state)
        for i, row_logits in batch.join([state.seen.tolist() for state in fresh]):
            fresh[i].logits = row_logits
            rows.append(fresh[i])
        # a young row (a newcomer's first tokens) waits for the smallest chunk only
        young = any(not self._old(state) for state in rows)
        rows.extend(self._fill_chunk(busy=bool(rows), hurry=young))
        keep, tokens = [], []
        live = [state for state in rows if not state.request.cancelled]
        draws = dict(zip(map(id, live), self._draw(live), strict=True))
        for index, state in enumerate(rows):
            reason = self._accept(state, draws[id(state)]) if id(state) in draws else "cancelled"
            if reason:
                self._end(state, reason)
            else:
                keep.append(index)
                tokens.append(state.tracker.ids[-1])
        batch.keep(keep)
        self._rows = [rows[i] for i in keep]
        if not keep:
            return
        started = time.perf_counter()
        logits = batch.decode(tokens, [_need(state) for state in self._rows], self._banned)
        self._decode_seconds = time.perf_counter() - started
        for state, row_logits in zip(self._rows, logits, strict=True):
            state.logits = row_logits

    def _fill_chunk(self, busy: bool, hurry: bool = False) -> list[_Active]:
        """Prefill the next chunk of the oldest long prompt (a short one when ``busy``: rows
        wait for it; the shortest when ``hurry``: a newcomer's first tokens wait for it);
        return it once it is all in, merged into the batch with its logits."""
        batch = self._batch
        assert batch is not None
        for state in [s for s in self._filling if s.request.cancelled]:
            self._filling.remove(state)
            state.cache = None
            self._end(state, "cancelled")
        if not self._filling:
            return []
        state = self._filling[0]
        ids = state.seen.tolist()
        size = min(MIN_CHUNK_TOKENS, PREFILL_CHUNK_TOKENS) if hurry else self._chunk_size(busy)
        chunk = ids[state.cached : state.cached + size]
        started = time.perf_counter()
        state.cache, logits = batch.extend(state.cache, chunk, state.cached)
        self._prefill_rate = len(chunk) / max(time.perf_counter() - started, 1e-6)
        state.cached += len(chunk)
        if state.cached < len(ids):
            return []
        self._filling.pop(0)
        batch.add(state.cache, [state.cached])  # type: ignore[arg-type]
        state.cache, state.cached, state.logits = None, 0, logits
        return [state]

    def _chunk_size(self, busy: bool) -> int:
        """Tokens for the next chunk: while others decode, as many as the last chunk's speed
        prefills in one decoding step; the largest chunk when nobody waits for a token."""
        most = PREFILL_CHUNK_TOKENS
        if not busy:
            return most
        if not self._prefill_rate or not self._decode_seconds:
            return min(MIN_CHUNK_TOKENS, most)
        wanted = int(self._prefill_rate * self._decode_seconds)
        return max(min(MIN_CHUNK_TOKENS, most), min(wanted, most))

    def _solo_step(self, pausing: list[_Active]) -> None:
        """Fallback for models we cannot batch: one forward per active request."""
        self._pause(pausing)  # each keeps its own cache already
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
        request.emit(event)
        if state.tracker.stopped:
            return "stop"
        if len(state.tracker.ids) >= request.max_new_tokens:
            return "length"
        return ""

    def _end(self, state: _Active, reason: str, error: BaseException | None = None) -> None:
        tail = state.tracker.finish() if reason in ("eos", "length") else ""
        if tail:
            event = TokenEvent(-1, tail, 1.0)
            state.request.emit(event)
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
        with self._wake:
            if state in self._active:
                self._active.remove(state)
        request.finish(completion, error)
