import time

import pytest

from lmdemo.config import AppConfig
from lmdemo.errors import ModelLoadError, UnknownModelError
from lmdemo.models import CATALOG, ModelManager, resolve
from lmdemo.models.catalog import BUNDLED, FOLDER, HUB
from lmdemo.models.hub import hub_reachable, in_local_cache
from tests.conftest import TINY_CONTEXT


def test_catalog_has_the_required_models():
    assert {"gpt2", "distilgpt2", "gpt2-medium", "gemma-3-270m"} <= set(CATALOG)
    assert CATALOG["gemma-3-270m"].kind == BUNDLED


@pytest.mark.parametrize(
    ("name", "kind"),
    [("gpt2", HUB), ("bundled", BUNDLED), ("someone/some-model", HUB), ("gpt2-large", HUB)],
)
def test_resolve(name, kind):
    assert resolve(name).kind == kind


@pytest.mark.parametrize("name", ["", "./no/such/folder", "bad name with spaces", "x.gguf"])
def test_unknown_models_list_the_catalog(name):
    with pytest.raises(UnknownModelError, match="gpt2, distilgpt2"):
        resolve(name)


def test_resolve_local_folder(tiny_model_dir):
    spec = resolve(str(tiny_model_dir))
    assert spec.kind == FOLDER and spec.source == str(tiny_model_dir.resolve())


def test_loading_by_path_gives_real_gpt2_tokenizer(tiny_loaded):
    assert tiny_loaded.tokenizer("Hello world")["input_ids"] == [15496, 995]
    assert tiny_loaded.context_window == TINY_CONTEXT
    assert tiny_loaded.model.config.model_type == "gpt2"
    assert tiny_loaded.reason.key == "explicit"
    assert "chosen explicitly" in tiny_loaded.reason.text


def test_a_model_the_app_offers_among_several_says_so(tiny_config):
    seen = []

    def loader(spec, config, reason):
        seen.append(reason)
        return "loaded"

    config = tiny_config.with_overrides(models=("first", tiny_config.model))
    assert ModelManager(config, loader).get() == "loaded"
    (reason,) = seen
    assert reason.key == "offered" and reason.detail == "first"
    assert "one of the models this app offers (--models)" in reason.text
    assert "first, first, is the default" in reason.text


def test_offline_hub_check_is_fast():
    start = time.perf_counter()
    ok, why = hub_reachable(timeout=2.0)
    assert not ok and "HF_HUB_OFFLINE" in why
    assert time.perf_counter() - start < 1.0
    assert in_local_cache("openai-community/gpt2-definitely-not-cached") is False


def _recording_loader(fail: set[str]):
    calls = []

    def loader(spec, config, reason):
        calls.append((spec.name, reason))
        if spec.name in fail:
            raise ModelLoadError(f"cannot load {spec.name}")
        return f"loaded {spec.name}"

    return loader, calls


def test_default_falls_back_to_bundled_when_hub_is_unreachable(tmp_path):
    loader, calls = _recording_loader(fail=set())
    manager = ModelManager(AppConfig(cache_dir=tmp_path), loader)
    assert manager.get() == "loaded gemma-3-270m"
    assert manager.get() == "loaded gemma-3-270m"  # loaded once
    assert len(calls) == 1
    assert calls[0][1].key == "offline" and "HF_HUB_OFFLINE" in calls[0][1].detail
    assert "gpt2 is not in the local cache and the hub is unreachable" in calls[0][1].text


def test_explicit_choice_that_fails_never_falls_back(tmp_path):
    loader, calls = _recording_loader(fail={"distilgpt2"})
    manager = ModelManager(AppConfig(model="distilgpt2", cache_dir=tmp_path), loader)
    with pytest.raises(ModelLoadError, match="The model you chose, 'distilgpt2'"):
        manager.get()
    assert [name for name, _ in calls] == ["distilgpt2"]


def test_explicit_missing_folder_is_an_error(tmp_path):
    manager = ModelManager(AppConfig(model=str(tmp_path / "nope"), cache_dir=tmp_path))
    with pytest.raises(UnknownModelError, match="does not exist"):
        manager.get()


def test_hub_id_not_cached_offline_fails_fast_with_its_name(tmp_path):
    manager = ModelManager(AppConfig(model="someone/not-cached-model", cache_dir=tmp_path))
    start = time.perf_counter()
    with pytest.raises(ModelLoadError, match="someone/not-cached-model"):
        manager.get()
    assert time.perf_counter() - start < 10


@pytest.mark.slow
def test_converted_tokenizer_matches_autotokenizer(bundled_loaded):
    from transformers import AutoTokenizer

    folder = bundled_loaded.model.config._name_or_path  # the converted-weights folder
    reference = AutoTokenizer.from_pretrained(folder)
    ours = bundled_loaded.tokenizer
    for text in ["Hello world", " leading space", "你好，世界 🍕 𓀀", "Review: good\nSentiment:",
                 "<start_of_turn>user\nhi<end_of_turn>", ""]:
        assert ours(text)["input_ids"] == reference(text)["input_ids"], text
        ids = reference(text)["input_ids"]
        assert ours.decode(ids, skip_special_tokens=True) == reference.decode(
            ids, skip_special_tokens=True)
    assert ours(" positive", add_special_tokens=False)["input_ids"] == reference(
        " positive", add_special_tokens=False)["input_ids"]
    for name in ("bos_token_id", "eos_token_id", "pad_token_id", "unk_token_id"):
        assert getattr(ours, name) == getattr(reference, name), name
    assert len(ours) == len(reference)
