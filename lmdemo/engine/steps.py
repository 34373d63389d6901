"""Carrying out a step plan on the model: pause and resume rows, prefill, sample, decode.

The scheduler (scheduler.py) decides; the ``Executor`` here owns what the decision acts on:
the batch's rows, the long prompts being prefilled chunk by chunk, and the speeds the next
plan sizes its chunk by. Requests that end or pause go back to the engine through the two
callbacks it passes in, at once, so a finished request is answered before the step's
forward and a paused one is back in line for the next plan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..models.loader import LoadedModel
from .batch import KVBatch
from .head import RowNeed
from .requests import Completion, Request, TokenEvent
from .sampling import Draw, banned_ids, sample_rows
from .scheduler import StepPlan
from .text import TextTracker

log = logging.getLogger(__name__)
ALTERNATIVES = 5


@dataclass(eq=False)
class Active:
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

    # what the scheduler reads (scheduler.Entry)
    @property
    def written(self) -> int:
        return len(self.tracker.ids)

    @property
    def left(self) -> int:
        return self.request.max_new_tokens - self.written

    @property
    def length(self) -> int:
        return len(self.seen)


def row_need(state: Active) -> RowNeed:
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


def completion(state: Active, reason: str) -> Completion:
    """Stream the text held back as a possible stop start (a natural end only) and sum the
    request up; its cache is dropped."""
    tail = state.tracker.finish() if reason in ("eos", "length") else ""
    if tail:
        state.request.emit(TokenEvent(-1, tail, 1.0))
    request = state.request
    now = time.perf_counter()
    state.cache = None
    return Completion(
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


class Executor:
    """Runs the scheduler's plans over one model: one batched forward a step, or, for models
    whose cache cannot be batched (``batched=False``), one forward per request."""

    def __init__(self, loaded: LoadedModel, batched: bool,
                 end: Callable[..., None], pause: Callable[[list[Active]], None],
                 fused: bool = True):
        self.loaded = loaded
        # the hand-written decode step where it covers the model (benchmarks compare it with
        # transformers' forward: fused=False)
        self.fused = fused
        self.eos = eos_ids(loaded)
        # Control tokens (<pad>, <start_of_image>…) are never sampled; EOS stays, as the end.
        self.banned = banned_ids(loaded.tokenizer, vocab_size(loaded), keep=self.eos)
        self.batch = KVBatch(loaded.model, loaded.device, fused) if batched else None
        self.rows: list[Active] = []  # requests in the order of the batch's rows
        self.filling: list[Active] = []  # long prompts being prefilled chunk by chunk
        self.prefill_rate = 0.0  # prompt tokens per second in the last chunk (0: not known)
        self.decode_seconds = 0.0  # the last batched decoding step
        self._end = end  # (state, reason, error=None): the request is over
        self._pause = pause  # these requests go back to their lines, cache kept

    def decoding(self, active: list[Active]) -> list[Active]:
        """The active requests holding a decoding row now: the ones that can be paused."""
        if self.batch is not None:
            return list(self.rows)
        return [state for state in active if state.logits is not None]

    def reset(self) -> None:
        """Forget the batch after a failed step; its requests are prefilled again."""
        if self.batch is not None:
            self.batch = KVBatch(self.loaded.model, self.loaded.device, self.fused)
            self.rows, self.filling = [], []

    def step(self, plan: StepPlan, active: list[Active]) -> None:
        """Carry out ``plan`` and give every running request its next token."""
        if self.batch is not None:
            self._batched_step(plan)
        else:
            self._solo_step(plan.pausing, active)

    @torch.inference_mode()
    def _batched_step(self, plan: StepPlan) -> None:
        """Pause, resume and prefill, give every row one token, then one batched forward."""
        batch = self.batch
        assert batch is not None
        if plan.pausing:
            for state in plan.pausing:
                state.cache, state.cached = batch.take(self.rows.index(state))
            stay = [i for i, state in enumerate(self.rows) if state not in plan.pausing]
            batch.keep(stay)
            self.rows = [self.rows[i] for i in stay]
            self._pause(plan.pausing)
        rows = list(self.rows)  # row i of the batch cache decodes for rows[i]
        fresh: list[Active] = []
        for state in plan.joining:
            if state.request.cancelled:
                self._end(state, "cancelled")
            elif state.paused:  # resumes where it stopped: its cache, its next logits
                batch.add(state.cache, [state.cached])  # type: ignore[arg-type]
                state.cache, state.cached = None, 0
                rows.append(state)
            elif state in plan.chunked:
                self.filling.append(state)
            else:
                fresh.append(state)
        for i, row_logits in batch.join([state.seen.tolist() for state in fresh]):
            fresh[i].logits = row_logits
            rows.append(fresh[i])
        rows.extend(self._fill_chunk(plan.chunk))
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
        self.rows = [rows[i] for i in keep]
        if not keep:
            return
        started = time.perf_counter()
        logits = batch.decode(tokens, [row_need(state) for state in self.rows], self.banned)
        self.decode_seconds = time.perf_counter() - started
        for state, row_logits in zip(self.rows, logits, strict=True):
            state.logits = row_logits

    def _fill_chunk(self, size: int) -> list[Active]:
        """Prefill the next ``size`` tokens of the oldest long prompt; return it once it is
        all in, merged into the batch with its logits."""
        batch = self.batch
        assert batch is not None
        for state in [s for s in self.filling if s.request.cancelled]:
            self.filling.remove(state)
            state.cache = None
            self._end(state, "cancelled")
        if not self.filling:
            return []
        state = self.filling[0]
        ids = state.seen.tolist()
        chunk = ids[state.cached : state.cached + size]
        started = time.perf_counter()
        state.cache, logits = batch.extend(state.cache, chunk, state.cached)
        self.prefill_rate = len(chunk) / max(time.perf_counter() - started, 1e-6)
        state.cached += len(chunk)
        if state.cached < len(ids):
            return []
        self.filling.pop(0)
        batch.add(state.cache, [state.cached])  # type: ignore[arg-type]
        state.cache, state.cached, state.logits = None, 0, logits
        return [state]

    def _solo_step(self, pausing: list[Active], active: list[Active]) -> None:
        """Fallback for models we cannot batch: one forward per active request."""
        self._pause(pausing)  # each keeps its own cache already
        for state in list(active):
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
    def _forward(self, state: Active, ids: list[int]) -> None:
        model = self.loaded.model
        inputs = torch.tensor([ids], dtype=torch.long, device=self.loaded.device)
        out = model(input_ids=inputs, cache=state.cache, use_cache=True)
        state.cache = out.cache
        state.logits = out.logits[0, -1].float().cpu()

    def _draw(self, states: list[Active]) -> list[Draw]:
        """Sample the next token of each request, each under its own params and generator."""
        if not states:
            return []
        logits = torch.stack([state.logits for state in states])  # type: ignore[misc]
        return sample_rows(logits, [s.request.params for s in states], [s.seen for s in states],
                           [s.generator for s in states], ALTERNATIVES, self.banned)

    def _accept(self, state: Active, draw: Draw) -> str:
        """Stream the drawn token and return a finish reason or ''."""
        request, token = state.request, draw.token
        state.seen = torch.cat([state.seen, torch.tensor([token])])
        if state.first_token_at is None:
            state.first_token_at = time.perf_counter()
        if token in self.eos:
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
