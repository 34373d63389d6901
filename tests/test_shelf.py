"""The shelf: several models, one runtime each, LRU eviction that spares busy ones, and the
model each visitor picked (lmdemo/shelf.py)."""

from __future__ import annotations

import pytest

from lmdemo.config import AppConfig, load_config
from lmdemo.errors import BusyError, ConfigError, UnknownModelError
from lmdemo.shelf import Shelf, VisitorRuntime, model_names


class FakeBackend:
    def __init__(self) -> None:
        self.counts = {"waiting": 0, "paused": 0, "running": 0}

    def stats(self) -> dict[str, int]:
        return dict(self.counts)


class FakeRuntime:
    """What the shelf uses of a Runtime, recorded."""

    def __init__(self, config: AppConfig):
        self.config = config
        self.started = self.closed = False
        self.loading = False
        self.started_backend: FakeBackend | None = FakeBackend()

    @property
    def model_name(self) -> str:
        return self.config.model

    def check(self) -> None:
        if self.config.model == "nope":
            raise UnknownModelError("no such model")

    def start(self) -> None:
        self.started = True

    def close(self) -> None:
        self.closed = True


def shelf_of(*names: str, max_models: int = 2, visitor=lambda: None) -> Shelf:
    config = AppConfig(models=names, max_models=max_models)
    return Shelf(config, FakeRuntime, visitor=visitor)


def test_without_models_the_shelf_holds_the_one_model_of_before():
    assert model_names(AppConfig()) == ("",)
    assert model_names(AppConfig(model="gpt2")) == ("gpt2",)
    shelf = Shelf(AppConfig(model="gpt2"), FakeRuntime)
    assert not shelf.several
    assert shelf.runtime().config.model == "gpt2"


def test_each_model_gets_its_own_runtime_made_once():
    shelf = shelf_of("a", "b")
    first = shelf.runtime("a")
    assert shelf.runtime("a") is first
    assert shelf.runtime("b") is not first
    assert shelf.runtime("b").config.model == "b"
    assert shelf.runtime("b").config.models == ("a", "b")  # its banner says it is offered
    assert shelf.runtime().config.model == "a"  # the first is the default


def test_past_max_models_the_least_recently_used_idle_one_is_closed():
    shelf = shelf_of("a", "b", "c")
    a, b = shelf.runtime("a"), shelf.runtime("b")
    shelf.runtime("a")  # a is now the most recently used
    c = shelf.runtime("c")
    assert b.closed and not a.closed and not c.closed
    assert shelf.loaded_names() == ["a", "c"]
    assert shelf.runtime("b") is not b  # made again when asked for


def test_a_busy_model_is_never_evicted():
    shelf = shelf_of("a", "b", "c")
    a = shelf.runtime("a")
    b = shelf.runtime("b")
    a.started_backend.counts["running"] = 1  # a is older, but runs a request
    shelf.runtime("c")
    assert not a.closed and b.closed


def test_a_loading_model_is_busy_and_a_full_shelf_of_busy_models_says_so():
    shelf = shelf_of("a", "b", "c")
    a, b = shelf.runtime("a"), shelf.runtime("b")
    a.loading = True
    b.started_backend.counts["waiting"] = 2
    with pytest.raises(BusyError) as caught:
        shelf.runtime("c")
    assert "at most 2 models" in str(caught.value) and "a, b" in str(caught.value)
    assert not a.closed and not b.closed and shelf.loaded_names() == ["a", "b"]


def test_models_held_for_a_comparison_are_not_evicted_even_idle():
    shelf = shelf_of("a", "b", "c")
    c = shelf.runtime("c")  # the visitor's own model, least recently used once a and b load
    with shelf.holding(["a", "b"]) as (a, b):
        assert not a.closed and not b.closed and c.closed
        with pytest.raises(BusyError):  # both held: no room for c while the block runs
            shelf.runtime("c")
    assert shelf.runtime("c").config.model == "c"  # released: c may evict the LRU again
    assert a.closed and not b.closed


def test_holding_names_not_offered_holds_nothing():
    shelf = shelf_of("a", "b")
    with pytest.raises(UnknownModelError), shelf.holding(["a", "zzz"]):
        pass
    assert shelf.loaded_names() == []


