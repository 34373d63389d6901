"""Who runs this step: the engine's scheduling policy, apart from the model.

``schedule`` is a pure function of plain state: the waiting room, the requests holding a
slot (their owners, the step they joined or were paused at, the tokens they have written
and have left), the slot limits and the last measured speeds. It returns a StepPlan that
the engine executes (steps.py), the way vLLM's ``EngineCore.step`` runs its scheduler's
output. The rules, in the order they apply:

1. While a young request runs or waits, old ones keep a quarter of the slots (OLD_SHARE).
2. Free slots go round-robin over sessions (fairness.py): first to sessions under their
   cap (MAX_PER_SESSION), then, so no slot idles, to anyone.
3. A step prefills at most PREFILL_TOKENS_PER_STEP prompt tokens; a long prompt is
   prefilled in chunks on its own cache, and costs nothing to join.
4. A session with nothing running that finds no free slot pauses a request of the
   session running the most.

Rules 1 and 4 choose whom to pause the same way (``_Planning.pausable``).
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from .fairness import WaitingRoom

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


class Entry(Protocol):
    """What the policy reads of a request (the engine's Active; plain objects in tests).
    Requests are told apart by identity, as in the waiting room."""

    owner: str  # the session it runs for: the unit of fairness
    since: int  # step when it last joined (running) or was paused (waiting)
    paused: bool  # it ran before and waits with its cache and next-token logits
    written: int  # tokens it has written
    left: int  # tokens it may still write
    length: int  # prompt + written tokens: what starting it afresh prefills


@dataclass
class SchedulerState:
    """Everything ``schedule`` decides from; it changes none of it."""

    waiting: WaitingRoom
    active: list[Entry]  # requests holding a slot, in the order they joined
    decoding: list[Entry]  # those of them with a decoding row now: the ones that can be paused
    step: int
    max_active: int
    max_per_session: int = MAX_PER_SESSION
    batched: bool = True  # False: one forward per request, no chunked prefill
    prefill_rate: float = 0.0  # prompt tokens per second in the last chunk (0: not known)
    decode_seconds: float = 0.0  # the last batched decoding step


@dataclass
class StepPlan:
    """What one step does before every running request gets its next token."""

    joining: list[Entry] = field(default_factory=list)  # in the order they were served
    pausing: list[Entry] = field(default_factory=list)  # give their slot up, cache kept
    chunked: list[Entry] = field(default_factory=list)  # of those joining, the long prompts
    chunk: int = 0  # tokens of the oldest long prompt to prefill this step


def schedule(state: SchedulerState) -> StepPlan:
    """Choose who joins this step and who is paused to make room for them."""
    plan = _Planning(state)
    plan.make_room_for_young()
    budget = PREFILL_TOKENS_PER_STEP
    for capped in (True, False):
        while len(plan.active) < state.max_active:
            entry = plan.next_waiting(capped, budget)
            if entry is None:
                break
            budget -= plan.prefill_cost(entry)
            plan.start(entry)
    for head in list(plan.waiting.heads()):
        if len(plan.active) < state.max_active:
            break  # a free slot it could not take for the prefill budget: next step
        if plan.running[head.owner] or state.step - head.since < MIN_SLICE_STEPS * head.paused:
            continue
        victim = None if plan.paused_full() else next(plan.pausable(plan.active), None)
        if victim is None:
            break
        plan.pause(victim)
        plan.start(head)
    return plan.result()


def is_old(entry: Entry) -> bool:
    """Old: it wrote OLD_TOKENS already, or it has written and still has more than
    SHORT_TOKENS to go (sixteen streams that began a moment before a newcomer are
    long-running work all the same)."""
    return entry.written >= OLD_TOKENS or (entry.written > 0 and entry.left > SHORT_TOKENS)


def chunked(entry: Entry) -> bool:
    """Its prompt is prefilled in chunks, between the running requests' steps."""
    return not entry.paused and entry.length > PREFILL_CHUNK_TOKENS


def chunk_size(busy: bool, hurry: bool, prefill_rate: float, decode_seconds: float) -> int:
    """Tokens for the next chunk: the smallest when ``hurry`` (a newcomer's first tokens
    wait for it); while others decode (``busy``), as many as the last chunk's speed
    prefills in one decoding step; the largest chunk when nobody waits for a token."""
    most = PREFILL_CHUNK_TOKENS
    least = min(MIN_CHUNK_TOKENS, most)
    if hurry:
        return least
    if not busy:
        return most
    if not prefill_rate or not decode_seconds:
        return least
    return max(least, min(int(prefill_rate * decode_seconds), most))


class _Planning:
    """One call of ``schedule``: copies of the slots and the waiting room, changed as the
    plan is made."""

    def __init__(self, state: SchedulerState):
        self.state = state
        self.waiting = state.waiting.copy()
        self.active = list(state.active)
        self.decoding = {id(entry) for entry in state.decoding}
        self.running = collections.Counter(entry.owner for entry in state.active)
        self.joined: set[int] = set()
        self.joining: list[Entry] = []
        self.pausing: list[Entry] = []

    def since(self, entry: Entry) -> int:
        return self.state.step if id(entry) in self.joined else entry.since

    def can_pause(self, entry: Entry) -> bool:
        """It holds a decoding row: batched, a row of the batch (one that joins now has none
        yet); solo, its own cache and next logits (a paused one that resumes now has them)."""
        if id(entry) in self.joined:
            return not self.state.batched and entry.paused
        return id(entry) in self.decoding

    def pausable(self, entries: list[Entry]) -> Iterator[Entry]:
        """Those of ``entries`` that may be paused, best first: of the session running the
        most, the one running longest; one that has not run its slice yet is safe unless
        its session is over the cap. The only place the choice is made."""
        state = self.state
        candidates = [entry for entry in entries if self.can_pause(entry)]
        candidates.sort(key=lambda entry: (-self.running[entry.owner], self.since(entry)))
        for entry in candidates:
            over = self.running[entry.owner] > state.max_per_session
            if over or state.step - self.since(entry) >= MIN_SLICE_STEPS:
                yield entry

    def paused_full(self) -> bool:
        """Paused caches stay in memory: one batch of them at most."""
        paused = len(self.waiting) - self.waiting.fresh + len(self.pausing)
        return paused >= self.state.max_active

    def old_limit(self) -> int:
        """Slots old requests may hold: all, or a quarter while a young request runs or
        waits."""
        young = any(not is_old(entry) for entry in self.active) or any(
            not is_old(entry) for entry in self.waiting.heads())
        return max(1, self.state.max_active // OLD_SHARE) if young else self.state.max_active

    def make_room_for_young(self) -> None:
        """Pause old requests beyond the old-request limit (each keeps its slice unless its
        session is over the cap)."""
        old = [entry for entry in self.active if is_old(entry) and self.can_pause(entry)]
        excess = len(old) - self.old_limit()
        for entry in self.pausable(old):
            if excess <= 0 or self.paused_full():
                break
            self.pause(entry)
            excess -= 1

    def next_waiting(self, capped: bool, budget: int) -> Entry | None:
        """The next head of a line that may join: under its session's cap (``capped``),
        within the old-request limit and, after the first to join, the prefill budget."""
        old_free = self.old_limit() - sum(is_old(entry) for entry in self.active)
        for entry in self.waiting.heads():
            if capped and self.running[entry.owner] >= self.state.max_per_session:
                continue
            if is_old(entry) and old_free <= 0:
                continue
            if self.joining and self.prefill_cost(entry) > budget:
                continue
            return entry
        return None

    def prefill_cost(self, entry: Entry) -> int:
        """Prompt tokens a newcomer adds to this step's prefill (chunked ones: none yet)."""
        if entry.paused or (self.state.batched and chunked(entry)):
            return 0
        return entry.length

    def start(self, entry: Entry) -> None:
        self.waiting.pop(entry)
        self.active.append(entry)
        self.running[entry.owner] += 1
        self.joining.append(entry)
        self.joined.add(id(entry))

    def pause(self, entry: Entry) -> None:
        self.pausing.append(entry)
        self.running[entry.owner] -= 1
        self.active = [other for other in self.active if other is not entry]

    def result(self) -> StepPlan:
        state = self.state
        if not state.batched:
            return StepPlan(self.joining, self.pausing)
        long = [entry for entry in self.joining if chunked(entry)]
        # the rows that decode while the chunk is prefilled; a young row (a newcomer's first
        # tokens) waits for the smallest chunk only
        rows = [entry for entry in self.active if id(entry) in self.decoding] + [
            entry for entry in self.joining if not chunked(entry)]
        hurry = any(not is_old(entry) for entry in rows)
        size = chunk_size(bool(rows), hurry, state.prefill_rate, state.decode_seconds)
        return StepPlan(self.joining, self.pausing, long, size)
