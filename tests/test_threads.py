"""Handing work to other threads: values and errors come back; one-shot threads end."""

from __future__ import annotations

import threading

import pytest

from lmdemo.threads import Job, in_own_thread


def test_in_own_thread_runs_elsewhere_and_the_thread_ends():
    seen: list[threading.Thread] = []

    def work(a, b=0):
        seen.append(threading.current_thread())
        return a + b

    assert in_own_thread(work, 2, b=3) == 5
    assert seen[0] is not threading.current_thread()
    assert not seen[0].is_alive()


def test_in_own_thread_raises_the_callers_error():
    def boom():
        raise ValueError("bad value")

    with pytest.raises(ValueError, match="bad value"):
        in_own_thread(boom)


def test_a_failed_job_raises_its_error_and_a_run_job_its_value():
    def closing():
        raise RuntimeError("closing")

    failed = Job(closing)
    threading.Thread(target=failed.run).start()
    with pytest.raises(RuntimeError, match="closing"):
        failed.wait()
    done = Job(lambda: "value")
    threading.Thread(target=done.run).start()
    assert done.wait() == "value"