def test_runtimes_made_after_start_are_started():
    shelf = shelf_of("a", "b")
    shelf.start()
    assert shelf.runtime("a").started
    assert shelf.runtime("b").started


def test_names_not_offered_are_refused_with_the_choices():
    shelf = shelf_of("gemma-3-270m", "b")
    assert shelf.name_of("gemma") == "gemma-3-270m"  # a catalogue alias of an offered model
    assert shelf.name_of("") == "gemma-3-270m"
    with pytest.raises(UnknownModelError) as caught:
        shelf.name_of("gpt2")
    assert "'gpt2'" in str(caught.value) and "gemma-3-270m, b" in str(caught.value)
    assert shelf.loaded_names() == []  # nothing was loaded for it


def test_check_resolves_every_name():
    with pytest.raises(UnknownModelError):
        shelf_of("a", "nope").check()


def test_each_visitor_gets_the_model_they_picked():
    who = {"session": None}
    shelf = shelf_of("a", "b", visitor=lambda: who["session"])
    runtime = VisitorRuntime(shelf)
    assert shelf.choose("s1", "b") == "b"
    who["session"] = "s1"
    assert runtime.model_name == "b"
    who["session"] = "s2"
    assert runtime.model_name == "a"
    who["session"] = None  # no visitor (the CLI, a build step): the default
    assert runtime.model_name == "a"
    shelf.forget("s1")
    assert shelf.chosen("s1") == "a"


def test_an_event_keeps_the_model_it_started_on_when_the_visitor_switches():
    from lmdemo.sessions import Scope, acting_for

    shelf = shelf_of("a", "b", visitor=lambda: "s1")
    runtime = VisitorRuntime(shelf)
    with acting_for("s1", Scope()):  # one event, e.g. a generation streaming
        assert runtime.model_name == "a"
        shelf.choose("s1", "b")  # the picker, from another event meanwhile
        assert runtime.model_name == "a"  # the rest of this event stays on "a"
    with acting_for("s1", Scope()):  # the visitor's next event
        assert runtime.model_name == "b"
    assert runtime.model_name == "b"  # outside any event: the pick as it is now


def test_a_pick_needs_an_offered_model():
    shelf = shelf_of("a", "b")
    with pytest.raises(UnknownModelError):
        shelf.choose("s1", "c")
    assert shelf.chosen("s1") == "a"


def test_models_from_flag_and_env():
    assert load_config(["--models", "a, b"], {}).models == ("a", "b")
    assert load_config([], {"LMDEMO_MODELS": "a,b", "LMDEMO_MAX_MODELS": "3"}).max_models == 3
    assert load_config([], {"LMDEMO_MODELS": "a,b"}).models == ("a", "b")


@pytest.mark.parametrize("argv, words", [
    (["--models", "a,b", "--model", "a"], "not both"),
    (["--models", "a,a"], "more than once"),
    (["--models", "a,b", "--backend", "http://x/v1"], "--backend"),
    (["--max-models", "0"], "at least 1"),
])
def test_bad_model_settings_name_the_problem(argv, words):
    with pytest.raises(ConfigError) as caught:
        load_config(argv, {})
    assert words in str(caught.value)


def test_two_real_models_generate_side_by_side(tiny_model_dir, tmp_path):
    from lmdemo.params import SamplingParams
    from tests.conftest import build_tiny_gpt2

    other = build_tiny_gpt2(tmp_path / "other", seed=1)
    config = AppConfig(models=(str(tiny_model_dir), str(other)), cache_dir=tmp_path / "cache",
                       dtype="float32", quantize="none")
    shelf = Shelf(config)
    try:
        params = SamplingParams(max_new_tokens=6, temperature=0.0)
        runtimes = [shelf.runtime(name) for name in shelf.names]
        requests = [rt.backend.submit(rt.encode("Hello"), "Hello", params) for rt in runtimes]
        ids = [request.result().token_ids for request in requests]
        assert runtimes[0].loaded.model is not runtimes[1].loaded.model
        assert runtimes[0].backend.engine is not runtimes[1].backend.engine
        assert all(len(one) == 6 for one in ids)
        assert ids[0] != ids[1]  # two different random models, each on its own engine
    finally:
        shelf.close()
