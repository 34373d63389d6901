"""A runtime that loads its model in the background (issue 18, section 4: first start).

The loader is the test seam ``ModelManager(config, loader=...)``: ``HeldLoader`` reports the
conversion steps the real GGUF cache reports, then waits for the test to let it finish, so the
"still loading" state lasts exactly as long as a test needs, with no sleeps.
"""

from __future__ import annotations

import threading
import time

import pytest

from lmdemo.errors import ModelLoadError, ModelLoadingError, UnknownModelError
from lmdemo.models import ModelManager, gguf_cache, progress
from lmdemo.models.loader import load_spec
from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import TaskService

WAIT_S = 120  # the tiny model loads in seconds; a busy 2-core machine gets slack


class HeldLoader:
    """Reports the conversion up to ``step`` (of gguf_cache's three), then waits until
    ``release()`` before loading the model for real (or raising ``error``)."""

    def __init__(self, step: int = 1, error: Exception | None = None):
        self.step, self.error = step, error
        self.holding = threading.Event()
        self._go = threading.Event()

    def __call__(self, spec, config, reason):
        for done in range(self.step + 1):
            gguf_cache._report(done, None)
        self.holding.set()
        assert self._go.wait(WAIT_S), "the test never released the loader"
        if self.error is not None:
            raise self.error
        return load_spec(spec, config, reason)

    def release(self) -> None:
        """Let the load finish."""
        self._go.set()


def held_runtime(config, loader: HeldLoader) -> Runtime:
    """A started background runtime whose loader is holding."""
    runtime = Runtime(config, ModelManager(config, loader), background=True)
    runtime.start()
    assert loader.holding.wait(WAIT_S)
    return runtime


def test_requests_say_the_model_is_loading_with_its_step_until_it_is_ready(tiny_config):
    loader = HeldLoader(step=1)
    runtime = held_runtime(tiny_config, loader)
    try:
        status = runtime.status
        assert (status.stage, status.ready) == ("converting", False)
        assert status.current.what == "de-quantizing the GGUF weights"
        assert status.current.percent == 35  # the tokenizer's share (STEP_WEIGHTS)
        service = TaskService(runtime)
        started = time.perf_counter()
        with pytest.raises(ModelLoadingError, match=r"still loading \(converting, "
                           r"de-quantizing the GGUF weights, 35%\)") as caught:
            service.run("generate", "Hello", params=make_params(max_new_tokens=4)).answer()
        assert time.perf_counter() - started < 5, "a request must not wait for the load"
        assert caught.value.key == "err_model_loading"
        assert caught.value.fields == {"stage": "converting", "stage_key": "load_stage_converting",
                                       "step": "de-quantizing the GGUF weights",
                                       "step_key": "load_step_convert_weights",
                                       "percent_text": ", 35%"}
        loader.release()
        assert runtime.wait_ready(WAIT_S).ready
        answer = service.run("generate", "Hello", params=make_params(max_new_tokens=4,
                                                                     temperature=0)).answer()
        assert isinstance(answer, str) and answer
    finally:
        loader.release()
        runtime.close()


def test_a_failed_load_is_reported_by_the_status_and_every_request(tiny_config):
    damaged = "The model file is damaged; delete the cache and restart."
    loader = HeldLoader(step=0, error=ModelLoadError(key="err_model_load", name="'tiny'",
                                                     source="/models/tiny", detail=damaged))
    runtime = held_runtime(tiny_config, loader)
    loader.release()
    status = runtime.wait_ready(WAIT_S)
    assert status.stage == "failed"
    assert status.error.endswith("could not be loaded: Could not load model 'tiny' from "
                                 f"/models/tiny: {damaged}")
    with pytest.raises(ModelLoadError) as caught:  # each request: the same words, in its own error
        runtime.tokenizer  # noqa: B018
    assert str(caught.value) == status.error and caught.value.key == "err_model_chosen"
    runtime.close()


def test_a_bug_in_the_loader_fails_the_load_instead_of_loading_for_ever(tiny_config):
    loader = HeldLoader(step=0, error=RuntimeError("boom"))
    runtime = held_runtime(tiny_config, loader)
    loader.release()
    status = runtime.wait_ready(WAIT_S)
    assert status.stage == "failed" and "server log" in status.error
    assert "boom" not in status.error  # internals stay in the log
    with pytest.raises(ModelLoadError) as caught:
        runtime.tokenizer  # noqa: B018
    assert caught.value.key == "err_load_unexpected" and str(caught.value) == status.error
    runtime.close()


def test_a_model_name_that_is_no_model_fails_before_serving(tiny_config):
    runtime = Runtime(tiny_config.with_overrides(model="no-such-model!"), background=True)
    with pytest.raises(UnknownModelError):
        runtime.check()


def test_a_runtime_that_loads_on_first_use_counts_as_ready(tiny_runtime):
    assert tiny_runtime.status.ready and tiny_runtime.wait_ready(0).ready


@pytest.mark.parametrize(("done", "weights", "percent", "what"), [
    (0, None, 0, "reading the weights"),
    (1, None, 33, "packing the weights for this CPU"),
    (1, (35, 62, 3), 35, "packing the weights for this CPU"),
    (2, (35, 62, 3), 97, "starting the engine"),
    (3, (35, 62, 3), 100, "done"),
    (1, (1, 2), 33, "packing the weights for this CPU"),  # weights that do not fit: counted
])
def test_report_weights_each_step_by_its_share_of_the_time(done, weights, percent, what):
    seen = []
    with progress.watching(seen.append):
        progress.report(progress.LOADING, progress.LOAD_STEPS, done, weights)
    progress.report(progress.LOADING, progress.LOAD_STEPS, done, weights)  # nobody watches
    assert [(s.stage, s.done, s.total, s.percent, s.what) for s in seen] == [
        ("loading", done, 3, percent, what)]
    assert progress._watchers == []


def test_the_tracker_keeps_the_latest_step_and_stops_its_clock_when_done():
    now = [100.0]
    tracker = progress.LoadTracker(clock=lambda: now[0])
    assert (tracker.status().stage, tracker.status().current) == ("starting", None)
    with progress.watching(tracker.step):
        gguf_cache._report(2, None)
        now[0] = 130.0
        assert tracker.status().describe() == ("converting, saving the converted weights, 97%")
        progress.report(progress.LOADING, progress.LOAD_STEPS, 0)
    assert tracker.status().describe() == "loading, reading the weights, 0%"
    assert tracker.status().seconds == 30.0
    tracker.finish()
    now[0] = 200.0
    status = tracker.status()
    assert status.ready and status.seconds == 30.0 and status.current is None
    tracker.step(progress.Step("loading", "load_engine", "starting the engine", 2, 3, 67))
    assert tracker.status().ready  # a late report does not undo "ready"
