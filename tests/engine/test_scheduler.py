"""The scheduling policy on plain objects: no torch, no model, no worker thread.

Each fairness rule that tests/engine/test_fairness.py checks through a model is checked
here on ``schedule`` itself, step by step, with requests that are three numbers and an
owner.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lmdemo.engine import scheduler
from lmdemo.engine.fairness import WaitingRoom
from lmdemo.engine.scheduler import (
    MIN_CHUNK_TOKENS,
    MIN_SLICE_STEPS,
    PREFILL_CHUNK_TOKENS,
    PREFILL_TOKENS_PER_STEP,
    SchedulerState,
    StepPlan,
    chunk_size,
    is_old,
    schedule,
)


@dataclass(eq=False)
class Req:
    """A request as the policy sees it."""

    owner: str
    left: int = 4  # tokens still to write
    written: int = 0
    length: int = 3  # prompt tokens (+ written): what starting it afresh prefills
    since: int = 0
    paused: bool = False


class Sim:
    """The engine's bookkeeping around ``schedule``, with a decoding step that writes one
    token for every running request (the model's part, played by a counter)."""

    def __init__(self, max_active: int, max_per_session: int = 4, batched: bool = True):
        self.max_active, self.max_per_session, self.batched = max_active, max_per_session, batched
        self.waiting = WaitingRoom()
        self.active: list[Req] = []  # holding a slot
        self.decoding: list[Req] = []  # holding a decoding row
        self.step = 0
        self.finished: list[Req] = []
        self.pauses = 0

    def submit(self, *requests: Req) -> None:
        for request in requests:
            self.waiting.add(request)

    def state(self, **measured: float) -> SchedulerState:
        return SchedulerState(self.waiting, self.active, self.decoding, self.step,
                              self.max_active, self.max_per_session, self.batched, **measured)

    def plan(self) -> StepPlan:
        return schedule(self.state())

    def run_step(self) -> StepPlan:
        """One step: plan, give the slots (as the engine does), then decode."""
        plan = self.plan()
        for request in plan.joining:
            self.waiting.pop(request)
            request.since = self.step
        self.active = [r for r in self.active + plan.joining if r not in plan.pausing]
        self.step += 1
        for request in plan.pausing:
            request.since = self.step
            self.decoding.remove(request)
            self.waiting.add(request, front=True)
            self.pauses += 1
        for request in plan.joining:
            if request not in plan.pausing:
                request.paused = True  # from now on it holds its cache and next logits
                self.decoding.append(request)
        for request in list(self.decoding):
            request.written += 1
            request.length += 1
            request.left -= 1
            if request.left == 0:
                self.decoding.remove(request)
                self.active.remove(request)
                self.finished.append(request)
        return plan

    def run(self, limit: int = 10_000) -> None:
        while self.waiting or self.active:
            assert self.step < limit, "the requests never finished"
            self.run_step()

    def running(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for request in self.active:
            out[request.owner] = out.get(request.owner, 0) + 1
        return out


def running_for(sim: Sim, *requests: Req, since: int = 0) -> None:
    """Put ``requests`` in decoding slots, as if they joined at step ``since``."""
    for request in requests:
        request.since, request.paused = since, True
        sim.active.append(request)
        sim.decoding.append(request)


def test_free_slots_go_round_robin_over_sessions_not_first_come():
    sim = Sim(max_active=1, max_per_session=1)
    a = [Req("a") for _ in range(3)]
    b, c = Req("b"), Req("c")
    sim.submit(*a, b, c)
    sim.run()
    # first come first served would run a, a, a, b, c
    assert sim.finished == [a[0], b, c, a[1], a[2]]


def test_a_session_is_capped_while_others_wait_and_fills_idle_slots_alone():
    sim = Sim(max_active=4, max_per_session=2)
    mine = [Req("a", left=60) for _ in range(4)]
    theirs = [Req("b", left=5) for _ in range(2)]
    sim.submit(*mine, *theirs)
    sim.run_step()
    assert sim.running() == {"a": 2, "b": 2}
    while any(r in sim.active for r in theirs):
        sim.run_step()
    # nobody else waits: the capped session takes the free slots
    plan = sim.run_step()
    assert plan.joining == mine[2:] and sim.running() == {"a": 4}
    sim.run()
    assert set(sim.finished) == {*mine, *theirs}


def test_a_session_at_its_cap_leaves_the_free_slots_to_others_first():
    sim = Sim(max_active=4, max_per_session=2)
    running_for(sim, Req("a", left=60), Req("a", left=60))
    theirs = [Req("b"), Req("b")]
    sim.submit(Req("a"), *theirs)  # "a" is first in line, but already runs its share
    assert sim.plan().joining == theirs


def test_two_sessions_capped_at_one_each_share_two_slots():
    sim = Sim(max_active=2, max_per_session=1)
    first = [Req("s1", left=60) for _ in range(2)]
    sim.submit(*first, Req("s2", left=60))
    sim.run_step()
    assert sim.running() == {"s1": 1, "s2": 1}


def test_a_newcomer_pauses_the_longest_running_request_after_its_slice():
    sim = Sim(max_active=2, max_per_session=4)
    early, late = Req("busy", left=10, written=2), Req("busy", left=10, written=2)
    running_for(sim, early)
    running_for(sim, late, since=1)
    newcomer = Req("new")
    sim.submit(newcomer)
    sim.step = MIN_SLICE_STEPS  # `late` has not run its slice yet, `early` has
    plan = sim.plan()
    assert plan.pausing == [early] and plan.joining == [newcomer]
    sim.step = MIN_SLICE_STEPS - 1  # neither has: the newcomer waits for a slice to end
    plan = sim.plan()
    assert plan.pausing == [] and plan.joining == []


def test_the_paused_request_comes_from_the_session_running_the_most():
    sim = Sim(max_active=3, max_per_session=4)
    longest = Req("few", left=10, written=2)
    running_for(sim, longest)
    many = [Req("many", left=10, written=2) for _ in range(2)]
    running_for(sim, *many, since=1)
    sim.submit(Req("new"))
    sim.step = 20
    assert sim.plan().pausing == [many[0]]


def test_a_session_over_its_cap_is_paused_before_its_slice_ends():
    sim = Sim(max_active=2, max_per_session=1)
    over = [Req("a", left=10, written=2) for _ in range(2)]
    running_for(sim, *over, since=5)  # filled the idle slots alone, just now
    newcomer = Req("b")
    sim.submit(newcomer)
    sim.step = 5
    plan = sim.plan()
    assert plan.pausing == [over[0]] and plan.joining == [newcomer]


def test_a_paused_request_resumes_without_prefill_and_in_front_of_its_line():
    sim = Sim(max_active=2, max_per_session=4)
    long = [Req("busy", left=80) for _ in range(2)]
    sim.submit(*long)
    while sim.step <= MIN_SLICE_STEPS + 1:
        sim.run_step()
    newcomer = Req("new", left=4)
    sim.submit(newcomer)
    sim.run()
    # the newcomer did not wait for either long request to end; both were paused and resumed
    assert sim.finished[0] is newcomer and sim.pauses
    assert all(r.written == 80 for r in long)


def test_resuming_costs_no_prefill():
    sim = Sim(max_active=3, batched=False)
    first = Req("a", length=PREFILL_TOKENS_PER_STEP - 10)
    resumed = Req("x", length=PREFILL_TOKENS_PER_STEP * 4, paused=True)
    sim.submit(first, resumed, Req("b", length=20))
    assert sim.plan().joining == [first, resumed]  # and "b" waits for the budget


def test_sessions_with_one_request_each_take_turns_without_pausing_every_step():
    sim = Sim(max_active=2, max_per_session=4)
    requests = [Req(f"s{i}", left=60) for i in range(3)]
    sim.submit(*requests)
    sim.run()
    assert set(sim.finished) == set(requests)
    # three streams for two slots: time slices of MIN_SLICE_STEPS, not one pause a step
    assert 0 < sim.pauses <= sim.step / MIN_SLICE_STEPS + 1


def test_a_paused_request_waits_its_slice_before_it_pauses_another():
    sim = Sim(max_active=2, max_per_session=4)
    running_for(sim, Req("a", left=60, written=2), Req("a", left=60, written=2))
    back = Req("b", left=60, written=2, paused=True)
    sim.submit(back)
    sim.step = 30
    back.since = sim.step - MIN_SLICE_STEPS + 1
    assert sim.plan().pausing == []
    back.since = sim.step - MIN_SLICE_STEPS
    assert sim.plan().joining == [back]


def test_paused_caches_are_capped_at_one_batch():
    sim = Sim(max_active=1, max_per_session=4)
    running_for(sim, Req("a", left=60, written=2))
    sim.submit(Req("p", left=60, written=2, paused=True, since=0), Req("new"))
    sim.step = 40
    plan = sim.plan()
    assert plan.pausing == [] and plan.joining == []


def test_making_room_for_a_newcomer_stops_at_one_batch_of_paused_caches():
    sim = Sim(max_active=4, max_per_session=8)
    busy = [Req("busy", left=60, written=20) for _ in range(4)]
    running_for(sim, *busy)
    sim.step = 30
    # three sessions paused just now wait with their caches, and a newcomer arrives
    sim.submit(*[Req(f"p{i}", left=60, written=20, paused=True, since=30) for i in range(3)])
    newcomer = Req("new")
    sim.submit(newcomer)
    plan = sim.plan()
    assert plan.pausing == busy[:1] and plan.joining == [newcomer]


def test_a_step_prefills_at_most_its_budget_of_prompt_tokens():
    sim = Sim(max_active=8, batched=False)
    first, second = Req("a", length=PREFILL_TOKENS_PER_STEP + 100), Req("b", length=10)
    sim.submit(first, second)
    # the first joins however long it is; the next waits for the budget of a later step
    assert sim.plan().joining == [first]
    sim = Sim(max_active=8, batched=False)
    fits = [Req(f"s{i}", length=PREFILL_TOKENS_PER_STEP // 4) for i in range(6)]
    sim.submit(*fits)
    assert sim.plan().joining == fits[:4]


def test_a_long_prompt_is_chunked_and_costs_no_prefill_when_batched():
    long = Req("a", length=PREFILL_CHUNK_TOKENS + 1)
    shorts = [Req(f"s{i}", length=PREFILL_TOKENS_PER_STEP // 2) for i in range(2)]
    sim = Sim(max_active=8)
    sim.submit(long, *shorts)
    plan = sim.plan()
    assert plan.joining == [long, *shorts] and plan.chunked == [long]
    solo = Sim(max_active=8, batched=False)  # one forward per request: no chunks
    solo.submit(Req("a", length=PREFILL_CHUNK_TOKENS + 1))
    assert solo.plan().chunked == [] and solo.plan().chunk == 0


def test_a_short_request_is_served_between_the_chunks_of_a_long_prompt():
    sim = Sim(max_active=16)
    filling = Req("a", length=PREFILL_CHUNK_TOKENS * 10)
    sim.active.append(filling)  # holds a slot, no decoding row yet
    short = Req("b")
    sim.submit(short)
    plan = sim.plan()
    # it joins at once, and the long prompt's next chunk is the smallest: its first token
    # waits for that chunk
    assert plan.joining == [short] and plan.chunk == MIN_CHUNK_TOKENS
    sim.active.clear()
    sim.waiting.pop(short)
    sim.active.append(filling)  # alone: nobody waits for a token
    assert sim.plan().chunk == PREFILL_CHUNK_TOKENS


@pytest.mark.parametrize(("busy", "hurry", "rate", "seconds", "size"), [
    (False, False, 0.0, 0.0, PREFILL_CHUNK_TOKENS),  # nobody waits: the largest
    (True, True, 10_000.0, 1.0, MIN_CHUNK_TOKENS),  # a newcomer's first token: the smallest
    (True, False, 0.0, 0.0, MIN_CHUNK_TOKENS),  # busy, speeds not measured yet
    (True, False, 1000.0, 0.05, 50),  # takes as long as one decoding step
    (True, False, 1000.0, 0.001, MIN_CHUNK_TOKENS),  # never below a forward's fixed cost
    (True, False, 1e6, 1.0, PREFILL_CHUNK_TOKENS),  # never above the chunk size
])
def test_chunk_size(busy, hurry, rate, seconds, size):
    assert chunk_size(busy, hurry, rate, seconds) == size


def test_chunks_follow_the_measured_speeds_while_rows_decode():
    sim = Sim(max_active=4)
    running_for(sim, Req("a", left=60, written=20))
    sim.active.append(Req("b", length=PREFILL_CHUNK_TOKENS * 4))  # being prefilled
    assert schedule(sim.state(prefill_rate=2000.0, decode_seconds=0.04)).chunk == 80


@pytest.mark.parametrize(("written", "left", "old"), [
    (0, 500, False),  # not started: young, however long
    (1, scheduler.SHORT_TOKENS, False),  # short work
    (1, scheduler.SHORT_TOKENS + 1, True),  # started long work
    (scheduler.OLD_TOKENS - 1, 0, False),
    (scheduler.OLD_TOKENS, 0, True),
])
def test_is_old(written, left, old):
    assert is_old(Req("a", written=written, left=left)) is old


def test_old_requests_hold_a_share_of_the_slots_while_a_newcomer_runs():
    sim = Sim(max_active=8, max_per_session=8)
    long = [Req("busy", left=60, written=20) for _ in range(4)]
    running_for(sim, *long[:2])
    running_for(sim, *long[2:], since=5)
    sim.step = 30
    newcomer = Req("new", left=4)
    sim.submit(newcomer)
    plan = sim.run_step()
    # 8 // OLD_SHARE old rows stay, the ones running longest are paused
    assert plan.pausing == long[:2] and plan.joining == [newcomer]
    while newcomer not in sim.finished:
        assert len(sim.decoding) <= 3
        sim.run_step()
    # young gone: every old request runs again (the last paused first: each went to the
    # front of the line)
    assert sim.plan().joining == long[1::-1]


def test_the_plan_changes_none_of_its_input():
    sim = Sim(max_active=2)
    running_for(sim, Req("a", left=60, written=20), Req("a", left=60, written=20))
    waiting = [Req("b"), Req("c"), Req("b")]
    sim.submit(*waiting)
    sim.step = 50
    active, decoding = list(sim.active), list(sim.decoding)
    lines = sim.waiting.copy().drain()
    plan = sim.plan()
    assert plan.pausing and plan.joining
    assert sim.active == active and sim.decoding == decoding
    assert len(sim.waiting) == 3 and sim.waiting.fresh == 3
    assert sim.waiting.drain() == lines and set(lines) == set(waiting)


def test_a_cancelled_waiting_request_is_never_planned():
    sim = Sim(max_active=1)
    first, second = Req("a"), Req("b")
    sim.submit(first, second)
    assert sim.waiting.remove(second)  # what a cancel does to a waiting request
    sim.run()
    assert sim.finished == [first]


def test_a_request_that_resumes_starts_a_new_slice():
    """One forward per request (solo): a paused request that resumes keeps its own cache,
    so it could be paused again at once; it has just begun a slice, so it is not."""
    sim = Sim(max_active=2, max_per_session=4, batched=False)
    running_for(sim, Req("a", left=10, written=2), since=25)
    back = Req("a", left=10, written=2, paused=True, since=0)  # paused long ago
    sim.submit(back, Req("n"))
    sim.step = 30
    plan = sim.plan()
    assert plan.joining == [back] and plan.pausing == []
